from django.urls import path

from tipline import views

app_name = "tipline"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("report/", views.report, name="report"),
    path("followup/", views.followup, name="followup"),
    path("followup/files/<uuid:public_id>/", views.followup_attachment, name="followup_attachment"),
    # What the proxy shows when a report or reply is over the size limit (deploy/nginx/proxy-locations.template).
    path("too-large/", views.too_large, name="too_large"),
]
