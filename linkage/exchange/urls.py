from django.urls import path

from linkage.exchange import views

app_name = "exchange"

urlpatterns = [
    path("certificates/", views.certificate_list, name="certificates"),
    path("certificates/<int:certificate_id>/revoke/", views.certificate_revoke, name="certificate_revoke"),
    path("check/", views.csv_check, name="check"),
    # sending
    path("outbox/", views.outbox, name="outbox"),
    path("send/month/", views.send_month, name="send_month"),
    path("send/plans/<int:plan_id>/", views.send_plan, name="send_plan"),
    path("batches/<int:batch_id>/", views.batch_detail, name="batch"),
    path("batches/<int:batch_id>/progress/", views.batch_progress, name="batch_progress"),
    path("batches/<int:batch_id>/download/", views.batch_download, name="batch_download"),
    path("packages/<int:package_id>/", views.package_detail, name="package"),
    path("packages/<int:package_id>/download/", views.package_download, name="package_download"),
    path("packages/<int:package_id>/delete-schedule/", views.schedule_delete_send, name="schedule_delete"),
    # receiving
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/refresh/", views.inbox_refresh, name="inbox_refresh"),
    path("inbox/upload/", views.upload, name="upload"),
    path("received/<int:received_id>/", views.received_detail, name="received"),
    path("received/<int:received_id>/retry/", views.received_retry, name="received_retry"),
    path("received/<int:received_id>/match/", views.received_match, name="received_match"),
    path("received/<int:received_id>/download/", views.received_download, name="received_download"),
    path("received-plans/<int:received_plan_id>/", views.received_plan, name="received_plan"),
    path("schedules/<int:schedule_id>/provision/", views.provision, name="provision"),
    path("schedules/<int:schedule_id>/actuals/", views.actual_entry, name="actual_entry"),
    path("comparison/", views.comparison, name="comparison"),
]
