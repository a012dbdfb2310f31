from django.urls import path

from approvals import views

app_name = "approvals"

urlpatterns = [
    path("", views.change_list, name="changes"),
    path("<int:change_id>/approve/", views.change_approve, name="approve"),
    path("<int:change_id>/refuse/", views.change_refuse, name="refuse"),
]
