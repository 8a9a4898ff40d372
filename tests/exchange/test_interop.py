"""Files other software writes, received through the hub inbox and through upload (loose or ZIP):
tolerated deviations are imported with their warnings shown on the received page and the 実績
appear in 予実の比較; incomplete sets, unsafe ZIPs and mixed months are refused as a whole."""

from __future__ import annotations

import datetime as dt
import io
import stat
import zipfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile

from linkage.exchange import certificates, services
from linkage.exchange.hubclient import HubClient
from linkage.exchange.models import InboxStatus, ReceivedPackage, ReceivedSchedule
from linkage.signing import pki, sealing
from linkage.signing.package import build_package, new_package_id
from portal.offices.models import Role
from portal.offices.tenancy import office_scope
from tests.conftest import login_client
from tests.exchange.samples import schedule_unit
from tests.exchange.world import add_certificate, make_world
from tests.factories import MembershipFactory, OfficeFactory, make_consent, make_partnership
from tests.forms import page_url, submit

CORPUS = Path(__file__).resolve().parents[1] / "standard" / "corpus"
VENDOR = [
    "UPJSK_202611_1370000011_11_1310000001_43_20261129212518.CSV",
    "UPJSK_202611_1370000011_11_1310000001_43_20261129212519.CSV",
]
UPLOAD = "/exchange/inbox/upload/"
NOVEMBER = dt.date(2026, 11, 1)


def zipped(members: list[tuple[str, bytes]], **infos) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2026, 11, 29, 21, 25, 18))
            info.compress_type = zipfile.ZIP_DEFLATED
            for k, v in infos.get(name, {}).items():
                setattr(info, k, v)
            zf.writestr(info, data)
    return buffer.getvalue()


def upload(web, files: list[tuple[str, bytes]]):
    chosen = [SimpleUploadedFile(n, d) for n, d in files]
    return submit(
        web, UPLOAD, {"files": chosen if len(chosen) > 1 else chosen[0]}, button="チェックして取り込む", follow=True
    ).content.decode()


# --------------------------------------------------------------------------- the vendor's 実績 at the care-management office


@pytest.fixture
def vendor_world(db, hub_ca):
    """さくら (1310000001, 43) and ひまわり (1370000011, 11) as in the shared samples, with 高田/森's
    November 予定 at さくら: 高田 117311 on seven of the eight days the 実績 has, 森 daily."""
    from portal.schedules.models import ServiceSchedule, ServiceScheduleLine
    from tests.exchange.world import client

    cm = OfficeFactory(office_number="1310000001", name="さくら居宅介護支援事業所", kinds=["43"])
    provider = OfficeFactory(office_number="1370000011", name="ひまわり訪問介護ステーション", kinds=["11"])
    admin = MembershipFactory(office=cm, role=Role.ADMIN, display_name="佐藤 花子")
    for office in (cm, provider):
        add_certificate(office, hub_ca)
    cm_partnership, _ = make_partnership(cm, provider, ["11"])
    clients = {}
    for n, insured in ((3, "0000100003"), (4, "0000100004")):
        c = client(cm, n, insured=insured)
        with office_scope(cm):
            type(c).objects.filter(pk=c.pk).update(insurer_number="131148")
            c.refresh_from_db()
        make_consent(cm, c, cm_partnership)
        clients[insured] = c
    plans = {
        "0000100003": [("117311", "1400", "1500", [3, 6, 10, 13, 17, 20, 24])],
        "0000100004": [("111311", "0800", "0930", range(1, 31)), ("111211", "1800", "1900", range(1, 31))],
    }
    with office_scope(cm):
        for insured, lines in plans.items():
            s = ServiceSchedule.objects.create(
                client=clients[insured], month=NOVEMBER, created_on=dt.date(2026, 10, 25)
            )
            for i, (code, start, end, days) in enumerate(lines):
                planned = [1 if d in days else 0 for d in range(1, 32)]
                ServiceScheduleLine.objects.create(
                    schedule=s,
                    sort_order=i,
                    provider_office_number=provider.office_number,
                    provider_name=provider.name,
                    service_type_code=code[:2],
                    service_item_code=code[2:],
                    start_time=start,
                    end_time=end,
                    planned_days=planned,
                )
    return cm, provider, admin, clients


def assert_imported_with_warnings_and_compared(cm, admin):
    web = login_client(admin)
    with office_scope(cm):
        received = list(ReceivedPackage.objects.order_by("sequence"))
    assert [(r.status, r.sequence) for r in received] == [
        (InboxStatus.IMPORTED, "20261129212518"),
        (InboxStatus.IMPORTED, "20261129212519"),
    ]
    page = web.get(f"/exchange/received/{received[0].pk}/").content.decode()
    assert "取り込み時に読み替えた内容（警告）" in page and VENDOR[0] in page
    assert "CSVバージョン" in page and "4.1版（202407）として読みました" in page
    assert (
        "サービス事業所名" in page
        and "書かれた文字列（例:「ひまわり訪問介護ステーション」）をそのまま値として読みました" in page
    )
    assert [(f["record"], f["field_no"]) for f in received[0].findings] == [(1, 1), (1, 7), (1, 21)]
    page = web.get("/exchange/comparison/", {"month": "2026-11"}).content.decode()
    table = page.split('data-testid="comparison"')[1].split("</table>")[0]
    rows = {r.split("</td>")[2].rsplit(">", 1)[1]: r for r in table.split("<tr>")[2:]}
    takata = rows["117311"]
    assert '<td class="num">7</td>' in takata and '<td class="num over">8</td>' in takata and "27日" in takata
    assert '<td class="num over">3</td>' in rows["111311"] and '<td class="num over">3</td>' in rows["111211"]


def test_vendor_files_uploaded_as_a_zip_are_imported_with_warnings_and_compared(vendor_world):
    cm, provider, admin, clients = vendor_world
    web = login_client(admin)
    data = zipped([(n, (CORPUS / n).read_bytes()) for n in VENDOR])
    page = upload(web, [("jisseki-202611.zip", data)])
    assert "2件の送信単位を取り込みました" in page
    assert (
        "ZIPファイル「jisseki-202611.zip」の2ファイルを読みました" in page and VENDOR[0] in page and VENDOR[1] in page
    )
    assert "読み替えて取り込みました" in page
    assert_imported_with_warnings_and_compared(cm, admin)


@pytest.mark.slow
def test_vendor_files_through_the_hub_inbox(exchange_env, vendor_world, hub_ca):
    cm, provider, admin, clients = vendor_world
    key, cert = pki.issue_office_certificate(hub_ca, office_number=provider.office_number)
    hub = HubClient(django_settings.RENKEI_HUB_URL, office_number=provider.office_number, key=key, certificate=cert)
    with office_scope(cm):
        recipient = certificates.signing_identity(cm).certificate
    for name in VENDOR:
        sequence = name.rsplit("_", 1)[1][:14]
        hub.submit(
            sealing.seal_package(
                build_package(
                    files=[(name, (CORPUS / name).read_bytes())],
                    key=key,
                    certificate=cert,
                    package_id=new_package_id(),
                    sender_office=provider.office_number,
                    sender_kind="11",
                    recipient_office=cm.office_number,
                    recipient_kind="43",
                    sequence=sequence,
                    unit_kind="actual",
                    month="202611",
                    created_at=dt.datetime.now(dt.UTC),
                ),
                key=key,
                certificate=cert,
                recipients=[recipient],
            )
        )
    with office_scope(cm):
        services.office_sync(office=cm)
    assert_imported_with_warnings_and_compared(cm, admin)


def test_ambiguous_vendor_file_is_refused_and_leaves_no_row(vendor_world):
    cm, provider, admin, clients = vendor_world
    name = VENDOR[0]
    data = (
        (CORPUS / name)
        .read_bytes()
        .replace("ひまわり訪問介護ステーション".encode("cp932"), 'ひまわり"訪問"介護'.encode("cp932"))
    )
    web = login_client(admin)
    for _try in range(2):
        page = upload(web, [(name, data)])
        assert "何も取り込んでいません" in page and "どこまでが値か判断できない" in page
    with office_scope(cm):
        assert not ReceivedPackage.objects.exists()


# --------------------------------------------------------------------------- 予定 at the provider


@pytest.fixture
def provider_world(db, trusted_ca):
    cm, providers = make_world(trusted_ca, clients=1, providers=(("11", "1211"),))
    return cm, providers[0]


def unit_files(cm, provider, **kw):
    return schedule_unit(
        sender=cm.office.office_number,
        recipient=provider.office.office_number,
        recipient_kind="11",
        month=kw.pop("month", "202604"),
        clients=[(c.insured_number, c.full_name, c.full_name_kana) for c in provider.clients],
        **kw,
    ).files


def test_renkeis_own_download_zip_is_imported_not_unknown(provider_world):
    cm, provider = provider_world
    cm_web = login_client(cm.admin)
    preview = submit(cm_web, "/exchange/send/month/?month=2026-04", button="送信内容を確認")
    submit(cm_web, page_url(preview), button="CSVファイルを作成（国の連携システム用）", response=preview)
    from linkage.exchange.models import Package

    with office_scope(cm.office):
        package = Package.objects.get()
    download = cm_web.get(f"/exchange/packages/{package.pk}/download/")
    name = download["Content-Disposition"].split('filename="')[1].rstrip('"')
    page = upload(login_client(provider.admin), [(name, download.content)])
    assert "1件の送信単位を取り込みました" in page and f"ZIPファイル「{name}」の3ファイルを読みました" in page
    with office_scope(provider.office):
        received = ReceivedPackage.objects.get()
        assert received.status == InboxStatus.IMPORTED and received.unit_kind == "schedule"
        assert ReceivedSchedule.objects.get().annex


def test_incomplete_set_with_the_same_sequence_does_not_replace_a_complete_import(provider_world):
    cm, provider = provider_world
    web = login_client(provider.admin)
    files = unit_files(cm, provider)
    assert "1件の送信単位を取り込みました" in upload(web, files)
    with office_scope(provider.office):
        before = ReceivedSchedule.objects.get()
        days_before = [list(x.planned_days) for x in before.schedule.lines.all()]
    later = unit_files(cm, provider)  # same ファイル連番, a different 予定 (15th → 16th): only the 6表
    plan_only = [(n, d.replace(b",20260415,", b",20260416,")) for n, d in later if n.startswith("UPPLAN")]
    assert plan_only[0][1] != dict(later)[plan_only[0][0]]
    page = upload(web, plan_only)
    assert "何も取り込んでいません" in page
    assert "UPSIKYU（第7表）がありません" in page and "UPHOSOKU（利用者補足情報）がありません" in page
    with office_scope(provider.office):
        after = ReceivedSchedule.objects.get()
        assert after.annex == before.annex and after.annex
        assert [list(x.planned_days) for x in after.schedule.lines.all()] == days_before
        assert ReceivedPackage.objects.count() == 1


def test_set_mixing_two_months_is_refused(provider_world):
    cm, provider = provider_world
    april = unit_files(cm, provider)
    may = unit_files(cm, provider, month="202605")
    mixed = [f for f in april if not f[0].startswith("UPSIKYU")] + [f for f in may if f[0].startswith("UPSIKYU")]
    page = upload(login_client(provider.admin), mixed)
    assert "何も取り込んでいません" in page and "異なる年月のファイル" in page
    with office_scope(provider.office):
        assert not ReceivedPackage.objects.exists()


@pytest.mark.parametrize(
    "kind,needle",
    [
        ("bomb", "展開すると大きすぎます"),
        ("ratio", "圧縮率が異常に高い"),
        ("path", "フォルダ付きの名前"),
        ("parent", "フォルダ付きの名前"),
        ("link", "リンク"),
        ("nested", "ZIPの中のZIP"),
        ("count", "ファイルがあります"),
        ("broken", "ZIPファイルとして読めません"),
    ],
)
def test_unsafe_zip_is_refused_with_its_reason_and_no_row(provider_world, kind, needle):
    cm, provider = provider_world
    files = unit_files(cm, provider)
    if kind == "bomb":
        data = zipped(files + [("UPPLAN_padding.CSV", b"\0" * (21 * 1024 * 1024))])
    elif kind == "ratio":
        data = zipped([(files[0][0], files[0][1] + b"0" * (3 * 1024 * 1024))])
    elif kind == "path":
        data = zipped([("202604/" + n, d) for n, d in files])
    elif kind == "parent":
        data = zipped([("../" + files[0][0], files[0][1])] + files[1:])
    elif kind == "link":
        data = zipped(files, **{files[0][0]: {"external_attr": (stat.S_IFLNK | 0o777) << 16}})
    elif kind == "nested":
        data = zipped([("inner.zip", zipped(files))])
    elif kind == "count":
        data = zipped([(f"x{i}.CSV", b"") for i in range(201)])
    else:
        data = zipped(files)[:200]
    page = upload(login_client(provider.admin), [("received.zip", data)])
    assert "received.zip" in page and needle in page and "何も取り込んでいません" in page
    with office_scope(provider.office):
        assert not ReceivedPackage.objects.exists()
