from django.urls import path

from portal.jobs import views

app_name = "jobs"

urlpatterns = [
    path("health/banner/", views.health_banner, name="health_banner"),
    path("<int:background_job_id>/retry/", views.job_retry, name="retry"),
]
