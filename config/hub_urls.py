"""URLs of the hub process (see linkage/hub/openapi.json)."""

from django.urls import path

from linkage.hub import views

urlpatterns = [
    path("api/health", views.health, name="health"),
    path("api/openapi.json", views.openapi, name="openapi"),
    path("api/certificates", views.certificate_register, name="certificate_register"),
    path("api/certificates/<str:fingerprint>/revoke", views.certificate_revoke, name="certificate_revoke"),
    path("api/revocations", views.revocations, name="revocations"),
    path("api/offices/<str:office_number>/certificates", views.office_certificates, name="office_certificates"),
    path("api/packages", views.package_submit, name="package_submit"),
    path("api/inbox", views.inbox, name="inbox"),
    path("api/sent", views.sent, name="sent"),
    path("api/packages/<uuid:package_id>", views.package_fetch, name="package_fetch"),
    path("api/packages/<uuid:package_id>/status", views.package_status, name="package_status"),
    path("api/packages/<uuid:package_id>/ack", views.package_ack, name="package_ack"),
]
