from django.urls import path

from outcomes import views

app_name = "outcomes"

urlpatterns = [
    path("cases/<uuid:public_id>/referral-file/", views.referral_file, name="referral_file"),
    path("cases/<uuid:public_id>/<slug:action>/", views.outcome_action, name="outcome_action"),
    path("referral-files/verify/", views.referral_file_verify, name="referral_file_verify"),
]
