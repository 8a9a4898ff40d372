"""Fixtures for 介護予防支援 tests: a 要支援2 client of a 居宅介護支援事業所."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from portal.clients.models import Certification, Client
from portal.offices.tenancy import office_scope

CERT_FROM = dt.date(2026, 4, 1)
CERT_TO = dt.date(2027, 3, 31)

_numbers = iter(range(500000, 10**6))


def make_support_client(office, *, care_level="13", care_manager=None) -> Client:
    """A 要支援2 client (by default) certified 2026-04-01〜2027-03-31."""
    with office_scope(office):
        client = Client.objects.create(
            office=office,
            family_name="予防",
            given_name="春子",
            family_name_kana="ヨボウ",
            given_name_kana="ハルコ",
            sex="2",
            birth_date=dt.date(1942, 5, 6),
            address="東京都新宿区西新宿2-2-2",
            phone="03-2222-3333",
            insurer_number="131045",
            insured_number=f"{next(_numbers):010d}",
            care_manager=care_manager,
            copay_ratio=1,
        )
        Certification.objects.create(
            client=client,
            status="2",
            care_level=care_level,
            valid_from=CERT_FROM,
            valid_to=CERT_TO,
            certified_on=dt.date(2026, 3, 20),
        )
        return Client.objects.prefetch_related("certifications").get(pk=client.pk)


@pytest.fixture
def support_client(office, member):
    return make_support_client(office, care_manager=member)


def jpeg_bytes(*, exif: bool = False, size=(40, 30)) -> bytes:
    from PIL import Image

    img = Image.new("RGB", size, (200, 120, 40))
    out = io.BytesIO()
    if exif:
        info = Image.Exif()
        info[0x010F] = "SecretCamera"  # Make
        info[0x8825] = {1: "N", 2: (35.0, 41.0, 22.0)}  # GPSInfo
        img.save(out, format="JPEG", exif=info, comment=b"family of Yobo Haruko")
    else:
        img.save(out, format="JPEG")
    return out.getvalue()


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="PNG")
    return out.getvalue()
