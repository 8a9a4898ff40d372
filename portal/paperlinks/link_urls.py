"""The partner's pages (no account): /l/<token>/… — 404 without a valid token, and without the code."""

from django.urls import path

from portal.paperlinks import views

app_name = "paperlink"

urlpatterns = [
    path("<str:token>/", views.enter, name="enter"),
    path("<str:token>/sheet/", views.sheet, name="sheet"),
    path("<str:token>/pdf/<int:schedule_id>/", views.pdf, name="pdf"),
]

urlpatterns += [
    path("<str:token>/answer/<int:schedule_id>/", views.answer, name="answer"),
    path("<str:token>/join/", views.join_request, name="join"),
]
