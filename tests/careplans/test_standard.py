"""居宅サービス計画書 → standard CSV: the 計画書 send unit and 1表_削除, validated by linkage.standard."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from linkage.standard import read_file, validate_files
from portal.careplans import standard
from portal.clients.models import KindLimit
from portal.offices.tenancy import office_scope

pytestmark = pytest.mark.django_db
SEQ = dt.datetime(2026, 4, 6, 10, 30, 0)


def _unit(plan, office, **kw):
    with office_scope(office):
        return standard.plan_send_units(
            plan=plan,
            sender_office=office,
            recipient_office_number="1370000011",
            recipient_kind="11",
            created_at=SEQ,
            **kw,
        )


def _records(built, prefix):
    name, data = next((n, d) for n, d in built.files if n.startswith(prefix + "_"))
    return read_file(name, data).rows


def test_plan_unit_files_and_names(confirmed_plan, office):
    built = _unit(confirmed_plan, office)
    assert built.ok, [str(f) for f in built.findings]
    n = office.office_number
    assert [name for name, _ in built.files] == [
        f"UP1KYO_{n}_43_1370000011_11_20260406103000.CSV",
        f"UP2KYO_{n}_43_1370000011_11_20260406103000.CSV",
        f"UP3KYO_{n}_43_1370000011_11_20260406103000.CSV",
        f"UPHOSOKU_000000_{n}_43_1370000011_11_20260406103000.CSV",
    ]
    assert validate_files(built.files) == [f for f in built.findings]


def test_table1_record_fields(confirmed_plan, office):
    (row,) = _records(_unit(confirmed_plan, office), "UP1KYO")
    client = confirmed_plan.client
    assert row[:4] == ["202407", client.insurer_number, client.insured_number, "20260405"]
    assert row[4:6] == ["160-0023", "東京都新宿区西新宿1-1-1"]
    assert row[7:9] == [confirmed_plan.author_name, office.name]
    assert row[12:21] == [
        office.office_number,
        "20260405",
        "20260405",
        "11",
        "2",
        "20260320",
        "20260401",
        "20270331",
        "22",
    ]
    assert row[21].startswith("本人: 自宅で暮らし続けたい")
    assert row[23] == "在宅生活の継続を支援します。"
    assert row[24:27] == ["", "", office.office_number]


def test_other_reason_is_sent_only_with_code_3(plan, member, office):
    from portal.careplans import services

    with office_scope(office):
        services.plan_update_table1(
            plan=plan,
            lock_version=plan.lock_version,
            by=member,
            living_support_reason="3",
            living_support_other="日中独居",
        )
        record = standard.table1_record(plan)
        assert (record[25], record[26]) == ("3", "日中独居")
        services.plan_update_table1(
            plan=plan,
            lock_version=plan.lock_version,
            by=member,
            living_support_reason="1",
            living_support_other="日中独居",
        )
        record = standard.table1_record(plan)
    assert (record[25], record[26]) == ("1", None)


def test_table3_records(confirmed_plan, office):
    rows = _records(_unit(confirmed_plan, office), "UP3KYO")
    assert [r[5:13] for r in rows] == [
        ["訪問介護（身体介護）", "1", "1000", "1100", "", "", "", ""],
        ["訪問介護（身体介護）", "4", "1000", "1100", "", "", "", ""],
        ["", "", "", "", "起床", "0630", "0630", ""],
        ["", "", "", "", "", "", "", "福祉用具貸与（車いす）"],
        ["", "", "", "", "", "", "", "通院（月1回）"],
    ]
    assert all(r[3:5] == ["20260405", "20260405"] for r in rows)


def test_hosoku_in_plan_mode(confirmed_plan, office):
    with office_scope(office):
        KindLimit.objects.create(client=confirmed_plan.client, service_type_code="17", units=3000)
    (row,) = _records(_unit(confirmed_plan, office), "UPHOSOKU")
    assert row[3] == "20260405" and row[62] == "000000"
    assert row[4:8] == ["ヤマダ　ハナコ", "山田　花子", "2", "19400203"]
    assert row[11] == "03-1234-5678"
    assert row[12:19] == ["20260320", "20260401", "20270331", "2", "", "22", "19705"]
    assert row[19:23] == ["17", "3000", "", ""]
    assert row[59:61] == [office.office_number, office.office_number]


def test_plan_deletion_unit(confirmed_plan, office):
    with office_scope(office):
        built = standard.plan_deletion_send_unit(
            plan=confirmed_plan,
            sender_office=office,
            recipient_office_number="1370000011",
            recipient_kind="11",
            created_at=SEQ,
        )
    assert built.ok
    ((name, data),) = built.files
    assert name == f"DLT1KYO_{office.office_number}_43_1370000011_11_20260406103000.CSV"
    assert read_file(name, data).rows == [
        ["202407", confirmed_plan.client.insurer_number, confirmed_plan.client.insured_number, "20260405"]
    ]


def test_recipients_come_from_the_plan_and_the_register(confirmed_plan, office):
    with office_scope(office):
        recipients = standard.plan_recipients(confirmed_plan)
    assert [(r.office_number, r.service_type_code, r.name) for r in recipients] == [
        ("1370000011", "11", "ひまわり訪問介護ステーション"),
    ]


def test_files_pass_the_command_line_validator(confirmed_plan, office, tmp_path):
    built = _unit(confirmed_plan, office)
    paths = []
    for name, data in built.files:
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))
    result = subprocess.run(
        [sys.executable, "-m", "linkage.standard", "validate", *paths], capture_output=True, text=True, encoding="utf-8"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "エラー0件" in result.stderr


def test_characters_outside_ms932_are_replaced_not_lost(plan, member, office):
    from portal.careplans import services

    with office_scope(office):
        services.plan_update_table1(
            plan=plan, lock_version=plan.lock_version, by=member, support_policy="𠮷田さんと相談🙂"
        )
    built = _unit(plan, office)
    (row,) = _records(built, "UP1KYO")
    assert "田さんと相談" in row[23]
    assert {r.original for r in built.replacements} >= {"𠮷"}
