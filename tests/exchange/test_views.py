"""The exchange pages as the two offices use them (no hub needed: delivery is queued after commit)."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from linkage.exchange.models import InboxStatus, Package, PackageStatus, ReceivedPackage, SendBatch
from linkage.standard import FileName
from portal.offices.tenancy import office_scope
from tests.conftest import login_client
from tests.exchange.world import client, consent, make_world
from tests.factories import OfficeFactory
from tests.forms import read_form, submit


@pytest.fixture
def world(db, trusted_ca):
    return make_world(trusted_ca, clients=2)


MONTH_URL = "/exchange/send/month/?month=2026-04"
PREVIEW_URL = MONTH_URL + "&preview=1"
HUB = "連携基盤で送信する"
FILE = "CSVファイルを作成（国の連携システム用）"


def preview(web, clients=None):
    """Tick ``clients`` (default: as rendered, everyone) and press 「送信内容を確認」."""
    values = {} if clients is None else {"clients": [c.pk for c in clients]}
    return submit(web, MONTH_URL, values, form="choose-clients", button="送信内容を確認")


def test_month_preview_shows_who_gets_what_and_who_cannot_with_a_link_to_fix_it(world, trusted_ca):
    cm, providers = world
    outsider = client(cm.office, 99)  # no schedule: not offered
    extra = client(cm.office, 50)
    from tests.exchange.world import schedule

    schedule(cm.office, extra, [(providers[0].office, providers[0].code, "1400", "1500", [3])])  # no consent
    web = login_client(cm.admin)
    page = preview(web).content.decode()
    assert providers[0].office.name in page and providers[1].office.name in page
    assert "利用者の同意が記録されていません" in page
    consent_link = f"/partners/consents/new/?client={extra.pk}&amp;partnership={providers[0].partnership_cm.pk}"
    assert f'href="{consent_link}">同意を記録する</a>' in page
    assert outsider.full_name not in page
    assert "2件の送信単位" in page
    url = PREVIEW_URL + "".join(f"&clients={c.pk}" for c in [*cm.clients, extra])
    buttons = read_form(web, url, button=HUB).form.buttons
    assert len(buttons) == 2 and not [b for b in buttons if b.disabled]  # the others can go


def test_nobody_ticked_sends_nothing_and_says_so(world):
    cm, _ = world
    web = login_client(cm.admin)
    response = preview(web, clients=[])
    page = response.content.decode()
    assert "送る利用者を選んでください" in page
    assert HUB not in page and "送信内容の確認" not in page
    # The boxes stay as the user left them (unticked), not "everyone".
    assert not any(read_form(web, MONTH_URL + "&preview=1", form="choose-clients").value("clients") or [])
    with office_scope(cm.office):
        assert not Package.objects.exists()


def test_only_the_ticked_client_is_sent(world):
    cm, providers = world
    web = login_client(cm.admin)
    chosen = cm.clients[0]
    preview(web, clients=[chosen])
    url = f"{PREVIEW_URL}&clients={chosen.pk}"
    response = submit(web, url, {}, button=HUB)
    assert response.status_code == 302
    with office_scope(cm.office):
        assert {tuple(p.client_ids) for p in Package.objects.all()} == {(chosen.pk,)}


def test_send_month_through_hub_creates_signed_packages(world):
    cm, providers = world
    web = login_client(cm.admin)
    response = submit(web, PREVIEW_URL + "".join(f"&clients={c.pk}" for c in cm.clients), {}, button=HUB)
    assert response.status_code == 302
    with office_scope(cm.office):
        batch = SendBatch.objects.get()
        packages = list(batch.packages.all())
    assert {p.status for p in packages} == {PackageStatus.QUEUED}
    assert sorted(p.recipient_office_number for p in packages) == sorted(p.office.office_number for p in providers)
    page = web.get(response["Location"]).content.decode()
    assert "0 / 2 件完了" in page and "送信待ち" in page and 'hx-trigger="every 2s"' in page


def test_send_month_as_files_gives_a_zip_of_standard_csvs(world):
    cm, providers = world
    web = login_client(cm.admin)
    response = submit(web, PREVIEW_URL + "".join(f"&clients={c.pk}" for c in cm.clients), {}, button=FILE)
    batch_url = response["Location"]
    assert "ZIPをダウンロード" in web.get(batch_url).content.decode()
    data = web.get(batch_url + "download/").content
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert len(names) == 6  # UPPLAN + UPSIKYU + UPHOSOKU to each of two providers
    parsed = [FileName.parse(n) for n in names]
    assert {p.sender_office for p in parsed} == {cm.office.office_number}
    assert {p.month for p in parsed} == {"202604"}


def test_preview_without_certificate_says_where_to_get_one_and_disables_the_hub_button(world):
    cm, _ = world
    from linkage.exchange.models import OfficeCertificate

    web = login_client(cm.admin)
    url = PREVIEW_URL + "".join(f"&clients={c.pk}" for c in cm.clients)
    stale = read_form(web, url, button=HUB)  # a page opened while the certificate was still there
    with office_scope(cm.office):
        OfficeCertificate.objects.all().delete()
    page = web.get(url).content.decode()
    assert "電子証明書が登録されていません" in page and 'href="/exchange/certificates/">電子証明書へ</a>' in page
    buttons = {" ".join(b.text.split()): b.disabled for b in read_form(web, url, button=FILE).form.buttons}
    assert buttons == {HUB: True, FILE: False}
    # The stale page's button still cannot send: the gate says why and stores nothing.
    page = web.post("/exchange/send/month/", stale.data(button=HUB), follow=True).content.decode()
    assert "電子証明書が登録されていません" in page
    with office_scope(cm.office):
        assert not Package.objects.exists()


def test_preview_of_an_unverified_office_lists_it_and_nothing_can_go(world):
    cm, _ = world
    cm.office.verification_status = "pending"
    cm.office.save(update_fields=["verification_status"])
    web = login_client(cm.admin)
    url = PREVIEW_URL + "".join(f"&clients={c.pk}" for c in cm.clients)
    page = web.get(url).content.decode()
    assert "本人確認" in page and 'href="/offices/verification/">事業所の本人確認へ</a>' in page
    assert all(b.disabled for b in read_form(web, url, button=HUB).form.buttons)


def test_preview_lists_a_lapsed_licence(world, monkeypatch):
    from portal.billing import services as billing
    from portal.billing.services import SendingBlocked

    class Status:
        message = "ライセンスが失効しているため送信できません（テスト）。"

    def refuse(office, on=None):
        raise SendingBlocked(Status())

    monkeypatch.setattr(billing, "assert_can_send", refuse)
    cm, _ = world
    web = login_client(cm.admin)
    url = PREVIEW_URL + "".join(f"&clients={c.pk}" for c in cm.clients)
    page = web.get(url).content.decode()
    assert "ライセンスが失効しているため送信できません" in page and 'href="/billing/">ライセンス・請求書へ</a>' in page
    assert all(b.disabled for b in read_form(web, url, button=HUB).form.buttons)


def test_when_nobody_can_go_the_buttons_are_disabled(world):
    cm, providers = world
    from portal.partners.models import Consent

    with office_scope(cm.office):
        Consent.objects.filter(client__in=cm.clients).delete()
    web = login_client(cm.admin)
    url = PREVIEW_URL + "".join(f"&clients={c.pk}" for c in cm.clients)
    page = web.get(url).content.decode()
    assert "送れる利用者がいないため、送信できません" in page
    assert all(b.disabled for b in read_form(web, url, button=HUB).form.buttons)


def test_provider_uploads_national_system_csvs_once_and_sees_errors(world):
    from tests.exchange.samples import schedule_unit

    cm, providers = world
    provider = providers[0]
    unit = schedule_unit(
        sender=cm.office.office_number,
        recipient=provider.office.office_number,
        recipient_kind=provider.code[:2],
        month="202604",
        clients=[(c.insured_number, c.full_name, c.full_name_kana) for c in provider.clients],
    )
    web = login_client(provider.admin)
    files = [SimpleUploadedFile(n, d, "text/csv") for n, d in unit.files]
    page = web.post("/exchange/inbox/upload/", {"files": files}, follow=True).content.decode()
    assert "1件の送信単位を取り込みました" in page
    files = [SimpleUploadedFile(n, d, "text/csv") for n, d in unit.files]
    page = web.post("/exchange/inbox/upload/", {"files": files}, follow=True).content.decode()
    assert "すでに取り込み済み" in page and "を取り込みました" not in page
    with office_scope(provider.office):
        assert ReceivedPackage.objects.count() == 1
    # a broken file: nothing imported, nothing kept, findings in Japanese on the upload page, each file named
    name, data = unit.files[0]
    broken = data.replace(b"\r\n", b",\r\n", 1)
    other = name.replace(name.rsplit("_", 1)[1], "20250326100000.CSV")
    for _try in range(2):
        page = web.post(
            "/exchange/inbox/upload/", {"files": [SimpleUploadedFile(other, broken, "text/csv")]}, follow=True
        ).content.decode()
        assert "何も取り込んでいません" in page and other in page and "項目数" in page
    with office_scope(provider.office):
        assert ReceivedPackage.objects.count() == 1  # failed tries leave no inbox row


def test_unknown_client_is_kept_for_matching_then_imported_and_missing_own_consent_is_shown(world):
    from tests.exchange.samples import schedule_unit

    cm, providers = world
    provider = providers[0]
    unit = schedule_unit(
        sender=cm.office.office_number,
        recipient=provider.office.office_number,
        recipient_kind=provider.code[:2],
        month="202604",
        clients=[("9990000001", "新井 花", "アライ ハナ"), (provider.clients[0].insured_number, "山田", "ヤマダ")],
    )
    web = login_client(provider.admin)
    web.post("/exchange/inbox/upload/", {"files": [SimpleUploadedFile(n, d) for n, d in unit.files]})
    with office_scope(provider.office):
        received = ReceivedPackage.objects.get()
    assert received.status == InboxStatus.PENDING_CLIENT
    url = f"/exchange/received/{received.pk}/"
    page = web.get(url).content.decode()
    assert "9990000001" in page and "新井 花" in page and "新しい利用者として登録する" in page
    page = submit(web, url, {"client_id": "新しい利用者として登録する"}, button="決定", follow=True).content.decode()
    assert "取り込みました" in page
    with office_scope(provider.office):
        received.refresh_from_db()
        assert received.status == InboxStatus.IMPORTED and received.client_count == 2
        from portal.clients.models import Client

        new = Client.objects.get(insured_number="9990000001")
    # The provider learns now (not when it sends 実績) that its own 同意 for the new 利用者 is missing.
    assert "あなたの事業所の同意が記録されていません" in page
    link = f"/partners/consents/new/?client={new.pk}&amp;partnership={provider.partnership_provider.pk}"
    assert f'href="{link}">同意を記録する</a>' in page
    gaps = web.get(url).content.decode()
    assert gaps.count('data-testid="own-consent-missing"') == 1
    assert new.full_name in gaps.split('data-testid="own-consent-missing"')[1].split("</div>")[0]
    assert provider.clients[0].full_name not in gaps.split('data-testid="own-consent-missing"')[1].split("</div>")[0]
    # Once recorded, the warning is gone.
    consent(provider.office, new, provider.partnership_provider)
    assert "あなたの事業所の同意が記録されていません" not in web.get(url).content.decode()


def test_actual_entry_copy_edit_add_and_bad_input(world):
    from tests.exchange.samples import schedule_unit

    cm, providers = world
    provider = providers[0]
    unit = schedule_unit(
        sender=cm.office.office_number,
        recipient=provider.office.office_number,
        recipient_kind=provider.code[:2],
        month="202604",
        clients=[(provider.clients[0].insured_number, "山田", "ヤマダ")],
    )
    web = login_client(provider.admin)
    web.post("/exchange/inbox/upload/", {"files": [SimpleUploadedFile(n, d) for n, d in unit.files]})
    from linkage.exchange.models import ReceivedSchedule

    with office_scope(provider.office):
        schedule = ReceivedSchedule.objects.get().schedule
    url = f"/exchange/schedules/{schedule.pk}/actuals/"
    assert "あなたの事業所の同意が記録されていません" not in web.get(url).content.decode()  # consent is on record
    submit(web, url, button="予定をすべて実績にコピー")
    with office_scope(provider.office):
        line = schedule.lines.get()
        assert line.actual_days == line.planned_days
    typed = {f"s{line.pk}": "09:00", f"e{line.pk}": "0930", f"a{line.pk}_2": "x"}
    page = submit(web, url, typed, button="実績を保存").content.decode()
    assert "2日の回数「x」は0〜99の数字で入力してください" in page
    assert f'name="a{line.pk}_2" value="x"' in page  # what was typed is shown again
    typed.update({f"a{line.pk}_2": "1", f"s{line.pk}": "25:00"})
    assert "開始時刻" in submit(web, url, typed, button="実績を保存").content.decode()
    typed[f"s{line.pk}"] = "0900"
    assert submit(web, url, typed, button="実績を保存").status_code == 302
    visit = {"new_code": "431111", "new_day": "5", "new_start": "10:00", "new_end": "11:00"}
    page = submit(web, url, visit, button="実績を保存して追加する").content.decode()
    assert "連携対象のサービス種類" in page
    visit["new_code"] = provider.code
    submit(web, url, visit, button="実績を保存して追加する")
    with office_scope(provider.office):
        assert schedule.lines.count() == 2
        assert sorted(sum(x.actual_days) for x in schedule.lines.all()) == [1, 4]
        line.refresh_from_db()
        assert (line.start_time, line.end_time) == ("0900", "0930")


def test_comparison_lists_lines_where_actual_differs(world, django_assert_max_num_queries):
    cm, providers = world
    with office_scope(cm.office):
        from portal.schedules.models import ServiceScheduleLine

        line = ServiceScheduleLine.objects.filter(schedule__client=cm.clients[0]).first()
        actual = list(line.planned_days)
        actual[0] = 0
        line.actual_days = actual
        line.save()
        ServiceScheduleLine.objects.exclude(pk=line.pk).update(
            actual_days=ServiceScheduleLine.objects.get(pk=line.pk).planned_days
        )
        for other in ServiceScheduleLine.objects.exclude(pk=line.pk):
            other.actual_days = other.planned_days
            other.save()
    web = login_client(cm.admin)
    # a fixed number: session, office, MFA and suspension checks, the masters of the month, the lines
    with django_assert_max_num_queries(18):
        page = web.get("/exchange/comparison/", {"month": "2026-04"}).content.decode()
    assert page.count("<tr>") - 1 == 1  # header + one differing line
    assert "1日" in page


def test_month_preview_counts_only_destinations_that_get_someone(world, trusted_ca):
    """A destination whose 利用者 all lack consent is listed with the reason but is not a send unit."""
    from tests.exchange.world import partner, schedule

    cm, providers = world
    lonely = OfficeFactory(name="つばき通所介護", kinds=["15"])
    partner(cm.office, lonely, ["15"])
    extra = client(cm.office, 60)
    schedule(cm.office, extra, [(lonely, "151121", "1000", "1600", [2, 9])])  # no consent for this partner
    page = submit(
        login_client(cm.admin), "/exchange/send/month/?month=2026-04", button="送信内容を確認"
    ).content.decode()
    assert "つばき通所介護" in page and "利用者の同意が記録されていません" in page
    assert "2件の送信単位（利用者のべ4人）を送ります。" in page and "3件の送信単位" not in page
    assert "送る利用者がいない送信先には送りません" in page


def test_a_batch_send_records_each_client_in_the_audit_trail(world):
    """The trail of one 利用者 shows the send of a unit that carried several 利用者."""
    from django.urls import reverse

    from portal.partners.models import AuditEvent, AuditEventClient
    from tests.forms import page_url, submit

    cm, providers = world
    web = login_client(cm.admin)
    preview = submit(web, "/exchange/send/month/?month=2026-04", button="送信内容を確認")
    response = submit(web, page_url(preview), button="連携基盤で送信する", response=preview)
    assert response.status_code == 302
    with office_scope(cm.office):
        sent = list(AuditEvent.objects.filter(action="package_sent"))
        assert len(sent) == 2  # one per provider, each carrying both 利用者
        for event in sent:
            assert sorted(AuditEventClient.objects.filter(event=event).values_list("client_id", flat=True)) == sorted(
                c.pk for c in cm.clients
            )
            assert "client_ids" not in event.detail
    import re

    batch_page = web.get(response["Location"]).content.decode()  # the send pages speak 和暦 only
    assert "令和8年4月分 サービス利用票" in batch_page and "令和" in batch_page.split("<h1>")[1]
    assert not re.search(r"20\d\d/\d\d/\d\d", batch_page)
    assert not re.search(r"20\d\d/\d\d/\d\d", web.get("/exchange/outbox/").content.decode())
    second = cm.clients[1]
    table = web.get(reverse("partners:audit"), {"client": second.pk}).content.decode().split("<table")[-1]
    assert table.count("送信") >= 2 and second.full_name in table
