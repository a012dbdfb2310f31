from django.urls import path

from cases import auth_views, views

app_name = "staff"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("login/", auth_views.StaffLoginView.as_view(), name="login"),
    path("logout/", auth_views.logout, name="logout"),
    path("tips/<uuid:public_id>/", views.tip_detail, name="tip"),
    path("tips/<uuid:public_id>/files/<uuid:attachment_id>/", views.tip_attachment, name="tip_attachment"),
]
