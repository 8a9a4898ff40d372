"""The operator dashboard and actions (staff only; scopes disabled only there)."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from portal.billing import services
from portal.billing.models import Invoice, InvoiceKind, Licence, Payment
from portal.core.wareki import wareki_date
from portal.offices.tenancy import office_scope, scopes_disabled
from tests.billing.conftest import paid_licence
from tests.factories import PASSWORD, OfficeFactory, totp_code
from tests.forms import submit

D = dt.date
TODAY = dt.date.today()

OPERATOR_URLS = [
    ("billing:operator_dashboard", {}),
    ("billing:operator_invoices", {}),
    ("billing:operator_export_offices", {}),
    ("billing:operator_export_invoices", {}),
    ("billing:operator_export_revenue", {}),
    ("billing:operator_office", {"office_id": "office"}),
    ("billing:operator_licence_apply", {"office_id": "office"}),
    ("billing:operator_licence_renew", {"office_id": "office"}),
    ("billing:operator_office_suspend", {"office_id": "office"}),
    ("billing:operator_office_resume", {"office_id": "office"}),
    ("billing:operator_office_contract_end", {"office_id": "office"}),
    ("billing:operator_office_delete", {"office_id": "office"}),
    ("billing:operator_invoice_issue", {"licence_id": "licence"}),
    ("billing:operator_payment_record", {"invoice_id": "invoice"}),
    ("billing:operator_invoice_cancel", {"invoice_id": "invoice"}),
    ("billing:operator_invoice_pdf", {"invoice_id": "invoice"}),
]


def operator_url(name, kwargs, office, licence, invoice):
    objects = {"office": office.pk, "licence": licence.pk, "invoice": invoice.pk}
    return reverse(name, kwargs={k: objects[v] for k, v in kwargs.items()})


@pytest.mark.parametrize("name,kwargs", OPERATOR_URLS, ids=[n for n, _ in OPERATOR_URLS])
def test_non_staff_get_404_and_anonymous_must_log_in(name, kwargs, office, owner_client, client, operator_client):
    licence, invoice = paid_licence(office, D(2025, 4, 1), paid=False)
    url = operator_url(name, kwargs, office, licence, invoice)
    assert owner_client.get(url).status_code == 404
    assert owner_client.post(url, {}).status_code == 404
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    if name not in (
        "billing:operator_licence_renew",
        "billing:operator_invoice_issue",
        "billing:operator_office_suspend",
        "billing:operator_office_resume",
        "billing:operator_office_contract_end",
        "billing:operator_office_delete",
    ):  # POST-only
        assert operator_client.get(url).status_code == 200


def _lapsed_and_unpaid_offices():
    active = OfficeFactory(name="有効の事業所")
    paid_licence(active, TODAY - dt.timedelta(days=10))
    lapsed = OfficeFactory(name="失効の事業所")
    paid_licence(lapsed, services.add_years(TODAY - dt.timedelta(days=99), -1))
    unpaid = OfficeFactory(name="未入金の事業所")
    _, invoice = paid_licence(
        unpaid, TODAY - dt.timedelta(days=40), paid=False, issued_on=TODAY - dt.timedelta(days=40)
    )
    return active, lapsed, unpaid, invoice


def test_dashboard_shows_states_revenue_unpaid_and_ending(operator_client):
    active, lapsed, unpaid, invoice = _lapsed_and_unpaid_offices()
    ending = OfficeFactory(name="今月終了の事業所")
    month_end = (TODAY.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    paid_licence(ending, services.add_years(month_end + dt.timedelta(days=1), -1))
    page = operator_client.get(reverse("billing:operator_dashboard")).content.decode()
    assert 'data-testid="state-lapsed">失効<span class="count">1</span>' in page
    assert invoice.number in page and "未入金・期限超過" in page
    assert "今月終了の事業所" in page.split('data-testid="ending-table"')[1].split("</table>")[0]
    filtered = operator_client.get(reverse("billing:operator_dashboard"), {"state": "lapsed"}).content.decode()
    offices_table = filtered.split('data-testid="office-table"')[1]
    assert "失効の事業所" in offices_table and "有効の事業所" not in offices_table


def test_dashboard_query_count_does_not_grow_with_offices(operator_client, django_assert_max_num_queries):
    for n in range(6):
        paid_licence(OfficeFactory(), TODAY - dt.timedelta(days=n * 30), paid=bool(n % 2))
    with django_assert_max_num_queries(20):
        assert operator_client.get(reverse("billing:operator_dashboard")).status_code == 200


def test_overdue_list_and_csv_exports(operator_client):
    active, lapsed, unpaid, invoice = _lapsed_and_unpaid_offices()
    overdue = operator_client.get(reverse("billing:operator_invoices"), {"status": "overdue"}).content.decode()
    assert invoice.number in overdue and "未入金の合計: <strong>21,000円</strong>" in overdue

    response = operator_client.get(reverse("billing:operator_export_invoices"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    row = next(r for r in rows if r["請求書番号"] == invoice.number)
    assert (row["税込金額"], row["税抜金額"], row["消費税額"], row["未入金"]) == ("21000", "19091", "1909", "21000")

    offices = list(
        csv.DictReader(
            io.StringIO(
                operator_client.get(reverse("billing:operator_export_offices")).content.decode().lstrip("\ufeff")
            )
        )
    )
    states = {r["事業所名"]: r["ライセンス状態"] for r in offices}
    assert (
        states["失効の事業所"] == "失効" and states["有効の事業所"] == "有効" and states["未入金の事業所"] == "申込中"
    )

    revenue = operator_client.get(reverse("billing:operator_export_revenue")).content.decode().lstrip("\ufeff")
    assert revenue.splitlines()[0] == "月,請求額（税込）,税抜,消費税,入金額"


def test_operator_applies_issues_records_payment_and_the_licence_becomes_active(
    office, owner, operator_client, mailoutbox
):
    response = submit(
        operator_client,
        reverse("billing:operator_licence_apply", kwargs={"office_id": office.pk}),
        {"start": wareki_date(TODAY), "issue_invoice": True, "note": "電話で申込"},
        button="登録する",
    )
    assert response.status_code == 302
    with office_scope(office):
        invoice = Invoice.objects.get()
        assert services.licence_state(office) == "applied"
    page = operator_client.get(reverse("billing:operator_payment_record", kwargs={"invoice_id": invoice.pk}))
    assert 'data-testid="outstanding"><strong>21,000円' in page.content.decode()
    payment_url = reverse("billing:operator_payment_record", kwargs={"invoice_id": invoice.pk})
    too_much = submit(
        operator_client,
        payment_url,
        {"received_on": TODAY.isoformat(), "amount": "30000", "method": "bank_transfer"},
        button="入金を記録する",
    )
    assert too_much.status_code == 200
    assert "入金額 30,000円 が未入金額 21,000円 を超えています" in too_much.content.decode()
    assert 'value="30000"' in too_much.content.decode()  # kept for correction
    ok = submit(
        operator_client,
        payment_url,
        {"amount": "21000", "method": "kokuhoren"},
        button="入金を記録する",
        response=too_much,
    )  # corrected on the page that explained the error
    assert ok.status_code == 302
    with office_scope(office):
        assert services.licence_state(office) == "active"
        assert Payment.objects.get().recorded_by == "operator@example.jp"


def test_operator_free_period_and_renewal(office, operator_client):
    url = reverse("billing:operator_licence_apply", kwargs={"office_id": office.pk})
    start = (TODAY - dt.timedelta(days=350)).isoformat()
    asked = submit(operator_client, url, {"start": start, "free": True, "issue_invoice": True}, button="登録する")
    assert (
        asked.status_code == 200
        and "利用開始日" in asked.content.decode()
        and "が今日より前です" in asked.content.decode()
    )
    with office_scope(office):
        assert not Licence.objects.exists()  # a start date in the past is confirmed first
    submit(
        operator_client,
        url,
        {"start": start, "free": True, "issue_invoice": True, "confirm_past_start": True},
        button="登録する",
    )
    with office_scope(office):
        assert services.licence_state(office) == "renewal_due"
        assert not Invoice.objects.exists()
    submit(
        operator_client,
        reverse("billing:operator_office", kwargs={"office_id": office.pk}),
        {"issue_invoice": True},
        button="次の1年に更新する",
    )
    with office_scope(office):
        renewal = Licence.objects.order_by("period_start").last()
        assert renewal.kind == "renewal" and renewal.price == 21000 and not renewal.is_free
        assert renewal.invoices.get().amount == 21000


def test_operator_sees_why_a_renewal_is_refused(office, operator_client):
    paid_licence(office, services.add_years(TODAY - dt.timedelta(days=99), -1))  # lapsed
    # the page offers no renewal of a lapsed licence; a stale or hand-made request is refused with the reason
    response = operator_client.post(
        reverse("billing:operator_licence_renew", kwargs={"office_id": office.pk}),
        {"issue_invoice": "on", "form_token": "c"},
        follow=True,
    )
    assert "失効したライセンスは更新できません" in response.content.decode()


def test_operator_cancels_and_reissues(office, operator_client):
    _, invoice = paid_licence(office, D(2025, 4, 1))
    form = operator_client.get(reverse("billing:operator_invoice_cancel", kwargs={"invoice_id": invoice.pk}))
    assert "取消請求書" in form.content.decode()
    cancel_url = reverse("billing:operator_invoice_cancel", kwargs={"invoice_id": invoice.pk})
    empty = submit(operator_client, cancel_url, {"reason": ""}, button="取消請求書を発行する")
    assert "取消の理由を入力してください" in empty.content.decode()
    done = submit(operator_client, cancel_url, {"reason": "宛名の誤り", "reissue": True}, button="取消請求書を発行する")
    assert done.status_code == 302
    with scopes_disabled():
        kinds = list(Invoice.objects.order_by("sequence").values_list("kind", flat=True))
    assert kinds == [InvoiceKind.INVOICE, InvoiceKind.CANCELLATION, InvoiceKind.INVOICE]


def test_dashboard_warns_when_the_issuer_is_not_configured(operator_client, settings):
    settings.RENKEI_INVOICE_REGISTRATION_NUMBER = ""
    page = operator_client.get(reverse("billing:operator_dashboard")).content.decode()
    assert "請求書を発行できません" in page and "RENKEI_INVOICE_REGISTRATION_NUMBER" in page


def test_the_operator_lands_on_the_operator_dashboard_after_login(operator, client):
    response = submit(
        client,
        reverse("account_login"),
        {"login": "operator@example.jp", "password": PASSWORD},
        button="ログイン",
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("mfa_authenticate")  # MFA is mandatory for the operator
    response = submit(client, reverse("mfa_authenticate"), {"code": totp_code()}, response=response, follow=True)
    assert response.redirect_chain[-1][0] == reverse("billing:operator_dashboard")
    assert "運営者ダッシュボード" in response.content.decode() and "事業所の登録" not in response.content.decode()
    # the portal's home page sends the operator (who belongs to no office) there too
    assert client.get(reverse("dashboard"))["Location"] == reverse("billing:operator_dashboard")
