from django.urls import path

from portal.casework import views

app_name = "casework"

urlpatterns = [
    path("clients/<int:client_id>/log/", views.support_log, name="support_log"),
    path("clients/<int:client_id>/log/pdf/", views.support_log_pdf, name="support_log_pdf"),
    path("log/<int:entry_id>/edit/", views.support_log_edit, name="support_log_edit"),
]
