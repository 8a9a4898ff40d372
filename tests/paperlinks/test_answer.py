"""実績 answered in the browser through a link (issue 19 item 3): the answer is a UPJSK, imported
through the same importer as files received from the national system."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from linkage.exchange.importer import package_import, upload_store
from linkage.exchange.models import InboxStatus, ReceivedPackage
from linkage.standard import build_send_unit
from portal.masters.selectors import service_code_units
from portal.offices.tenancy import office_scope
from portal.paperlinks.models import PaperLink, PaperLinkAnswer
from portal.partners.models import AuditEvent
from portal.schedules.models import ServiceScheduleLine
from tests.documents.conftest import HOME_HELP, MONTH, make_client, make_schedule
from tests.factories import make_consent, make_external_partnership
from tests.forms import read_form, submit
from tests.paperlinks.conftest import new_link, path_of

pytestmark = pytest.mark.django_db


def _opened(office, owner, world):
    new = new_link(office, owner, world["partner"])
    browser = Client()
    submit(browser, path_of(new.url), {"code": new.code}, button="提供票を開く")
    return browser, path_of(new.url) + f"answer/{world['schedule'].pk}/"


def _partner_lines(office, schedule):
    with office_scope(office):
        return {
            (ln.service_code, ln.start_time): ln
            for ln in ServiceScheduleLine.objects.filter(
                schedule__client=schedule.client, schedule__month=MONTH, provider_office_number=HOME_HELP[0]
            )
        }


def _answer_values(office, schedule):
    """One cancelled visit (the first planned 身体介護 day), one visit at another time (the second
    身体介護 day, 10:00–11:00 instead of 9:00–10:00), and one unplanned 生活援助 visit.

    Returns the form values and the expected 実績 per (service code, start): (end, 31 counts)."""
    lines = _partner_lines(office, schedule)
    body, help_ = lines[("111211", "0900")], lines[("117211", "1400")]
    planned_body = [d for d, c in enumerate(body.planned_days, start=1) if c]
    cancelled, retimed = planned_body[0], planned_body[1]
    added = next(d for d in range(1, 31) if not help_.planned_days[d - 1])
    values = {
        f"d-{body.pk}-{cancelled}": "0",
        f"t-{body.pk}-{retimed}-start": "10:00",
        f"t-{body.pk}-{retimed}-end": "11:00",
        "extra-1-line": str(help_.pk),
        "extra-1-day": str(added),
        "extra-1-count": "1",
    }
    expected = {key: (ln.end_time, list(ln.planned_days)) for key, ln in lines.items()}
    expected[("111211", "0900")][1][cancelled - 1] = 0
    expected[("111211", "0900")][1][retimed - 1] = 0
    expected[("111211", "1000")] = ("1100", [1 if d == retimed else 0 for d in range(1, 32)])
    expected[("117211", "1400")][1][added - 1] = 1
    return values, expected


def _state(office, schedule):
    return {
        key: (ln.end_time, list(ln.planned_days), list(ln.actual_days))
        for key, ln in _partner_lines(office, schedule).items()
    }


def test_answer_with_a_cancelled_a_retimed_and_an_added_visit_becomes_the_care_offices_actuals(office, owner, world):
    browser, url = _opened(office, owner, world)
    values, expected = _answer_values(office, world["schedule"])
    response = submit(browser, url, values, button="実績を送信")
    assert response.status_code == 302
    sheet = browser.get(response["Location"]).content.decode()
    assert "実績を送信しました" in sheet and "✓ 実績を回答済み" in sheet and "回答を直す" in sheet
    state = _state(office, world["schedule"])
    assert {key: (s[0], s[2]) for key, s in state.items()} == expected
    assert state[("111211", "1000")][1] == [0] * 31  # the visit at another time is 実績 only, beside the plan
    with office_scope(office):
        received = ReceivedPackage.objects.get()
        event = AuditEvent.objects.get(action="paper_link_answered")
    assert (received.status, received.unit_kind, received.sender_office_number) == (
        InboxStatus.IMPORTED,
        "actual",
        HOME_HELP[0],
    )
    assert event.client_id == world["consented"].pk and event.actor_name.startswith("連携先")
    with office_scope(office):
        assert PaperLink.objects.get().status_label == "実績回答済"


def test_the_answer_gives_identical_records_to_an_upjsk_import_of_the_same_answer(
    office, owner, world, outsider_office, outsider
):
    # the same 利用者 and month at a twin care office, receiving the answer as a partner's UPJSK file
    with office_scope(outsider_office):
        twin_partner = make_external_partnership(outsider_office, HOME_HELP[0], HOME_HELP[1], ["11"])
        twin_client = make_client(outsider_office, family="山田", given="太郎", insured="0000012345")
        twin_schedule = make_schedule(twin_client)
        make_consent(outsider_office, twin_client, twin_partner)
    browser, url = _opened(office, owner, world)
    values, expected = _answer_values(office, world["schedule"])
    assert submit(browser, url, values, button="実績を送信").status_code == 302

    lines = _partner_lines(outsider_office, twin_schedule)
    units = service_code_units({code for code, _ in lines}, MONTH)
    rows = [
        {
            2: "131011",
            3: "0000012345",
            4: dt.date(2026, 11, 29),
            6: outsider_office.office_number,
            8: units.get(code, 0),
            10: MONTH.replace(day=day),
            12: start,
            13: end,
            14: count,
            15: code,
            20: HOME_HELP[0],
            21: HOME_HELP[1],
            23: "0",
            24: HOME_HELP[0],
        }
        for (code, start), (end, days) in sorted(expected.items())
        for day, count in enumerate(days[:30], start=1)
        if count
    ]
    unit = build_send_unit(
        "actual",
        {"UPJSK": rows},
        sender_office=HOME_HELP[0],
        sender_kind="11",
        recipient_office=outsider_office.office_number,
        recipient_kind="43",
        sequence=dt.datetime(2026, 11, 29, 12, 0, 0),
        month=MONTH,
    )
    with office_scope(outsider_office):
        upload = upload_store(office=outsider_office, actor=outsider, files=unit.files)
        assert [package_import(office=outsider_office, received_pk=r.pk) for r in upload.records] == ["imported"]

    assert _state(office, world["schedule"]) == _state(outsider_office, twin_schedule)


def test_a_second_answer_replaces_the_first_only_after_confirmation(office, owner, world):
    browser, url = _opened(office, owner, world)
    values, expected = _answer_values(office, world["schedule"])
    assert submit(browser, url, values, button="実績を送信").status_code == 302
    first = _state(office, world["schedule"])
    body_key = ("111211", "0900")
    body = _partner_lines(office, world["schedule"])[body_key]
    second_day = [d for d, c in enumerate(body.planned_days, start=1) if c][1]
    response = submit(browser, url, {f"d-{body.pk}-{second_day}": "0"}, button="実績を送信")
    assert response.status_code == 422
    assert "回答済みです" in response.content.decode()
    assert _state(office, world["schedule"]) == first  # nothing changed without the confirmation
    response = submit(browser, url, {f"d-{body.pk}-{second_day}": "0", "replace": True}, button="実績を送信")
    assert response.status_code == 302
    after = _state(office, world["schedule"])[body_key][2]
    assert after[second_day - 1] == 0 and after[body.planned_days.index(1)] == 1  # the first answer is replaced
    with office_scope(office):
        assert AuditEvent.objects.filter(action="paper_link_answered").count() == 2


def test_a_day_outside_the_month_is_refused_with_a_message_and_nothing_changes(office, owner, world):
    browser, url = _opened(office, owner, world)
    before = _state(office, world["schedule"])
    body = _partner_lines(office, world["schedule"])[("111211", "0900")]
    page = browser.get(url).content.decode()
    assert "31日" not in page.split("予定外の訪問")[1]  # November has 30 days: the page offers no 31st
    # a forged request: what the page rendered, with a day the page does not offer
    data = read_form(browser, url, button="実績を送信").data(
        {"extra-1-line": str(body.pk), "extra-1-count": "1"}, button="実績を送信"
    )
    data["extra-1-day"] = "31"
    response = browser.post(url, data)
    assert response.status_code == 422
    assert "日は1〜30日の中から選んでください（「31」は対象月にありません）" in response.content.decode()
    assert _state(office, world["schedule"]) == before


def test_a_double_submission_gives_one_answer(office, owner, world):
    browser, url = _opened(office, owner, world)
    values, _ = _answer_values(office, world["schedule"])
    data = read_form(browser, url, button="実績を送信").data(values, button="実績を送信")
    first = browser.post(url, data)
    second = browser.post(url, data)  # the same rendered form sent again (a double tap, a resend)
    assert first.status_code == second.status_code == 302
    assert "二重送信を防ぐため" in browser.get(second["Location"]).content.decode()
    with office_scope(office):
        assert PaperLinkAnswer.objects.count() == 1
        assert AuditEvent.objects.filter(action="paper_link_answered").count() == 1


def test_a_changed_time_needs_both_times_and_says_where(office, owner, world):
    browser, url = _opened(office, owner, world)
    before = _state(office, world["schedule"])
    body = _partner_lines(office, world["schedule"])[("111211", "0900")]
    day = body.planned_days.index(1) + 1
    response = submit(browser, url, {f"t-{body.pk}-{day}-start": "10:00"}, button="実績を送信")
    assert response.status_code == 422
    assert f"{day}日: 時間を変更するときは、開始と終了の時刻を両方入力してください。" in response.content.decode()
    assert 'value="10:00"' in response.content.decode()  # what was typed is kept
    assert _state(office, world["schedule"]) == before


def test_the_answer_carries_the_partners_discount_and_satellite(office, owner, world):
    from linkage.exchange.importer import service_codes_known
    from linkage.standard import read_file, validate_files
    from portal.clients.models import ClientService
    from portal.paperlinks.services import Visit, answer_units

    schedule = world["schedule"]
    new_link(office, owner, world["partner"])
    with office_scope(office):
        ClientService.objects.update_or_create(
            client=schedule.client,
            provider_office_number=HOME_HELP[0],
            service_type_code="11",
            defaults={"provider_name": HOME_HELP[1], "discount_rate": 90, "satellite_branch": "3"},
        )
        type(schedule.client).objects.filter(pk=schedule.client_id).update(care_manager=owner)
        schedule.client.refresh_from_db()
        link = PaperLink.objects.get()
        lines = _partner_lines(office, schedule)
        visits = [
            Visit(line_pk=ln.pk, day=day, count=count)
            for ln in lines.values()
            for day, count in enumerate(ln.planned_days, start=1)
            if count
        ]
        (unit,) = answer_units(link=link, schedule=schedule, visits=visits, sequence=dt.datetime(2026, 11, 29, 12))
    findings = validate_files(unit.files, service_codes=service_codes_known)
    assert findings == [], sorted({(f.field_name, f.message) for f in findings})
    name, data = unit.files[0]
    rows = read_file(name, data).rows
    body = {r[7] for r in rows if r[14] == "111211"}
    assert body == {"348"}  # 387 × 90% = 348.3 → 348
    assert {r[21] for r in rows} == {"3"} and {r[6] for r in rows} == {"佐藤 花子"}
