from django.urls import path

from evidence import views

app_name = "evidence"

urlpatterns = [
    path("searches/", views.searches, name="searches"),
    path("cases/<uuid:public_id>/exhibits/", views.exhibit_register, name="exhibit_register"),
    path("exhibits/<uuid:public_id>/", views.exhibit, name="exhibit"),
    path("exhibits/<uuid:public_id>/file/", views.exhibit_file, name="exhibit_file"),
    path("exhibits/<uuid:public_id>/<slug:action>/", views.exhibit_action, name="exhibit_action"),
]
