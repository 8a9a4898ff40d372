from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "portal.claims"
    verbose_name = "月次の締め・給付管理票・請求"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from portal.claims import file_pdf  # noqa: F401  (the stored PDF goes with its file)

    def dashboard_cards(self, request):
        """月次の締め card: last month's confirmations and files against the 10th-of-the-month deadline."""
        import datetime as dt

        from django.urls import reverse
        from django.utils import timezone

        from portal.claims.models import ActualConfirmation, TransmissionFile
        from portal.schedules.models import ServiceSchedule

        office = getattr(request, "office", None)
        if office is None or getattr(request, "membership", None) is None or not office.is_care_management:
            return []
        today = timezone.localdate()
        month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        clients = set(
            ServiceSchedule.objects.filter(client__office=office, month=month).values_list("client_id", flat=True)
        )
        if not clients:
            return []
        confirmed = set(
            ActualConfirmation.objects.filter(office=office, month=month).values_list("client_id", flat=True)
        )
        filed = TransmissionFile.objects.filter(office=office, month=month, data_type="821").exists()
        deadline = today.replace(day=10)
        from portal.core.wareki import wareki_date, wareki_month

        if today <= deadline:
            when = f"提出期限 {wareki_date(deadline)}（あと{(deadline - today).days}日）"
        else:
            when = "提出期限（10日）を過ぎました。月遅れ請求になります"
        body = (
            f"{wareki_month(month)}分: 実績確定 {len(confirmed & clients)}/{len(clients)}人 ／ "
            f"給付管理票のファイル {'作成済み' if filed else '未作成'} ／ {when}"
        )
        return [
            {
                "title": "月次の締め",
                "body": body,
                "url": reverse("claims:close") + f"?month={month:%Y-%m}",
                "link_label": "月次の締めを開く",
            }
        ]
