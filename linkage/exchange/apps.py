from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "linkage.exchange"
    verbose_name = "データ連携"

    def ready(self):
        # The portal apps below declare what they need of the exchange (portal/*/ports.py); answer them.
        from linkage.exchange.ports import provide_all

        provide_all()

    def dashboard_cards(self, request):
        """Dashboard cards: certificate missing / expiring within 30 days / expired."""
        from django.urls import reverse

        from linkage.exchange.models import OfficeCertificate
        from portal.core.wareki import wareki_date

        office = getattr(request, "office", None)
        if office is None:
            return []
        record = OfficeCertificate.objects.filter(office=office, is_active=True).first()
        url = reverse("exchange:certificates")
        if record is None:
            return [
                {
                    "title": "電子証明書",
                    "body": "電子証明書が登録されていません。データ連携の送信には事業所の電子証明書が必要です。",
                    "url": url,
                    "link_label": "電子証明書を登録する",
                }
            ]
        if record.is_expired:
            return [
                {
                    "title": "電子証明書の有効期限切れ",
                    "body": f"電子証明書の有効期限（{wareki_date(record.not_after)}）が切れています。送信できません。",
                    "url": url,
                    "link_label": "新しい証明書を登録する",
                }
            ]
        if record.expires_soon:
            return [
                {
                    "title": "電子証明書の有効期限が近づいています",
                    "body": f"有効期限は{wareki_date(record.not_after)}です（あと{record.days_left}日）。期限までに更新してください。",
                    "url": url,
                    "link_label": "証明書を更新する",
                }
            ]
        return []
