from django.urls import path

from portal.claims import views

app_name = "claims"

urlpatterns = [
    path("", views.close, name="close"),
    path("clients/<int:client_id>/confirm/", views.confirm, name="confirm"),
    path("clients/<int:client_id>/cancel/", views.cancel, name="cancel"),
    path("clients/<int:client_id>/reject/", views.reject, name="reject"),
    path("statements/<int:confirmation_id>/", views.statement, name="statement"),
    path("statements/<int:confirmation_id>/pdf/", views.statement_pdf, name="statement_pdf"),
    path("files/make/", views.file_make, name="file_make"),
    path("files/<int:file_id>/", views.file_download, name="file_download"),
    path("files/<int:file_id>/pdf/", views.file_pdf, name="file_pdf"),
    path("care-managers/", views.care_managers, name="care_managers"),
    path("kyotaku/", views.kyotaku, name="kyotaku"),
    path("kyotaku/file/", views.claim_file_make, name="claim_file_make"),
]
