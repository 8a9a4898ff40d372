"""Care-office pages: send a month's 提供票 by link, the links' status, the printable cover sheet."""

from django.urls import path

from portal.paperlinks import views

app_name = "paperlinks"

urlpatterns = [
    path("", views.link_list, name="list"),
    path("send/<int:partnership_id>/", views.link_send, name="send"),
    path("<int:paper_link_id>/revoke/", views.link_revoke, name="revoke"),
]
