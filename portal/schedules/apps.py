from django.apps import AppConfig


class SchedulesConfig(AppConfig):
    name = "portal.schedules"
    verbose_name = "サービス利用票"

    def dashboard_cards(self, request):
        """This month's サービス利用票 on the office dashboard (after the 利用者 card; a fixed number of queries)."""
        from django.urls import reverse
        from django.utils import timezone

        from portal.clients.models import Client
        from portal.schedules.models import ServiceSchedule

        office = getattr(request, "office", None)
        if office is None or request.membership is None:
            return []
        month = timezone.localdate().replace(day=1)
        total = Client.objects.filter(is_active=True).count()
        done = ServiceSchedule.objects.filter(month=month, client__is_active=True).count()
        return [
            {
                "title": f"サービス利用票（{month.month}月分）",
                "body": f"{total}人中 {done}人 作成済み",
                "url": reverse("schedules:list"),
                "link_label": "今月の利用票を開く",
            },
        ]
