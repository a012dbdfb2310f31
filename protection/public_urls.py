"""The whistleblower's protection pages, under /followup/ (config/urls.py): public, without an account."""

from django.urls import path

from protection import public_views

app_name = "protection_public"

urlpatterns = [
    path("protection/", public_views.protection, name="protection"),
    path("check-in/<uuid:public_id>/", public_views.check_in, name="check_in"),
    path("retaliation/", public_views.retaliation, name="retaliation"),
]
