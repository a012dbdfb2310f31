from django.urls import path

from retention import views

app_name = "retention"

urlpatterns = [
    path("cases/<uuid:public_id>/<slug:action>/", views.retention_action, name="retention_action"),
]
