"""URLs of the exchange, under ``/exchange/``, plus the form downloads, which keep their old paths beside
the form pages (bookmarks). Mounted at the root by ``config/urls.py`` so both share the ``exchange``
namespace."""

from django.urls import include, path

from linkage.exchange.views import actuals, certificates, checking, downloads, receiving, sending

app_name = "exchange"

exchange_patterns = [
    path("certificates/", certificates.certificate_list, name="certificates"),
    path("certificates/<int:certificate_id>/revoke/", certificates.certificate_revoke, name="certificate_revoke"),
    path("check/", checking.csv_check, name="check"),
    # sending
    path("outbox/", sending.outbox, name="outbox"),
    path("send/month/", sending.send_month, name="send_month"),
    path("send/plans/<int:plan_id>/", sending.send_plan, name="send_plan"),
    path("batches/<int:batch_id>/", sending.batch_detail, name="batch"),
    path("batches/<int:batch_id>/progress/", sending.batch_progress, name="batch_progress"),
    path("batches/<int:batch_id>/download/", sending.batch_download, name="batch_download"),
    path("packages/<int:package_id>/", sending.package_detail, name="package"),
    path("packages/<int:package_id>/download/", sending.package_download, name="package_download"),
    path("packages/<int:package_id>/delete-schedule/", sending.schedule_delete_send, name="schedule_delete"),
    # receiving
    path("inbox/", receiving.inbox, name="inbox"),
    path("inbox/refresh/", receiving.inbox_refresh, name="inbox_refresh"),
    path("inbox/upload/", receiving.upload, name="upload"),
    path("received/<int:received_id>/", receiving.received_detail, name="received"),
    path("received/<int:received_id>/retry/", receiving.received_retry, name="received_retry"),
    path("received/<int:received_id>/match/", receiving.received_match, name="received_match"),
    path("received/<int:received_id>/download/", receiving.received_download, name="received_download"),
    path("received-plans/<int:received_plan_id>/", receiving.received_plan, name="received_plan"),
    path("schedules/<int:schedule_id>/provision/", actuals.provision, name="provision"),
    path("schedules/<int:schedule_id>/actuals/", actuals.actual_entry, name="actual_entry"),
    path("comparison/", actuals.comparison, name="comparison"),
]

# the standard-CSV download of one form, linked from the form's page; old paths kept
form_patterns = [
    path("schedules/<int:schedule_id>/download/", downloads.schedule_download, name="schedule_download"),
    path("careplans/<int:plan_id>/csv/", downloads.plan_csv, name="plan_csv"),
]

urlpatterns = [
    path("exchange/", include(exchange_patterns)),
    *form_patterns,
]
