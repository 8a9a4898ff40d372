from django.urls import path

from portal.schedules import views

app_name = "schedules"

urlpatterns = [
    path("", views.schedule_list, name="list"),
    path("alive/", views.alive, name="alive"),
    path("clients/<int:client_id>/", views.schedule_open, name="open"),
    path("<int:schedule_id>/", views.schedule_edit, name="edit"),
    path("<int:schedule_id>/draft/", views.schedule_draft, name="draft"),
    path("<int:schedule_id>/recalc/", views.schedule_recalc, name="recalc"),
    path("<int:schedule_id>/draft/discard/", views.schedule_draft_discard, name="draft_discard"),
    path("<int:schedule_id>/fill/", views.schedule_fill, name="fill"),
]
