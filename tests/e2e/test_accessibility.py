"""axe-core over every page of the URLconf that a member of a 居宅介護支援事業所 can open, and every page
the operator opens (signed in with MFA), at 1366 px and 390 px (issue 21 item 3); and no horizontal page
scrolling at 390 px on the pages a care manager opens on a visit (item 5).

axe-core comes from the npm registry (bin/setup installs it into var/npm, not committed). It is injected
with ``context.add_init_script``: Playwright hands the source to Chromium through the DevTools protocol, so
it runs without a <script> element and the pages' strict Content-Security-Policy (no inline script, no
eval) stays in force — the test sees the pages exactly as they are served.

The page list is the URLconf walked as in tests/test_isolation.py, with the objects made by the makers in
tests/isolation_objects.py; a page is kept when the signed-in admin gets a full HTML page from a GET. The
operator's walk makes an office with a licence, an unpaid invoice, a pending 本人確認 and a contested
事業所番号, and keeps every page the operator gets as a full HTML page. Django's own admin
(/operator/admin/, the "admin" namespace the walk skips) is Django's markup, not Renkei's, and is not
checked.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.urls import get_resolver, reverse

from portal.masters import loader as masters
from portal.offices.tenancy import office_scope
from tests.conftest import login_client
from tests.e2e.conftest import login
from tests.factories import PASSWORD, OfficeFactory, UserFactory, give_totp
from tests.isolation_objects import EXEMPT, MAKERS
from tests.test_isolation import _walk

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "var" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Rule violations accepted on a page, with the reason. Keep this empty unless a reason is written here.
EXCEPTIONS: dict[tuple[str, str], str] = {}

# Pages a care manager may open on a visit (item 5): at 390 px the page itself must not scroll sideways
# (wide tables scroll in their own box). Their screenshots go to var/screenshots/phone-*.png.
PHONE_PAGES = (
    "clients:detail",
    "clients:edit",
    "clients:create",
    "careplans:",
    "documents:list",
    "billing:economics",
    "casework:",
)

# Pages that are not for a browser visit even though they answer a GET with HTML.
SKIP: dict[str, str] = {}


@pytest.fixture(autouse=True)
def bundled_masters():
    masters.reset_loaded_flag()
    masters.ensure_loaded()
    yield
    masters.reset_loaded_flag()


def member_pages(office, owner):
    """(name, url) of every full HTML page the office's admin can open with a GET."""
    browser_like = login_client(owner)
    pages, made = [], {}
    for name, pattern in sorted(_walk(get_resolver().url_patterns), key=lambda item: item[0]):
        kwargs = list(pattern.pattern.converters)
        if name in EXEMPT or name in SKIP or any(kw not in MAKERS for kw in kwargs):
            continue
        with office_scope(office):
            for kw in kwargs:  # one object per kind: the makers are not meant to run twice in one database
                if kw not in made:
                    made[kw] = MAKERS[kw](office, owner)
            values = {kw: made[kw] for kw in kwargs}
        url = reverse(name, kwargs=values)
        response = browser_like.get(url)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        if b"<html" not in response.content[:200]:
            continue  # an htmx fragment, checked inside the page that loads it
        pages.append((name, url))
    return pages


def _axe(page):
    return page.evaluate(
        """async (tags) => {
        const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
        return result.violations.map(v => ({id: v.id, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + " — " + n.failureSummary.split("\\n").slice(1, 2).join(""))}));
    }""",
        TAGS,
    )


@pytest.mark.parametrize("width", [1366, 390])
def test_axe_finds_nothing_on_member_pages(browser, live_server, office, owner, width, screenshot):
    assert AXE.exists(), "run bin/setup: it installs axe-core into var/npm"
    pages = member_pages(office, owner)
    assert len(pages) > 30, pages  # the walk found the office's pages

    context = browser.new_context(locale="ja-JP", viewport={"width": width, "height": 900})
    context.set_default_timeout(15000)
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    login(page, live_server, owner.user.email, PASSWORD)

    found, wide = {}, []
    for name, url in pages:
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
        for violation in _axe(page):
            if (name, violation["id"]) not in EXCEPTIONS:
                found.setdefault(name, []).append(violation)
        if width == 390 and name.startswith(PHONE_PAGES):
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if overflow > 0:
                wide.append((name, overflow))
            screenshot(page, f"phone-{name.replace(':', '-')}")
    context.close()
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)
    assert not wide, f"pages scroll sideways at 390 px: {wide}"


OPERATOR_KWARGS = ("office_id", "licence_id", "invoice_id", "claim_id")


@pytest.fixture
def operator_world(settings):
    """The operator, and an office with something on every operator page."""
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile

    from portal.billing import services as billing
    from portal.offices import services as offices
    from portal.offices.models import VerificationStatus

    settings.RENKEI_INVOICE_ISSUER_NAME = "株式会社れんけい運営"
    settings.RENKEI_INVOICE_REGISTRATION_NUMBER = "T5010001234567"
    operator = UserFactory(email="operator@example.jp", is_staff=True)
    give_totp(operator)  # MFA is mandatory for operators
    office = OfficeFactory(
        office_number="1310099999", name="みなと居宅介護支援事業所", verification_status=VerificationStatus.UNVERIFIED
    )
    applicant = UserFactory(email="minato-admin@example.jp")
    pdf = b"%PDF-1.4\n% scanned notice\n%%EOF\n"
    offices.office_verification_request(
        office=office,
        user=applicant,
        method="document",
        document=SimpleUploadedFile("notice.pdf", pdf, "application/pdf"),
    )
    claimant = UserFactory(email="claimant@example.jp")
    claim = offices.office_number_claim_create(
        user=claimant,
        office_number=office.office_number,
        claimant_office_name="本物の居宅介護支援事業所",
        claimant_name="本物 花子",
        phone="03-1111-2222",
        document=SimpleUploadedFile("notice.pdf", pdf, "application/pdf"),
    )
    with office_scope(office):
        licence = billing.licence_apply(office=office, start=dt.date.today() - dt.timedelta(days=40))
        invoice = billing.invoice_issue(
            licence=licence, issued_on=dt.date.today() - dt.timedelta(days=40), send_email=False
        )
    suspended = OfficeFactory(office_number="1370099998", name="やすみ訪問介護", kinds=["11"])
    offices.office_suspend(office=suspended, reason="利用料の未払いが続いているため")
    objects = {
        "office_id": office.pk,
        "licence_id": licence.pk,
        "invoice_id": invoice.pk,
        "claim_id": claim.pk,
        "suspended_office_id": suspended.pk,
    }
    return operator, objects


def operator_pages(operator, objects):
    """(name, url) of every full HTML page the operator gets from a GET."""
    from django.test import Client

    browser_like = Client()
    browser_like.force_login(operator, backend="django.contrib.auth.backends.ModelBackend")
    pages = []
    for name, pattern in sorted(_walk(get_resolver().url_patterns), key=lambda item: item[0]):
        kwargs = list(pattern.pattern.converters)
        if name in SKIP or any(kw not in OPERATOR_KWARGS for kw in kwargs):
            continue
        url = reverse(name, kwargs={kw: objects[kw] for kw in kwargs})
        response = browser_like.get(url)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        if b"<html" not in response.content[:200]:
            continue
        pages.append((name, url))
    # the same office page for a suspended office (利用停止中: the resume form instead of the suspend form)
    pages.append(
        (
            "billing:operator_office (suspended)",
            reverse("billing:operator_office", kwargs={"office_id": objects["suspended_office_id"]}),
        )
    )
    return pages


@pytest.mark.parametrize("width", [1366, 390])
def test_axe_finds_nothing_on_operator_pages(browser, live_server, operator_world, width, screenshot):
    assert AXE.exists(), "run bin/setup: it installs axe-core into var/npm"
    operator, objects = operator_world
    pages = operator_pages(operator, objects)
    names = {name for name, _ in pages}
    assert {
        "billing:operator_dashboard",
        "billing:operator_invoices",
        "billing:operator_office",
        "billing:operator_licence_apply",
        "billing:operator_payment_record",
        "offices:operator_verifications",
        "offices:operator_verification",
        "offices:operator_claim",
    } <= names, names

    context = browser.new_context(locale="ja-JP", viewport={"width": width, "height": 900})
    context.set_default_timeout(15000)
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    login(page, live_server, operator.email, PASSWORD)
    found = {}
    for name, url in pages:
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
        for violation in _axe(page):
            if (name, violation["id"]) not in EXCEPTIONS:
                found.setdefault(name, []).append(violation)
        if "operator" in name:
            screenshot(
                page, f"operator-{width}-{name.replace(':', '-').replace(' ', '').replace('(', '-').replace(')', '')}"
            )
    context.close()
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)


def test_failed_submit_focuses_the_error_summary_and_its_links_focus_fields(
    page, live_server, office, owner, screenshot
):
    login(page, live_server, owner.user.email, PASSWORD)
    page.goto(f"{live_server.url}{reverse('offices:staff_invite')}")
    page.fill("input[name=email]", "not-an-address")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    focused = page.evaluate("document.activeElement.getAttribute('data-testid')")
    assert focused == "error-summary"
    summary = page.locator("[data-testid=error-summary]")
    assert "メールアドレス" in summary.inner_text()
    page.keyboard.press("Tab")  # the first link of the summary
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.name") == "email"
    described = page.get_attribute("input[name=email]", "aria-describedby")
    assert page.locator(f"#{described}").inner_text().strip()
    screenshot(page, "error-summary-1366")
