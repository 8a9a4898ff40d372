from django.urls import path

from portal.partners import views

app_name = "partners"

urlpatterns = [
    path("", views.partner_list, name="list"),
    path("invite/", views.partner_invite, name="invite"),
    path("invite/lookup/", views.office_lookup, name="office_lookup"),
    path("external/new/", views.external_create, name="external_create"),
    path("invitations/<int:partner_invitation_id>/", views.invitation_detail, name="invitation_detail"),
    path("invitations/<int:partner_invitation_id>/accept/", views.invitation_accept, name="invitation_accept"),
    path("invitations/<int:partner_invitation_id>/decline/", views.invitation_decline, name="invitation_decline"),
    path("invitations/<int:partner_invitation_id>/cancel/", views.invitation_cancel, name="invitation_cancel"),
    path("consents/", views.consent_list, name="consents"),
    path("consents/new/", views.consent_create, name="consent_create"),
    path("consents/<int:consent_id>/", views.consent_detail, name="consent_detail"),
    path("consents/<int:consent_id>/revoke/", views.consent_revoke, name="consent_revoke"),
    path("consents/<int:consent_id>/document/", views.consent_document, name="consent_document"),
    path("audit/", views.audit_list, name="audit"),
    path("audit/export.csv", views.audit_export, name="audit_export"),
    path("audit/<int:audit_event_id>/", views.audit_detail, name="audit_detail"),
    path("<int:partnership_id>/", views.partnership_detail, name="detail"),
    path("<int:partnership_id>/end/", views.partnership_end, name="end"),
]
