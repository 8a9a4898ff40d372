"""Every send path goes through linkage.exchange.services.units_send (licence + consent checks)."""

import ast
import datetime as dt
from pathlib import Path

import pytest

from linkage.exchange import services
from linkage.exchange.models import Package, SendBatch
from portal.offices.tenancy import office_scope
from tests.conftest import login_client
from tests.exchange.world import MONTH, client, make_world, schedule

ROOT = Path(__file__).resolve().parents[2]
# Functions that produce standard files or signed packages for sending.
BUILDERS = {"build_package", "build_send_unit", "plan_send_units", "plan_deletion_send_unit", "schedule_send_units"}
# Modules allowed to call them: the gate itself and the builders' own modules.
ALLOWED = {
    "linkage/exchange/services/units.py",
    "linkage/exchange/services/gate.py",
    "linkage/signing/package.py",
    "portal/careplans/standard.py",
    "portal/schedules/standard.py",
    # builds the 予防 records for the gate, as careplans/standard.py does for 第1〜3表
    "portal/prevention/standard.py",
    # the receiving side: a paper partner's 実績 answer becomes a UPJSK unit that goes into the importer
    "portal/paperlinks/services.py",
}
# Download views in other apps that build files without the gate. Their owners are asked to call
# linkage.exchange.services.plan_download / schedule_download (which go through units_send).
KNOWN_BYPASSES: set[str] = set()


def calls_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in BUILDERS:
                found.add(name)
    return found


def test_no_new_code_builds_send_files_outside_the_gate():
    offenders = {}
    for base in ("portal", "linkage"):
        for path in (ROOT / base).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith("linkage/standard/") or "/migrations/" in rel:
                continue
            found = calls_in(path)
            if found and rel not in ALLOWED | KNOWN_BYPASSES:
                offenders[rel] = sorted(found)
    assert not offenders, f"send files only through linkage.exchange.services.units_send: {offenders}"


@pytest.fixture
def world(db, trusted_ca):
    return make_world(trusted_ca, clients=1, providers=(("11", "1211"),))


def _blocked(monkeypatch):
    from portal.billing import services as billing
    from portal.billing.services import SendingBlocked

    class Status:
        message = "ライセンスが失効しているため送信できません（テスト）。"

    def refuse(office, on=None):
        raise SendingBlocked(Status())

    monkeypatch.setattr(billing, "assert_can_send", refuse)


def test_every_send_view_is_blocked_by_the_licence_check(world, monkeypatch):
    from tests.forms import read_form

    cm, providers = world
    provider = providers[0]
    web = login_client(cm.admin)
    # A send page opened before the licence lapsed: its buttons still cannot send.
    stale = read_form(
        web,
        "/exchange/send/month/?month=2026-04&preview=1&clients=" + str(cm.clients[0].pk),
        button="連携基盤で送信する",
    )
    _blocked(monkeypatch)
    for button in ("連携基盤で送信する", "CSVファイルを作成（国の連携システム用）"):
        page = web.post("/exchange/send/month/", stale.data(button=button), follow=True).content.decode()
        assert "ライセンスが失効しているため送信できません" in page
    # provider side: 実績 send and 実績削除 of a received 予定
    from linkage.exchange.models import ReceivedSchedule

    pschedule = schedule(provider.office, provider.clients[0], [(provider.office, provider.code, "0900", "1000", [1])])
    with office_scope(provider.office):
        ReceivedSchedule.objects.create(
            office=provider.office,
            client=provider.clients[0],
            month=MONTH,
            sender_office_number=cm.office.office_number,
            sequence="20260401000000",
            schedule=pschedule,
        )
        line = pschedule.lines.get()
        line.actual_days = line.planned_days
        line.save()
    pweb = login_client(provider.admin)
    url = f"/exchange/schedules/{pschedule.pk}/actuals/"
    form = {f"a{line.pk}_{d}": str(n) for d, n in enumerate(line.planned_days, start=1)}
    form.update({f"s{line.pk}": "0900", f"e{line.pk}": "1000", "action": "send"})
    assert "ライセンスが失効しているため送信できません" in pweb.post(url, form, follow=True).content.decode()
    page = pweb.post(url, {"action": "delete_kind", "kind": provider.code[:2]}, follow=True).content.decode()
    assert "ライセンスが失効しているため送信できません" in page
    # the service helpers other apps use for downloads
    from portal.billing.services import SendingBlocked

    with office_scope(cm.office):
        from portal.schedules.models import ServiceSchedule

        with pytest.raises(SendingBlocked):
            services.schedule_download(office=cm.office, actor=cm.admin, schedule=ServiceSchedule.objects.get())
    for office in (cm.office, provider.office):
        with office_scope(office):
            assert not SendBatch.objects.exists() and not Package.objects.exists()


def test_gate_refuses_a_client_without_consent_even_if_the_caller_skips_the_preview(world):
    from portal.partners.services import SharingNotAllowed

    cm, providers = world
    stranger = client(cm.office, 77)
    schedule(cm.office, stranger, [(providers[0].office, providers[0].code, "0900", "1000", [2])])
    with office_scope(cm.office):
        units = services.month_send_plan(office=cm.office, month=MONTH)
        assert [c.pk for c, _ in units[0].refused] == [stranger.pk]
        units[0].clients.append(stranger)  # a caller that ignores the preview
        with pytest.raises(SharingNotAllowed):
            services.units_send(office=cm.office, actor=cm.admin, units=units)
        assert not Package.objects.exists()


def test_office_used_exchange(world):
    cm, providers = world
    today = dt.date.today()
    assert services.office_used_exchange(cm.office, today) is False
    with office_scope(cm.office):
        services.units_send(
            office=cm.office,
            actor=cm.admin,
            units=services.month_send_plan(office=cm.office, month=MONTH),
            channel="file",
        )
    assert services.office_used_exchange(cm.office, today) is True
    assert services.office_used_exchange(cm.office, today.replace(day=1) - dt.timedelta(days=40)) is False
    assert services.office_used_exchange(providers[0].office, today) is False
