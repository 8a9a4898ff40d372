"""The office's own claim on paper: 介護給付費請求書 (様式第一) and 明細書 (様式第七) per 利用者, read back
with pypdf and tied out against the records of the transmission file they come from."""

from __future__ import annotations

import io
import re

from django.urls import reverse
from pypdf import PdfReader

from linkage import kokuho
from portal.claims import services
from portal.claims.models import TransmissionFile
from portal.offices.tenancy import office_scope
from tests.claims.conftest import OCT
from tests.claims.test_kyotaku_page import PAGE, confirmed_month  # noqa: F401  (fixture)
from tests.forms import submit

CLOSE = reverse("claims:close") + "?month=2026-10"


def _pdf_pages(response) -> list[str]:
    assert response["Content-Type"] == "application/pdf"
    return [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(io.BytesIO(response.content)).pages]


def _link(page: str, label: str) -> str:
    match = re.search(r'<a class="button small" href="([^"]+)">' + re.escape(label) + "</a>", page)
    assert match, label
    return match.group(1)


def test_the_claim_pdf_ties_out_with_the_file(owner_client, office, owner, confirmed_month):  # noqa: F811
    light, heavy = confirmed_month
    submit(owner_client, PAGE, {f"addon-{light.pk}": ["first"], "concentration": True}, form="kyotaku-form")
    submit(owner_client, PAGE, {}, button="請求のファイルを作る")
    with office_scope(office):
        file = TransmissionFile.objects.get(data_type="711")
    parsed = kokuho.read(bytes(file.content))
    close_page = owner_client.get(CLOSE).content.decode()
    response = owner_client.get(_link(close_page, "請求書・明細書（PDF）"))
    assert "0000011111" not in response["Content-Disposition"] and "山田" not in response["Content-Disposition"]
    pages = _pdf_pages(response)
    assert len(pages) == 1 + 2  # the 請求書 and one 明細書 per 利用者

    [bill] = parsed.of("7111")
    first = pages[0]
    assert "介 護 給 付 費 請 求 書" in first or "介護給付費請求書" in first.replace(" ", "")
    assert "令和8年10月分" in first.replace(" ", "")
    # (1086 + 300 − 200) × 11.40 = 13,520.4 → 13,520; (1411 − 200) × 11.40 = 13,805.4 → 13,805
    assert (bill.int("count"), bill.int("units"), bill.int("cost_total")) == (2, 2397, 27325)
    row = re.search(r"居宅介護支援・ ?介護予防支援 ?([\d,]+) ([\d,]+) ([\d,]+) ([\d,]+) ([\d,]+) ([\d,]+)", first)
    assert row, first
    assert [int(v.replace(",", "")) for v in row.groups()] == [
        bill.int("count"), bill.int("units"), bill.int("cost_total"), bill.int("insurance_claim"),
        bill.int("public_claim"), bill.int("copay")]

    details = parsed.of("8124")
    for text, insured in zip(pages[1:], ["0000011111", "0000022222"]):
        mine = [r for r in details if r["insured"] == insured]
        [total] = [r for r in mine if r.is_total]
        flat = text.replace(" ", "")
        assert "居宅介護支援介護給付費明細書" in flat and insured in flat
        for r in mine:
            assert r["service_code"] in flat
            assert f"{r.int('service_units'):,}" in text
        assert re.search(rf"{total.int('total_units'):,} ?単位 ?11\.40 ?円/単位 ?{total.int('claim_yen'):,} ?円", text), text
        assert sum(r.int("service_units") for r in mine) == total.int("total_units")
    assert "山田" in pages[1] and "田中" in pages[2]
    assert "初回加算" in pages[1] and "特定事業所集中減算" in pages[1] and "居宅介護支援Ⅰⅰ２" in pages[2]


def test_the_benefit_file_pdf_carries_each_statement(owner_client, office, owner, confirmed_month):  # noqa: F811
    with office_scope(office):
        file = services.benefit_file_make(office=office, month=OCT, membership=owner)
    close_page = owner_client.get(CLOSE).content.decode()
    pages = _pdf_pages(owner_client.get(_link(close_page, "給付管理票（PDF）")))
    assert len(pages) == 2
    totals = [r["total_units"] for r in kokuho.read(bytes(file.content)).records if r.is_total]
    for text, total in zip(pages, totals):
        assert "給付管理票" in text.replace(" ", "") and f"{int(total):,}" in text
