"""利用者基本情報 / 介護予防サービス・支援計画書: records, the standard's row rules, image, 交付."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from linkage.standard import ERROR, read_file
from portal.offices.tenancy import office_scope
from portal.prevention import services
from portal.prevention.models import BasicInfo, PreventionPlan
from portal.prevention.standard import prevention_send_unit, sub_rows
from tests.prevention.conftest import jpeg_bytes, png_bytes

PLAN_DATE = dt.date(2026, 4, 10)

TREE = [
    {
        "text": "膝の痛みで外出が減っている",
        "proposal": "歩く機会を増やす",
        "intention": "本人：買い物に行きたい",
        "goal": "週2回スーパーまで歩く",
        "supports": [
            {
                "point": "膝に負担をかけない運動",
                "self_care": "毎朝の体操",
                "formal_service": "介護予防通所リハビリ",
                "services": [
                    {"kind": "介護予防通所リハビリテーション", "provider": "あおぞらリハ", "period": "R8.4〜R8.9"},
                    {"kind": "自主トレーニング", "provider": "本人", "period": "R8.4〜R8.9"},
                ],
            },
            {"point": "買い物の同行", "self_care": "長女の同行", "formal_service": "", "services": []},
        ],
    },
    {"text": "栄養が偏っている", "proposal": "", "intention": "", "goal": "体重を維持する", "supports": []},
]


def _plan(client, **extra):
    plan = PreventionPlan(client=client, plan_date=PLAN_DATE, overall_policy="外出の機会を保つ。", **extra)
    return services.plan_save(plan=plan, issues=TREE)


def _findings_errors(unit):
    return [f for f in unit.findings if f.severity == ERROR]


def test_upyobo_sub_rows_follow_the_standards_numbering_rule(support_client):
    with office_scope(support_client.office_id):
        plan = _plan(support_client)
        rows = sub_rows(services.plan_tree(plan))
    # (課題NO, 支援計画NO, 利用サービスNO, 総合的課題, 支援のポイント, サービス種別)
    got = [(r.get(5), r.get(10), r.get(14), r.get(6), r.get(11), r.get(15)) for r in rows]
    assert got == [
        # 同一の課題NOに複数の支援計画: 課題NOを同一にして支援計画NOに連番; 課題 text only on the first row
        (1, 1, 1, "膝の痛みで外出が減っている", "膝に負担をかけない運動", "介護予防通所リハビリテーション"),
        (1, 1, 2, None, None, "自主トレーニング"),
        (1, 2, None, None, "買い物の同行", None),
        (2, None, None, "栄養が偏っている", None, None),
    ]
    # NO以外の項目は最初の行のみ: every 課題 column is blank after the first row of its 課題
    for r in rows[1:3]:
        assert all(r.get(no) is None for no in (6, 7, 8, 9))
    assert rows[0][9] == "週2回スーパーまで歩く" and rows[3][9] == "体重を維持する"


def test_blank_rows_are_dropped_and_numbers_close_up(support_client):
    tree = [
        {"text": "", "supports": []},
        TREE[1],
        {"text": "転倒の不安", "supports": [{"point": "", "services": []}, {"point": "手すりの設置"}]},
    ]
    with office_scope(support_client.office_id):
        plan = services.plan_save(plan=PreventionPlan(client=support_client, plan_date=PLAN_DATE), issues=tree)
        rows = sub_rows(services.plan_tree(plan))
    assert [(r.get(5), r.get(10), r.get(6)) for r in rows] == [(1, None, "栄養が偏っている"), (2, 1, "転倒の不安")]


def test_send_unit_validates_strictly_and_reads_back(support_client):
    with office_scope(support_client.office_id):
        info = BasicInfo(
            client=support_client,
            consultation_date=dt.date(2026, 4, 2),
            consultant_name="予防 一郎",
            consultant_relation="長男",
            life_history="教員として働いた。",
            checklist_result="1",
            checklist_date=dt.date(2026, 4, 2),
        )
        services.basic_info_save(
            info=info,
            histories=[
                {
                    "onset": "R2年4月",
                    "disease": "変形性膝関節症",
                    "institution": "新宿整形外科",
                    "attending": True,
                    "progress": "01",
                    "treatment": "湿布",
                }
            ],
            schedules=[{"time": "6:00", "self_status": "起床", "carer_status": ""}],
        )
        plan = _plan(support_client, consent_on=dt.date(2026, 4, 10), consent_name="予防 春子")
        unit = prevention_send_unit(
            basic_info=info,
            plan=plan,
            sender_office=support_client.office.office_number,
            sender_kind="43",
            recipient_office="1370000012",
            recipient_kind="A5",
            created_at=dt.datetime(2026, 4, 11, 9, 0, 0),
        )
    assert _findings_errors(unit) == []
    names = sorted(n.split("_13")[0] for n, _ in unit.files)
    assert names == ["UPKIHON", "UPKIHON_SUB1", "UPKIHON_SUB2", "UPYOBO", "UPYOBO_SUB"]
    sub = next(read_file(n, d) for n, d in unit.files if n.startswith("UPYOBO_SUB"))
    assert sub.ok
    assert [(r[4], r[9], r[13]) for r in sub.rows] == [("1", "1", "1"), ("1", "1", "2"), ("1", "2", ""), ("2", "", "")]
    assert [r[5] for r in sub.rows] == ["膝の痛みで外出が減っている", "", "", "栄養が偏っている"]
    kihon = next(read_file(n, d) for n, d in unit.files if n.startswith("UPKIHON_2") or n.startswith("UPKIHON_1"))
    assert kihon.rows[0][3] == "20260402" and kihon.rows[0][41] == "予防 一郎"


def test_a_jpeg_is_re_encoded_without_its_metadata():
    from PIL import Image

    original = jpeg_bytes(exif=True)
    assert b"SecretCamera" in original
    clean = services.family_image_clean(SimpleUploadedFile("家族.jpg", original, content_type="image/jpeg"))
    assert b"SecretCamera" not in clean and b"Yobo" not in clean
    with Image.open(io.BytesIO(clean)) as img:
        assert img.format == "JPEG" and img.size == (40, 30) and not img.getexif()


def test_an_image_that_is_not_a_jpeg_is_refused():
    with pytest.raises(ValidationError) as exc:
        services.family_image_clean(SimpleUploadedFile("family.png", png_bytes(), content_type="image/jpeg"))
    assert "JPEG" in exc.value.messages[0] and "PNG" in exc.value.messages[0]
    with pytest.raises(ValidationError) as exc:
        services.family_image_clean(SimpleUploadedFile("family.jpg", b"not an image", content_type="image/jpeg"))
    assert "読み取れません" in exc.value.messages[0]


@override_settings(RENKEI_FAMILY_IMAGE_MAX_BYTES=1024 * 1024)
def test_a_too_large_image_is_refused():
    big = SimpleUploadedFile("family.jpg", jpeg_bytes() + b"\0" * (1024 * 1024), content_type="image/jpeg")
    with pytest.raises(ValidationError) as exc:
        services.family_image_clean(big)
    assert "大きすぎます" in exc.value.messages[0] and "1MB以下" in exc.value.messages[0]


def test_a_plan_without_consent_cannot_be_delivered(support_client):
    with office_scope(support_client.office_id):
        plan = _plan(support_client)
        with pytest.raises(ValidationError) as exc:
            services.plan_deliver(
                plan=plan, delivered_on=dt.date(2026, 4, 12), delivered_to="予防 春子", by_name="鈴木"
            )
        assert any("同意" in m for m in exc.value.messages)
        plan.refresh_from_db()
        assert not plan.is_delivered and plan.snapshot == {}


def test_delivery_freezes_what_the_plan_printed(support_client):
    with office_scope(support_client.office_id):
        plan = _plan(support_client, consent_on=dt.date(2026, 4, 10), consent_name="予防 春子")
        services.plan_deliver(plan=plan, delivered_on=dt.date(2026, 4, 12), delivered_to="予防 春子", by_name="鈴木")
        support_client.family_name = "改姓"
        support_client.save()
        plan.refresh_from_db()
        assert plan.is_delivered and plan.snapshot["client_name"].startswith("予防")
        assert plan.snapshot["issues"][0]["supports"][0]["services"][1]["kind"] == "自主トレーニング"
        with pytest.raises(ValidationError):
            services.plan_save(plan=plan, issues=[])
        assert plan.issues.count() == 2


def test_versions_are_unique_per_date(support_client):
    with office_scope(support_client.office_id):
        services.basic_info_save(
            info=BasicInfo(client=support_client, consultation_date=dt.date(2026, 4, 2)), histories=[], schedules=[]
        )
        with pytest.raises(ValidationError) as exc:
            services.basic_info_save(
                info=BasicInfo(client=support_client, consultation_date=dt.date(2026, 4, 2)), histories=[], schedules=[]
            )
        assert "相談日" in str(exc.value)
        _plan(support_client)
        with pytest.raises(ValidationError) as exc:
            _plan(support_client)
        assert "計画作成（変更）日" in str(exc.value)


def test_first_plan_date_defaults_to_the_first_versions_date(support_client):
    with office_scope(support_client.office_id):
        first = _plan(support_client)
        assert first.first_plan_date == PLAN_DATE
        later = services.plan_save(
            plan=PreventionPlan(client=support_client, plan_date=dt.date(2026, 10, 1)), issues=[]
        )
        assert later.first_plan_date == PLAN_DATE
