"""Master data: the bundled 令和6年度 tables, the documented CSV layout, all-or-nothing imports."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from portal.masters.models import BenefitLimit, ServiceCode
from portal.masters.selectors import benefit_limit_for, month_masters

pytestmark = pytest.mark.django_db

HEADER = (
    "サービス種類コード,サービス項目コード,サービス名称,単位数,率（1000分率）,算定単位,区分支給限度対象,加算,単位数入力,"
    "適用開始日,適用終了日\n"
)


def test_bundled_tables_are_loaded_with_their_source():
    may = month_masters(dt.date(2026, 5, 1))
    code = may.code("111211")
    assert (code.name, code.units, code.calc_unit, code.limit_target) == (
        "身体介護２（30分以上1時間未満）",
        387,
        "1",
        True,
    )
    assert "令和6年" in code.source
    rate = may.code("116275")
    assert rate.rate_permille == 245 and not rate.limit_target
    assert may.unit_price(regional_grade="1", service_type_code="11") == Decimal("11.40")
    assert may.unit_price(regional_grade="1", service_type_code="15") == Decimal("10.90")
    assert may.unit_price(regional_grade="2", service_type_code="13") == Decimal("11.12")
    assert may.unit_price(regional_grade="1", service_type_code="17") == Decimal("10.00")
    assert may.unit_price(regional_grade="9", service_type_code="16") == Decimal("10.00")
    assert [may.benefit_limit(lv) for lv in ("12", "13", "21", "22", "23", "24", "25")] == [
        5032,
        10531,
        16765,
        19705,
        27048,
        30938,
        36217,
    ]


def test_codes_only_apply_in_their_period():
    assert month_masters(dt.date(2024, 5, 1)).code("161711") is None  # 通所リハ rows start 2024-06-01
    assert month_masters(dt.date(2024, 6, 1)).code("161711").units == 762


def test_import_command_adds_and_updates(tmp_path):
    f = tmp_path / "codes.csv"
    f.write_text(
        "# 出典: test\n" + HEADER + "11,1211,身体介護２,400,,回,1,0,0,2027-04-01,\n"
        "11,1111,身体介護１,244,,回,1,0,0,2024-04-01,2027-03-31\n",
        encoding="utf-8",
    )
    call_command("import_service_codes", str(f), "--source", "令和9年4月施行版（テスト）")
    assert (
        ServiceCode.objects.get(service_type_code="11", service_item_code="1211", valid_from=dt.date(2027, 4, 1)).units
        == 400
    )
    assert ServiceCode.objects.get(service_type_code="11", service_item_code="1111").valid_to == dt.date(2027, 3, 31)
    assert month_masters(dt.date(2027, 4, 1)).code("111211").units == 400  # newer row wins from its start
    assert month_masters(dt.date(2027, 3, 1)).code("111211").units == 387
    assert month_masters(dt.date(2027, 4, 1)).code("111111") is None  # closed


def test_bad_file_changes_nothing_and_lists_every_problem(tmp_path):
    before = ServiceCode.objects.count()
    f = tmp_path / "bad.csv"
    f.write_text(
        HEADER + "11,1211,身体介護２,400,,回,1,0,0,2027-04-01,\n"
        "1,12,名称,abc,,週,2,0,0,2027-13-01,\n"
        "11,6275,処遇改善,0,245,月,1,1,0,2027-04-01,\n",
        encoding="cp932",
    )
    with pytest.raises(CommandError) as err:
        call_command("import_service_codes", str(f))
    text = str(err.value)
    assert "何も変更していません" in text
    for message in (
        "3行目: サービス種類コード「1」は英数字2桁",
        "3行目: 単位数「abc」は整数ではありません",
        "3行目: 算定単位「週」は 回・日・月",
        "3行目: 区分支給限度対象「2」は 1 か 0",
        "3行目: 適用開始日「2027-13-01」は日付ではありません",
        "4行目: 率で計算する加算（116275）は区分支給限度対象外（0）にしてください",
    ):
        assert message in text
    assert ServiceCode.objects.count() == before


def test_wrong_header_is_refused(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("code,name\n111211,x\n", encoding="utf-8")
    with pytest.raises(CommandError, match="見出し行が想定と異なります"):
        call_command("import_service_codes", str(f))


def test_benefit_limits_import_and_lookup(tmp_path):
    f = tmp_path / "limits.csv"
    f.write_text("要介護状態区分,区分支給限度基準額,適用開始日,適用終了日\n21,17000,2027-04-01,\n", encoding="utf-8")
    call_command("import_masters", "benefit_limits", str(f))
    assert benefit_limit_for("21", dt.date(2027, 4, 1)) == 17000
    assert benefit_limit_for("21", dt.date(2027, 3, 31)) == 16765
    assert BenefitLimit.objects.filter(care_level="21").count() == 2


def test_care_levels_column_is_optional_and_checked(tmp_path):
    from portal.masters.loader import MasterFileError, import_master

    with_levels = HEADER.replace("適用終了日\n", "適用終了日,要介護状態区分\n")
    import_master(
        "service_codes",
        with_levels + "15,9511,テスト通所・要介護1,600,,回,1,0,0,2030-04-01,,21\n"
        "15,9512,テスト通所・要介護1〜2,600,,回,1,0,0,2030-04-01,,21/22\n",
    )
    import_master("service_codes", HEADER + "15,9513,テスト通所（区分なし）,600,,回,1,0,0,2030-04-01,\n")
    codes = {
        c.service_item_code: c.care_level_set for c in ServiceCode.objects.filter(service_item_code__startswith="951")
    }
    assert codes == {"9511": {"21"}, "9512": {"21", "22"}, "9513": set()}
    with pytest.raises(MasterFileError) as error:
        import_master("service_codes", with_levels + "15,9514,テスト,600,,回,1,0,0,2030-04-01,,要介護1\n")
    assert "要介護状態区分「要介護1」は 21〜25（要介護1〜5）" in error.value.messages[0]


def test_bundled_day_care_codes_name_their_care_level():
    may = month_masters(dt.date(2026, 5, 1))
    assert may.code("151511").care_level_set == {"21"} and may.code("151531").care_level_set == {"23"}
    assert may.code("111211").care_level_set == set()
