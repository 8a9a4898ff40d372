"""The operator revokes an office certificate on the hub (e.g. a lost or leaked key).

DJANGO_SETTINGS_MODULE=config.hub_settings python manage.py hub_revoke_certificate FINGERPRINT --reason "…"
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from linkage.hub.models import HubCertificate
from linkage.hub.views import revoke_certificate


class Command(BaseCommand):
    help = "電子証明書（SHA-256 フィンガープリント）を連携基盤で失効させます。"

    def add_arguments(self, parser):
        parser.add_argument("fingerprint")
        parser.add_argument("--reason", default="revoked_by_operator")

    def handle(self, *args, fingerprint, reason, **options):
        record = HubCertificate.objects.filter(fingerprint=fingerprint.strip().lower().replace(":", "")).first()
        if record is None:
            raise CommandError("その証明書は連携基盤に登録されていません。")
        revoke_certificate(record, reason)
        self.stdout.write(f"失効させました: {record.fingerprint}（事業所番号 {record.office_number}）")
