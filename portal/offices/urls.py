from django.urls import path

from portal.offices import views

app_name = "offices"

urlpatterns = [
    path("register/", views.office_register, name="register"),
    path("switch/", views.office_switch, name="switch"),
    path("settings/", views.office_settings, name="settings"),
    path("staff/", views.staff_list, name="staff"),
    path("staff/invite/", views.staff_invite, name="staff_invite"),
    path("staff/invitations/<int:invitation_id>/revoke/", views.staff_invitation_revoke, name="staff_invitation_revoke"),
    path("staff/<int:member_id>/role/", views.member_role, name="member_role"),
    path("staff/<int:member_id>/remove/", views.member_remove, name="member_remove"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
]
