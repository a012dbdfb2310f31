from django.urls import path

from identity import views

app_name = "identity"

urlpatterns = [
    path("", views.request_list, name="requests"),
    path("requests/<uuid:public_id>/", views.request_detail, name="request"),
    path("requests/<uuid:public_id>/approve/", views.request_approve, name="approve"),
    path("requests/<uuid:public_id>/refuse/", views.request_refuse, name="refuse"),
    path("reserved/<uuid:public_id>/ask/", views.disclosure_ask, name="ask"),
]
