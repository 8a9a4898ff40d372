from django.urls import path

from portal.offices import verification, views

app_name = "offices"

urlpatterns = [
    path("register/", views.office_register, name="register"),
    path("switch/", views.office_switch, name="switch"),
    path("settings/", views.office_settings, name="settings"),
    path("staff/", views.staff_list, name="staff"),
    path("staff/invite/", views.staff_invite, name="staff_invite"),
    path(
        "staff/invitations/<int:invitation_id>/revoke/", views.staff_invitation_revoke, name="staff_invitation_revoke"
    ),
    path("staff/<int:member_id>/role/", views.member_role, name="member_role"),
    path("staff/<int:member_id>/remove/", views.member_remove, name="member_remove"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("verification/", verification.verification, name="verification"),
    path("claim/", verification.claim, name="claim"),
    path("operator/verifications/", verification.operator_list, name="operator_verifications"),
    path("operator/verifications/<int:office_id>/", verification.operator_office, name="operator_verification"),
    path(
        "operator/verifications/<int:office_id>/document/",
        verification.operator_office_document,
        name="operator_verification_document",
    ),
    path("operator/claims/<int:claim_id>/", verification.operator_claim, name="operator_claim"),
    path(
        "operator/claims/<int:claim_id>/document/", verification.operator_claim_document, name="operator_claim_document"
    ),
]
