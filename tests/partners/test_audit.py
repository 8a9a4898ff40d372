"""The audit trail: append-only (model, queryset, PostgreSQL trigger, admin), browsing, filtering, CSV."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse
from django.utils import timezone

from portal.offices.tenancy import office_scope, scopes_disabled
from portal.partners.models import AuditEvent, AuditEventClient, AuditEventImmutable
from portal.partners.services import audit_record
from tests.conftest import login_client
from tests.factories import MembershipFactory, OfficeFactory, UserFactory, give_totp
from tests.partners.conftest import make_client


@pytest.fixture
def event(office, owner):
    with office_scope(office):
        return audit_record(
            office=office,
            actor=owner,
            action="package_sent",
            partner_office_number="1370000011",
            detail={"package_id": 7},
        )


def test_the_model_refuses_update_and_delete(event, office):
    with office_scope(office):
        event.action = "package_received"
        with pytest.raises(AuditEventImmutable):
            event.save()
        with pytest.raises(AuditEventImmutable):
            event.delete()
        with pytest.raises(AuditEventImmutable):
            AuditEvent.objects.filter(pk=event.pk).update(action="package_received")
        with pytest.raises(AuditEventImmutable):
            AuditEvent.objects.filter(pk=event.pk).delete()
        with pytest.raises(AuditEventImmutable):
            AuditEvent.objects.bulk_update([event], ["action"])
        assert AuditEvent.objects.get(pk=event.pk).action == "package_sent"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE partners_auditevent SET action = 'package_received' WHERE id = %s",
        "DELETE FROM partners_auditevent WHERE id = %s",
    ],
)
def test_the_database_refuses_raw_update_and_delete(event, office, sql):
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    with office_scope(office):
        assert AuditEvent.objects.get(pk=event.pk).action == "package_sent"


def test_the_admin_is_read_only(event, client):
    staff = UserFactory(email="op@example.jp")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    give_totp(staff)
    client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
    change = reverse("admin:partners_auditevent_change", args=[event.pk])
    page = client.get(change).content.decode()
    assert "保存" not in page and 'name="actor_name"' not in page  # a view page, no form fields
    assert client.post(change, {"action": "package_received", "actor_name": "改ざん"}).status_code == 403
    assert client.get(reverse("admin:partners_auditevent_delete", args=[event.pk])).status_code == 403
    assert client.post(reverse("admin:partners_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:partners_auditevent_add")).status_code == 403
    changelist = client.post(
        reverse("admin:partners_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert changelist.status_code in (200, 302)
    with scopes_disabled():
        fresh = AuditEvent.objects.get(pk=event.pk)
    assert fresh.action == "package_sent" and fresh.actor_name != "改ざん"


def test_no_view_changes_the_trail(event, office, owner_client):
    """Every URL of the app, GET and POST, as the office admin: the event stays exactly as it was."""
    from django.urls import get_resolver
    from django.urls.exceptions import NoReverseMatch

    from tests.test_isolation import _walk

    with office_scope(office):
        before = list(AuditEvent.objects.filter(pk=event.pk).values())
    for name, pattern in _walk(get_resolver().url_patterns):
        if not name.startswith("partners:"):
            continue
        kwargs = {kw: event.pk for kw in pattern.pattern.converters}
        try:
            url = reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
        owner_client.get(url)
        owner_client.post(url, {"action": "package_received", "detail": "{}"})
    with office_scope(office):
        assert list(AuditEvent.objects.filter(pk=event.pk).values()) == before


def test_detail_takes_ids_and_codes_only(office, owner):
    with office_scope(office):
        with pytest.raises(ValueError):
            audit_record(office=office, actor=owner, action="package_sent", detail={"client": {"name": "山田"}})
        with pytest.raises(ValueError):
            audit_record(office=office, actor=owner, action="shred_everything")


def test_browse_and_filter(office, owner, owner_client):
    client = make_client(office)
    other = make_client(office, family_name="佐々木")
    with office_scope(office):
        audit_record(
            office=office, actor=owner, action="package_sent", client=client, partner_office_number="1370000011"
        )
        audit_record(office=office, actor=owner, action="pdf_exported", client=other)
        audit_record(office=office, actor=None, action="package_received", client=client)
    url = reverse("partners:audit")
    page = owner_client.get(url).content.decode()
    assert page.count('href="/partners/audit/') >= 3 and "システム" in page and "佐藤 花子" in page
    page = owner_client.get(url, {"action": "pdf_exported"}).content.decode()
    assert "佐々木" in page and "送信" not in page.split("<table")[-1]
    page = owner_client.get(url, {"client": client.pk}).content.decode()
    table = page.split("<table")[-1]
    assert "佐々木" not in table and table.count("山田") == 2
    page = owner_client.get(url, {"partner": "1370000011"}).content.decode()
    assert page.split("<table")[-1].count("<tr>") == 2  # header + one row
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert "条件に合う記録はありません" in owner_client.get(url, {"date_from": tomorrow}).content.decode()
    bad = owner_client.get(url, {"date_from": tomorrow, "date_to": timezone.localdate().isoformat()}).content.decode()
    assert "期間の終了日が開始日より前になっています" in bad


def test_csv_export_opens_in_excel_and_is_itself_recorded(office, owner, owner_client):
    client = make_client(office, family_name="髙橋")
    with office_scope(office):
        audit_record(
            office=office,
            actor=owner,
            action="package_sent",
            client=client,
            partner_office_number="1370000011",
            detail={"package_id": 12},
        )
    response = owner_client.get(reverse("partners:audit_export"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="audit-' in response["Content-Disposition"]
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["日時", "操作", "操作した人", "利用者", "連携先の事業所番号", "連携先", "詳細"]
    assert rows[1][1:5] == ["送信", "佐藤 花子", "髙橋\u3000太郎", "1370000011"] and rows[1][6] == "パッケージID: 12"
    with office_scope(office):
        export = AuditEvent.objects.get(action="csv_downloaded")
    assert export.detail == {"export": "audit_trail", "rows": 1} and export.actor_id == owner.user_id


def test_only_admins_browse_the_trail(member_client, event):
    assert member_client.get(reverse("partners:audit")).status_code == 403
    assert member_client.get(reverse("partners:audit_export")).status_code == 403
    assert member_client.get(reverse("partners:audit_detail", args=[event.pk])).status_code == 403


def test_a_third_office_sees_none_of_the_events(event, office):
    third = login_client(MembershipFactory(office=OfficeFactory(name="第三の事業所"), role="admin"))
    assert third.get(reverse("partners:audit_detail", args=[event.pk])).status_code == 404
    assert "条件に合う記録はありません" in third.get(reverse("partners:audit")).content.decode()
    rows = b"".join(third.get(reverse("partners:audit_export")).streaming_content).decode("utf-8-sig").splitlines()
    assert len(rows) == 1  # the header only


def test_audit_page_query_count_is_flat(office, owner, owner_client, django_assert_max_num_queries):
    clients = [make_client(office, given_name=f"{i}") for i in range(3)]
    with office_scope(office):
        for c in clients:
            audit_record(
                office=office, actor=owner, action="package_sent", client=c, partner_office_number="1370000011"
            )
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        owner_client.get(reverse("partners:audit"))
    more = [make_client(office, given_name=f"x{i}") for i in range(20)]
    with office_scope(office):
        for c in more:
            audit_record(office=office, actor=owner, action="package_imported", client=c)
    with CaptureQueriesContext(connection) as many:
        owner_client.get(reverse("partners:audit"))
    assert len(many.captured_queries) == len(few.captured_queries)


# --------------------------------------------------------------------------- following one 利用者


def test_a_batch_entry_records_each_client_and_is_found_per_client(office, owner, owner_client):
    a, b, c = (make_client(office, family_name=name) for name in ("青木", "石井", "上田"))
    alone = make_client(office, family_name="遠藤")
    with office_scope(office):
        batch = audit_record(
            office=office,
            actor=owner,
            action="package_sent",
            clients=[a, b, c],
            partner_office_number="1370000011",
            detail={"unit_kind": "schedule", "client_count": 3},
        )
        audit_record(office=office, actor=owner, action="pdf_exported", client=alone)
        assert sorted(AuditEventClient.objects.filter(event=batch).values_list("client_id", flat=True)) == sorted(
            [a.pk, b.pk, c.pk]
        )
        assert batch.client_id is None and "石井" not in str(batch.detail)  # a relation, never names in the trail
    url = reverse("partners:audit")
    table = owner_client.get(url, {"client": b.pk}).content.decode().split("<table")[-1]
    assert table.count("<tr>") == 2  # header + the batch entry
    assert "青木　太郎、石井　太郎、上田　太郎" in table and "遠藤" not in table
    detail = owner_client.get(reverse("partners:audit_detail", args=[batch.pk])).content.decode()
    assert "利用者（3人）" in detail and "石井　太郎" in detail


def test_the_client_page_leads_the_admin_to_its_audit_trail(office, owner_client, member_client):
    client = make_client(office)
    page = owner_client.get(reverse("clients:detail", kwargs={"client_id": client.pk})).content.decode()
    assert f'href="{reverse("partners:audit")}?client={client.pk}"' in page
    assert (
        'data-testid="client-audit"'
        not in member_client.get(reverse("clients:detail", kwargs={"client_id": client.pk})).content.decode()
    )


def test_details_show_japanese_labels_and_exports_hold_no_internal_reprs(office, owner, owner_client):
    client = make_client(office, family_name="岡田")
    with office_scope(office):
        old_style = audit_record(
            office=office,
            actor=None,
            action="package_imported",
            partner_office_number="1370000011",
            detail={"received_id": 4, "unit_kind": "actual", "client_ids": [client.pk]},
        )
        consent = audit_record(
            office=office,
            actor=owner,
            action="consent_recorded",
            client=client,
            detail={"consent_id": 9, "scopes": ["plan", "schedule"], "obtained_on": "2026-04-01", "demo": True},
        )
    detail = owner_client.get(reverse("partners:audit_detail", args=[old_style.pk])).content.decode()
    assert "送信単位の種類" in detail and "サービス提供実績" in detail and "岡田　太郎" in detail
    for internal in ("unit_kind", "client_ids", "received_id"):
        assert internal not in detail
    detail = owner_client.get(reverse("partners:audit_detail", args=[consent.pk])).content.decode()
    assert "同意の範囲" in detail and "令和8年4月1日" in detail and "デモデータ" in detail
    raw = b"".join(owner_client.get(reverse("partners:audit_export")).streaming_content).decode("utf-8-sig")
    for internal in ("scopes=", "demo=True", "[", "unit_kind", "client_ids", "=True"):
        assert internal not in raw
    assert "デモデータ: はい" in raw and "同意日: 令和8年4月1日" in raw and "送信単位の種類: サービス提供実績" in raw
