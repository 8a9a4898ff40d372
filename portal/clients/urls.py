from django.urls import path

from portal.clients import views

app_name = "clients"

urlpatterns = [
    path("", views.client_list, name="list"),
    path("new/", views.client_create, name="create"),
    path("new/draft/", views.client_draft, name="draft"),
    path("new/draft/discard/", views.client_draft_discard, name="draft_discard"),
    path("<int:client_id>/", views.client_detail, name="detail"),
    path("<int:client_id>/edit/", views.client_edit, name="edit"),
    path("<int:client_id>/certifications/new/", views.certification_create, name="certification_create"),
    path("certifications/<int:certification_id>/edit/", views.certification_edit, name="certification_edit"),
    path("certifications/<int:certification_id>/delete/", views.certification_delete, name="certification_delete"),
]
