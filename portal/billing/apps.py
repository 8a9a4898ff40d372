from django.apps import AppConfig
from django.core import checks


class BillingConfig(AppConfig):
    name = "portal.billing"
    verbose_name = "ライセンスと請求"

    def ready(self):
        checks.register(check_invoice_issuer, "billing")

    def dashboard_cards(self, request):
        """The licence card on the office dashboard (see portal.offices.views._dashboard_sections)."""
        from django.urls import reverse

        from portal.billing.licensing import licence_status
        from portal.offices.models import Role

        if getattr(request, "office", None) is None or request.membership is None:
            return []
        status = licence_status(request.office)
        body = "画面上部のお知らせをご覧ください。" if status.state in ("grace", "lapsed") else status.message
        card = {"title": f"ライセンス（{status.label}）", "body": body}
        if request.membership.role in (Role.ADMIN, Role.CLERK):
            card.update(url=reverse("billing:office"), link_label="ライセンス・請求書を見る")
        return [card]


def check_invoice_issuer(app_configs, **kwargs):
    """A registration number that is set must be well-formed (T + 13 digits).

    An unset issuer is not an error here (a fresh install has none); issuing an invoice
    is refused with a Japanese message and the operator dashboard shows what is missing.
    """
    from django.conf import settings
    from django.core.exceptions import ValidationError

    from portal.billing.models import validate_registration_number

    number = settings.RENKEI_INVOICE_REGISTRATION_NUMBER
    if not number:
        return []
    try:
        validate_registration_number(number)
    except ValidationError as error:
        return [
            checks.Error(
                error.messages[0],
                hint="環境変数 RENKEI_INVOICE_REGISTRATION_NUMBER を確認してください。",
                id="billing.E001",
            )
        ]
    return []
