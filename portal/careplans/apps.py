from django.apps import AppConfig


class CareplansConfig(AppConfig):
    name = "portal.careplans"
    verbose_name = "居宅サービス計画書"

    def dashboard_cards(self, request):
        """The plans card on the office dashboard: drafts and certifications ending within 60 days."""
        import datetime as dt

        from django.urls import reverse
        from django.utils import timezone

        from portal.careplans.models import CarePlan, PlanStatus

        office = getattr(request, "office", None)
        if office is None or request.membership is None or not office.is_care_management:
            return []
        today = timezone.localdate()
        latest = CarePlan.objects.filter(next_versions__isnull=True)
        drafts = latest.filter(status=PlanStatus.DRAFT).count()
        expiring = latest.filter(cert_valid_to__gte=today, cert_valid_to__lte=today + dt.timedelta(days=60)).count()
        undelivered = latest.filter(status=PlanStatus.CONFIRMED).count()
        body = f"作成中の下書き {drafts}件 ／ 交付待ち {undelivered}件 ／ 認定の有効期間が60日以内に終了 {expiring}件"
        return [
            {
                "title": "居宅サービス計画書",
                "body": body,
                "url": reverse("careplans:list") + "?expiry=soon",
                "link_label": "期限が近い計画書を見る",
            }
        ]
