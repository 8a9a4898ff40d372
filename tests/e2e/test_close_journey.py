"""The monthly close from an empty database, only through the pages (issue 17).

The first-month journey's steps (tests/e2e/journey.py) bring 実績 through the real hub: two offices
sign up as strangers would and are verified, become partners, the care manager registers a 利用者
(with herself as 担当介護支援専門員), delivers the plan and sends next month's 第6表; the provider
cancels one visit, adds another and sends 実績 back. Then the care manager registers her
介護支援専門員番号, opens 月次の締め, sees the 実績 arrived and the two differences, resolves them
(acknowledges them: the 実績 stand), confirms, makes and downloads the 給付管理票 file and its PDF (the real worker renders it),
ticks 初回加算 on the 居宅介護支援費 page, makes and downloads the claim file and the 請求書・明細書
PDF. Every download is read back: the files with Renkei's 国保連 reader, the PDFs with pypdf.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from linkage import kokuho
from tests.e2e.journey import (  # noqa: F401  (hub, hub_ca, services_running are fixtures)
    CM_NUMBER,
    PROVIDER_NUMBER,
    Shots,
    click,
    hub,
    hub_ca,
    month_of_actuals_received,
    reload_until,
    services_running,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

HOME_CARE_2 = 387  # 111211 訪問介護 身体介護２ (令和6年4月〜)


def _download(page, scope, link_name) -> tuple[str, bytes]:
    """Click the link ``link_name`` inside ``scope`` (a locator on ``page``); the downloaded name and bytes."""
    with page.expect_download() as info:
        scope.get_by_role("link", name=link_name).first.click()
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def _make_pdf(page, row, button_name, shot=None, name=""):
    """Press 「…のPDFを作成」 in ``row``: the real worker renders it while the cell says 「PDFを作成中…」
    (polled by htmx, no reload); wait until the download link is there."""
    row.get_by_role("button", name=button_name).click()
    page.wait_for_load_state()
    cell = row.locator("[data-testid=file-pdf]")
    status, text = cell.evaluate("e => [e.dataset.status, e.innerText]")  # one look: htmx swaps the cell
    assert status in ("queued", "running", "done"), (status, text)
    if status != "done":
        assert "PDFを作成中…" in text, text
        if shot is not None:
            shot(page, name)
    expect(cell).to_have_attribute("data-status", "done", timeout=120_000)


def _pdf_text(data: bytes) -> list[str]:
    assert data.startswith(b"%PDF")
    return [re.sub(r"\s+", " ", p.extract_text()) for p in PdfReader(io.BytesIO(data)).pages]


def test_close_the_month_from_received_actuals_to_the_files(
    services_running,
    new_page,
    live_server,  # noqa: F811
    screenshot,
):
    shot = Shots(screenshot, prefix="close-journey")
    cm, _provider, m, client_id = month_of_actuals_received(new_page, live_server, shot, care_manager="光")
    ym = f"{m.month:%Y-%m}"

    # the care manager registers her 介護支援専門員番号 (printed on the 給付管理票 and the 明細書)
    cm.goto(f"{live_server.url}/claims/care-managers/")
    cm.get_by_label("光 一郎", exact=False).fill("1312345")  # 7 digits: told, nothing saved
    click(cm, "保存")
    expect(cm.locator("main")).to_contain_text("8桁の数字で入力してください。")
    cm.get_by_label("光 一郎", exact=False).fill("13123456")
    click(cm, "保存")
    expect(cm.locator("main")).to_contain_text("介護支援専門員番号を保存しました")

    # 月次の締め: the 実績 arrive through the hub; the two days that differ are shown
    cm.goto(f"{live_server.url}/claims/?month={ym}")
    row = cm.locator(f"#client-{client_id}")
    reload_until(cm, lambda: "受信" in row.inner_text())
    text = row.inner_text()
    assert "未着" not in text and "青木　良子" in text
    assert "予定と実績が違う行が" in text
    for day in (m.cancelled, m.added):
        assert f"{day}日" in text, text
    shot(cm, "close-page")

    # confirming without resolving the differences is refused, and nothing is confirmed
    row.get_by_role("button", name="実績を確定する").click()
    cm.wait_for_load_state()
    expect(cm.locator("main")).to_contain_text("「予実の違いを確認しました」にチェックを入れてください")
    expect(row).to_contain_text("未確定")
    # resolve: the 実績 stand (the visit was cancelled, the other one added) — then confirm
    row.get_by_label("予実の違いを確認しました").check()
    row.get_by_role("button", name="実績を確定する").click()
    cm.wait_for_load_state()
    expect(cm.locator("main")).to_contain_text("青木　良子さんの実績を確定しました（第1版・新規）")
    units = HOME_CARE_2 * m.actual_visits
    expect(row).to_contain_text(f"給付計画合計 {units:,}単位")
    shot(cm, "close-confirmed")

    # the 給付管理票 file: made, downloaded, read back; its PDF
    click(cm, "提出用ファイルを作る")
    expect(cm.locator("main")).to_contain_text("給付管理票のファイル")
    files = cm.locator("[data-testid=files]")
    name, content = _download(cm, files, "ダウンロード")
    assert re.fullmatch(r"d0\d{3}a\.csv", name), name
    parsed = kokuho.read(content)
    assert parsed.control["data_type"] == "821" and parsed.control["office_number"] == CM_NUMBER
    [line, total] = parsed.records
    assert (line["provider"], line["service_kind"], line.int("plan_units")) == (PROVIDER_NUMBER, "11", units)
    assert (total["insured"], total.int("total_units"), total["care_manager_no"]) == ("0001234567", units, "13123456")
    assert total["kind"] == "1" and total["care_level"] == "22"
    _make_pdf(cm, files.locator("tbody tr").first, "給付管理票のPDFを作成", shot, "close-pdf-being-made")
    pdf_name, pdf = _download(cm, files, "給付管理票（PDF）")
    assert "青木" not in pdf_name and "0001234567" not in pdf_name
    [sheet] = _pdf_text(pdf)
    assert "給付管理票" in sheet.replace(" ", "") and f"{units:,}" in sheet and "13123456" in sheet.replace(" ", "")
    cm.reload()
    downloads = cm.locator("[data-testid=files] tbody tr").first.locator("td").nth(4)
    expect(downloads).to_contain_text("光 一郎")  # who downloaded it, and when
    shot(cm, "close-file")

    # the office's own claim: 初回加算 for the new 利用者, the file and the 請求書・明細書 PDF
    cm.goto(f"{live_server.url}/claims/kyotaku/?month={ym}")
    claim_row = cm.locator("[data-testid=kyotaku] tbody tr", has_text="青木")
    claim_row.get_by_label("初回加算").check()
    click(cm, "加算・減算を保存して計算し直す")
    expect(cm.locator("main")).to_contain_text("加算・減算を保存しました")
    # (1,086 + 300) × 11.40 (1級地) = 15,800.4 → 15,800円
    expect(cm.locator("[data-testid=claim-total]")).to_contain_text("15,800円")
    click(cm, "請求のファイルを作る")
    expect(cm.locator("main")).to_contain_text("介護給付費請求書・明細書のファイル")
    shot(cm, "close-kyotaku")
    cm.goto(f"{live_server.url}/claims/?month={ym}")
    claim_files = cm.locator("[data-testid=files] tr", has_text="介護給付費請求書・明細書")
    name, content = _download(cm, claim_files, "ダウンロード")
    claim = kokuho.read(content)
    [bill] = claim.of("7111")
    assert (bill.int("count"), bill.int("units"), bill.int("cost_total"), bill.int("insurance_claim")) == (
        1,
        1386,
        15800,
        15800,
    )
    details = claim.of("8124")
    assert [(r["service_code"], r.int("service_units")) for r in details] == [("432111", 1086), ("434001", 300)]
    _make_pdf(cm, claim_files.first, "請求書・明細書のPDFを作成")
    pdf_name, pdf = _download(cm, claim_files, "請求書・明細書（PDF）")
    assert "青木" not in pdf_name
    bill_page, detail_page = _pdf_text(pdf)
    assert "介護給付費請求書" in bill_page.replace(" ", "")
    assert re.search(r"1 1,386 15,800 15,800 0 0", bill_page), bill_page
    flat = detail_page.replace(" ", "")
    assert "青木" in flat and "0001234567" in flat and "432111" in flat and "434001" in flat
    assert re.search(r"1,386 ?単位 ?11\.40 ?円/単位 ?15,800 ?円", detail_page), detail_page
    shot(cm, "close-files")
