from django.urls import path

from accounts import views as auth_views
from cases import member_views, views

app_name = "staff"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("login/", auth_views.StaffLoginView.as_view(), name="login"),
    path("logout/", auth_views.logout, name="logout"),
    path("account/", auth_views.account, name="account"),
    path("account/logout-everywhere/", auth_views.account_logout_everywhere, name="account_logout_everywhere"),
    path("account/password/", auth_views.account_password, name="account_password"),
    path("account/own-password/", auth_views.account_own_password, name="account_own_password"),
    path("account/totp/", auth_views.account_totp, name="account_totp"),
    path("cases/<uuid:public_id>/", views.case_detail, name="case"),
    path("cases/<uuid:public_id>/<slug:action>/", views.case_action, name="case_action"),
    path("phone/", views.phone_intake, name="phone_intake"),
    path("tips/<uuid:public_id>/", views.tip_detail, name="tip"),
    path("tips/<uuid:public_id>/files/<uuid:attachment_id>/", views.tip_attachment, name="tip_attachment"),
    path(
        "tips/<uuid:public_id>/files/<uuid:attachment_id>/safe-copy/",
        views.tip_attachment_safe_copy,
        name="tip_attachment_safe_copy",
    ),
    path("units/<slug:slug>/members/", member_views.unit_members, name="unit_members"),
    path("units/<slug:slug>/members/add/", member_views.unit_member_add, name="unit_member_add"),
    path(
        "units/<slug:slug>/members/<int:member_id>/remove/", member_views.unit_member_remove, name="unit_member_remove"
    ),
    path("units/<slug:slug>/members/rotate-key/", member_views.unit_key_rotate, name="unit_key_rotate"),
    path("staff/<int:member_id>/reset-password/", member_views.staff_password_reset, name="staff_password_reset"),
]
