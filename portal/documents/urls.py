from django.urls import path

from portal.documents import views

app_name = "documents"

urlpatterns = [
    path("", views.document_list, name="list"),
    path("schedules/<int:schedule_id>/provision.pdf", views.provision_pdf, name="provision_pdf"),
    path("schedules/<int:schedule_id>/usage.pdf", views.usage_pdf, name="usage_pdf"),
    path("careplans/<int:plan_id>/careplan.pdf", views.careplan_pdf, name="careplan_pdf"),
    path("jobs/", views.job_create, name="job_create"),
    path("jobs/<int:job_id>/", views.job_detail, name="job_detail"),
    path("jobs/<int:job_id>/download/", views.job_download, name="job_download"),
]
