from django.urls import path

from portal.exports import views

app_name = "exports"

urlpatterns = [
    path("", views.export_page, name="page"),
    path("start/", views.export_start, name="start"),
    path("<int:export_id>/download/", views.export_download, name="download"),
]
