from django.urls import path

from protection import views

app_name = "protection"

urlpatterns = [
    path("cases/<uuid:public_id>/<slug:action>/", views.protection_action, name="protection_action"),
]
