from django.urls import path

from tipline import views

app_name = "tipline"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("report/", views.report, name="report"),
    path("followup/", views.followup, name="followup"),
    path("followup/files/<uuid:public_id>/", views.followup_attachment, name="followup_attachment"),
]
