"""Browser journey: the operator issues an invoice, the office downloads the PDF, the operator
records the payment, and the office sees its licence become 有効."""

import io

import pytest
from pypdf import PdfReader

from portal.offices.models import Role
from tests.e2e.conftest import login
from tests.factories import PASSWORD, MembershipFactory, OfficeFactory, UserFactory, give_totp

ISSUER = "株式会社れんけい運営"
T_NUMBER = "T5010001234567"


@pytest.fixture
def billing_setup(settings, transactional_db):
    settings.RENKEI_INVOICE_ISSUER_NAME = ISSUER
    settings.RENKEI_INVOICE_REGISTRATION_NUMBER = T_NUMBER
    settings.RENKEI_INVOICE_ISSUER_ADDRESS = "東京都千代田区丸の内1-1-1"
    settings.RENKEI_INVOICE_PAYMENT_INSTRUCTIONS = "銀行振込（みずほ銀行 丸の内支店 普通 1234567）"
    settings.RENKEI_LICENCE_PRICE = 21000
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from config.celery import app

    app.conf.task_always_eager = True  # the invoice email is sent in the request (no worker here)
    office = OfficeFactory(name="さくら居宅介護支援事業所", kinds=["43"])
    admin = MembershipFactory(
        office=office, role=Role.ADMIN, display_name="佐藤 花子", user=UserFactory(email="sakura-admin@example.jp")
    )
    operator = UserFactory(email="operator@example.jp")
    operator.is_staff = True
    operator.save(update_fields=["is_staff"])
    give_totp(operator)  # MFA is mandatory for operators
    yield office, admin, operator
    app.conf.task_always_eager = False


@pytest.mark.e2e
def test_invoice_pdf_payment_and_licence_becomes_active(billing_setup, live_server, new_page, screenshot, mailoutbox):
    office, admin, operator = billing_setup
    op = new_page()
    login(op, live_server, operator.email, PASSWORD)

    # the operator finds the office on the dashboard and registers its application with an invoice
    op.goto(f"{live_server.url}/billing/operator/")
    op.locator("[data-testid=office-row]", has_text="さくら居宅介護支援事業所").get_by_role(
        "link", name="詳細・操作"
    ).click()
    op.get_by_role("link", name="新規申込を登録する").click()
    assert op.locator("#id_issue_invoice").is_checked()
    op.get_by_role("button", name="登録する").click()
    op.wait_for_load_state()
    message = op.locator(".msg-success").inner_text()
    assert "請求書 RK-" in message and "を発行し" in message
    number = message.split("請求書 ")[1].split(" ")[0]
    assert op.get_by_test_id("operator-licence-state").inner_text() == "申込中"
    screenshot(op, "billing-operator-office")

    # the office admin got the invoice by email and downloads the PDF from the billing page
    assert [m.to for m in mailoutbox] == [["sakura-admin@example.jp"]]
    office_page = new_page()
    login(office_page, live_server, admin.user.email, PASSWORD)
    office_page.get_by_role("navigation", name="メニュー").get_by_role("link", name="ライセンス・請求書").click()
    assert office_page.get_by_test_id("licence-state").inner_text() == "申込中"
    row = office_page.get_by_test_id("invoice-row").filter(has_text=number)
    assert "未入金" in row.inner_text()
    with office_page.expect_download() as info:
        row.get_by_role("link", name="PDF").click()
    download = info.value
    assert download.suggested_filename == f"請求書_{number}.pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(open(download.path(), "rb").read())).pages)
    for expected in (ISSUER, T_NUMBER, "¥21,000", "消費税", "¥1,909", number, "さくら居宅介護支援事業所 御中"):
        assert expected in text, expected

    # the operator records the payment (the outstanding amount is proposed)
    op.get_by_test_id("operator-invoice-row").filter(has_text=number).get_by_role("link", name="入金を記録").click()
    assert op.locator("#id_amount").input_value() == "21000"
    op.select_option("#id_method", "kokuhoren")
    op.get_by_role("button", name="入金を記録する").click()
    op.wait_for_load_state()
    assert "全額入金済みになりました" in op.locator(".msg-success").inner_text()
    assert op.get_by_test_id("operator-licence-state").inner_text() == "有効"

    # the office sees 有効 and the invoice as paid
    office_page.reload()
    assert office_page.get_by_test_id("licence-state").inner_text() == "有効"
    assert "入金済み" in office_page.get_by_test_id("invoice-row").filter(has_text=number).inner_text()
    screenshot(office_page, "billing-office-active")
