from django.urls import path

from portal.claims import file_pdf_views, views

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
    path("files/<int:file_id>/pdf/", file_pdf_views.file_pdf, name="file_pdf"),
    path("files/<int:file_id>/pdf/create/", file_pdf_views.file_pdf_create, name="file_pdf_create"),
    path("files/<int:file_id>/pdf/state/", file_pdf_views.file_pdf_state, name="file_pdf_state"),
    path("care-managers/", views.care_managers, name="care_managers"),
    path("kyotaku/", views.kyotaku, name="kyotaku"),
    path("kyotaku/file/", views.claim_file_make, name="claim_file_make"),
]
