from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "portal.clients"
    verbose_name = "利用者"

    def dashboard_cards(self, request):
        """利用者 on the office dashboard (a fixed number of queries; the サービス利用票 card is schedules')."""
        from django.db.models import Exists, OuterRef
        from django.urls import reverse
        from django.utils import timezone

        from portal.clients.models import Certification, Client
        from portal.clients.services import expiry_limit

        office = getattr(request, "office", None)
        if office is None or request.membership is None:
            return []
        today = timezone.localdate()
        active = Client.objects.filter(is_active=True)
        total = active.count()
        expiring = active.filter(
            Exists(
                Certification.objects.filter(
                    client=OuterRef("pk"), valid_from__lte=today, valid_to__gte=today, valid_to__lte=expiry_limit(today)
                )
            )
        ).count()
        return [
            {
                "title": "利用者",
                "body": f"利用中 {total}人 ／ 認定有効期間が60日以内に終了 {expiring}人",
                "url": reverse("clients:list") + "?expiring=on",
                "link_label": "認定期限が近い利用者を見る",
            },
        ]
