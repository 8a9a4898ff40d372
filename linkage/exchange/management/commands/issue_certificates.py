"""Issue (or renew) Renkei's signing certificate of every verified office that needs one.

    python manage.py issue_certificates

The same work as the periodic task ``exchange.renew_certificates``, with the issuing CA from
``RENKEI_ISSUING_CA_CERT_FILE`` / ``RENKEI_ISSUING_CA_KEY_FILE`` / ``RENKEI_ISSUING_CA_KEY_PASSPHRASE``.
``bin/start`` runs it for the demo offices.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from linkage.exchange import certificates


class Command(BaseCommand):
    help = "Issue or renew the signing certificates of verified offices with the issuing CA."

    def handle(self, *args, **options):
        try:
            certificates.issuing_ca()
        except certificates.IssuingCANotConfigured as exc:
            raise CommandError(str(exc)) from None
        count = certificates.certificates_renew()
        self.stdout.write(f"{count} certificate(s) issued")
