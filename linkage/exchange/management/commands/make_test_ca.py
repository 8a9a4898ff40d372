"""A local test CA and per-office certificates, for the demo and tests.

    python manage.py make_test_ca [--dir DIR] [--password PW] [--install] [--missing] [--office NUMBER ...]

Writes DIR/ca.pem (the trust store: set RENKEI_TRUSTED_CA_FILE to it for the hub and the
workers), DIR/ca-key.pem (encrypted with RENKEI_ISSUING_CA_KEY_PASSPHRASE when set: ``bin/start``
uses this CA as the issuing CA, see ``issue_certificates``), and DIR/<事業所番号>.p12 for each
office (all offices by default; none with ``--ca-only``).
The office number is in the certificate subject's serialNumber attribute. ``--install``
also stores each certificate as the office's active signing certificate. Reuses an existing
CA in DIR.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from linkage.exchange.certificates import active_certificate, certificate_install
from linkage.signing import pki
from portal.offices.models import Office
from portal.offices.tenancy import office_scope


def default_dir() -> Path:
    configured = getattr(settings, "RENKEI_TRUSTED_CA_FILE", "")
    return Path(configured).parent if configured else Path(settings.VAR_DIR) / "test-ca"


def load_or_create_ca(directory: Path, passphrase: str | None = None) -> pki.TestCA:
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / "ca.pem", directory / "ca-key.pem"
    if cert_path.exists() and key_path.exists():
        try:
            return pki.TestCA.load(cert_path.read_bytes(), key_path.read_bytes(), passphrase)
        except pki.CertificateError:
            if not passphrase:
                raise
            ca = pki.TestCA.load(cert_path.read_bytes(), key_path.read_bytes())  # an older unencrypted key
            key_path.write_bytes(ca.key_pem(passphrase))
            return ca
    ca = pki.create_test_ca()
    key_path.write_bytes(ca.key_pem(passphrase))
    key_path.chmod(0o600)
    cert_path.write_bytes(ca.pem())
    return ca


class Command(BaseCommand):
    help = "Create a local test CA and a signing certificate (PKCS#12) per office."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir", default="", help="output folder (default: folder of RENKEI_TRUSTED_CA_FILE or VAR_DIR/test-ca)"
        )
        parser.add_argument("--password", default="renkei-demo-2026", help="PKCS#12 password")
        parser.add_argument("--office", action="append", default=[], help="事業所番号 (repeat); default all offices")
        parser.add_argument("--install", action="store_true", help="store as each office's active certificate")
        parser.add_argument("--missing", action="store_true", help="only offices without an active certificate")
        parser.add_argument("--ca-only", action="store_true", help="only make (or check) the CA")

    def handle(self, *args, **options):
        directory = Path(options["dir"]) if options["dir"] else default_dir()
        ca = load_or_create_ca(directory, getattr(settings, "RENKEI_ISSUING_CA_KEY_PASSPHRASE", "") or None)
        if options["ca_only"]:
            self.stdout.write(f"CA: {directory / 'ca.pem'}")
            return
        offices = Office.objects.all()
        if options["office"]:
            offices = offices.filter(office_number__in=options["office"])
        for office in offices:
            if options["missing"]:
                with office_scope(office):
                    if active_certificate(office) is not None:
                        continue
            key, cert = pki.issue_office_certificate(ca, office_number=office.office_number, name=office.name)
            out = directory / f"{office.office_number}.p12"
            out.write_bytes(pki.pkcs12_bytes(key, cert, options["password"], ca=ca.certificate))
            if options["install"]:
                with office_scope(office):
                    certificate_install(office=office, key=key, cert=cert)
            self.stdout.write(f"{office.office_number} {office.name}: {out}")
        self.stdout.write(f"CA: {directory / 'ca.pem'}")
