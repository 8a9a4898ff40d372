"""The 第6表 day grid as the browser sends it: parsing, checking, and building the 第7表 from it.

A grid row is a plain dict (raw strings kept for redisplay) so that a half-filled or wrong
row is never lost: it is shown again with its errors and kept as a draft.

Size: kept as one module (over ~400 lines) because parse → check → calculate of one form, the 第6表 grid; the
checks refer to the parsed rows' fields throughout.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from portal.core.codes import service_kind_name
from portal.core.wareki import wareki_date, wareki_month
from portal.masters.models import CalcUnit
from portal.masters.selectors import MonthMasters
from portal.schedules.annex import Annex, AnnexLine, CodeInfo, calculate_annex
from portal.schedules.models import NO_TIME

WELFARE_KINDS = {"17", "67"}
WEEKDAYS = "月火水木金土日"
_TIME_RE = re.compile(r"(\d{1,2}):?(\d{2})")


@dataclass
class GridRow:
    index: int
    line_id: int | None = None
    provider_office_number: str = ""
    provider_name: str = ""
    service_code: str = ""
    start: str = ""  # as typed / displayed (HH:MM or blank)
    end: str = ""
    days: list[str] = field(default_factory=lambda: [""] * 31)  # raw cell values
    units_entered: str = ""
    tais_code: str = ""
    notified_code: str = ""
    equipment_name: str = ""
    prorated: bool = False
    over: str = ""  # units over the 区分支給限度 the care manager put on this line (as typed)
    discount_rate: int | None = None  # 割引後率 (%): the 利用者's service, else received with the line
    satellite_branch: str = ""  # サテライト枝番: the 利用者's service, else received with the line
    over30_days: frozenset = frozenset()  # 短期入所 days past 30 consecutive days (set by sheet_state)
    over30_received: frozenset = frozenset()  # days received with ３０日超区分 1 (a provider's copy)
    errors: dict[str, list[str]] = field(default_factory=dict)
    # filled from the masters for display
    name: str = ""
    is_rate: bool = False
    is_addon: bool = False
    units_entered_required: bool = False
    over_units: int = 0
    default_over: int = 0  # units over by the default rule (last lines first)

    def error(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    @property
    def all_errors(self) -> list[str]:
        return [m for msgs in self.errors.values() for m in msgs]

    @property
    def service_type_code(self) -> str:
        return self.service_code[:2]

    @property
    def service_item_code(self) -> str:
        return self.service_code[2:]

    @property
    def kind_name(self) -> str:
        return service_kind_name(self.service_type_code) if self.service_type_code else ""

    @property
    def is_equipment(self) -> bool:
        return self.service_type_code in WELFARE_KINDS

    @property
    def counts(self) -> list[int]:
        return [int(v) if v.isdigit() else 0 for v in self.days]

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def is_blank(self) -> bool:
        return not (
            self.provider_office_number
            or self.service_code
            or self.start
            or self.end
            or any(self.days)
            or self.units_entered
            or self.tais_code
            or self.notified_code
        )

    @property
    def start_hhmm(self) -> str:
        return to_hhmm(self.start)

    @property
    def end_hhmm(self) -> str:
        return to_hhmm(self.end)

    @property
    def units_value(self) -> int | None:
        return int(self.units_entered) if self.units_entered.isdigit() else None

    @property
    def prorated_flags(self) -> str:
        if not self.prorated:
            return ""
        return "".join("1" if c else "0" for c in self.counts)


def _half(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip()


def to_hhmm(value: str) -> str:
    """'9:00' / '0900' → '0900'; blank or 9999 → '9999'; anything else is returned as typed."""
    value = _half(value)
    if value in ("", NO_TIME, "99:99"):
        return NO_TIME
    m = _TIME_RE.fullmatch(value)
    if not m:
        return value
    return f"{int(m[1]):02d}{m[2]}"


def display_time(hhmm: str) -> str:
    if not hhmm or hhmm == NO_TIME:
        return ""
    return f"{hhmm[:2]}:{hhmm[2:]}" if len(hhmm) == 4 and hhmm.isdigit() else hhmm


def rows_from_lines(lines) -> list[GridRow]:
    rows = []
    for i, line in enumerate(lines):
        rows.append(
            GridRow(
                index=i,
                line_id=line.pk,
                provider_office_number=line.provider_office_number,
                provider_name=line.provider_name,
                service_code=line.service_code,
                start=display_time(line.start_time),
                end=display_time(line.end_time),
                days=[str(n) if n else "" for n in (list(line.planned_days) + [0] * 31)[:31]],
                units_entered="" if line.units_entered is None else str(line.units_entered),
                tais_code=line.tais_code,
                notified_code=line.notified_code,
                equipment_name=line.equipment_name,
                prorated=bool(line.prorated_days),
                over="" if line.class_over_units is None else str(line.class_over_units),
                discount_rate=line.discount_rate,
                satellite_branch=line.satellite_branch,
                over30_received=frozenset(d for d, c in enumerate(line.over30_received, start=1) if c == "1"),
            )
        )
    return rows


def over_mode_from(data: Mapping, default: str = "auto") -> str:
    """The 区分支給限度 allocation the page posts (``over_mode``), or ``default``."""
    getlist = data.getlist if hasattr(data, "getlist") else (lambda k: data.get(k, []))
    values = getlist("over_mode")
    value = values if isinstance(values, str) else (values[-1] if values else "")
    return value if value in ("auto", "chosen") else default


def rows_from_post(data: Mapping) -> list[GridRow]:
    """Rows in page order (each row posts ``row=<index>``). Blank rows are dropped."""
    getlist = data.getlist if hasattr(data, "getlist") else (lambda k: data.get(k, []))
    rows = []
    for n, idx in enumerate(getlist("row")):
        idx = str(idx)

        def get(name, default="", idx=idx):
            values = getlist(f"line-{idx}-{name}")
            if isinstance(values, str):
                return values
            return values[-1] if values else default

        line_id = get("id")
        row = GridRow(
            index=n,
            line_id=int(line_id) if str(line_id).isdigit() else None,
            provider_office_number=_half(get("provider")),
            provider_name=get("provider_name").strip(),
            service_code=_half(get("code")).upper(),
            start=_half(get("start")),
            end=_half(get("end")),
            days=[_half(get(f"d{d}")) for d in range(1, 32)],
            units_entered=_half(get("units")),
            tais_code=_half(get("tais")),
            notified_code=_half(get("notified")),
            equipment_name=get("equipment").strip(),
            prorated=bool(get("prorated")),
            over=_half(get("over")),
        )
        if not row.is_blank:
            rows.append(row)
    for i, row in enumerate(rows):
        row.index = i
    return rows


def short_stay_before_from(data: Mapping, default: int | None = None) -> tuple[str, int | None, str | None]:
    """The 前月までの短期入所利用日数 the page posts (``short_stay_before``): (as typed, value, error).
    Blank means "calculate from the previous month"."""
    getlist = data.getlist if hasattr(data, "getlist") else (lambda k: data.get(k, []))
    values = getlist("short_stay_before")
    if not values:
        return ("" if default is None else str(default)), default, None
    raw = values if isinstance(values, str) else values[-1]
    value = _half(raw)
    if value == "":
        return "", None, None
    if not value.isdigit() or len(value) > 5:
        return (
            raw,
            default,
            (
                f"前月までの短期入所利用日数は0〜99999の半角数字で入力してください（入力値「{raw}」）。"
                "前月の利用票から計算する場合は空欄にしてください。"
            ),
        )
    return raw, int(value), None


def rows_to_payload(rows: Iterable[GridRow], *, over_mode: str = "auto", short_stay_before: str = "") -> dict:
    """A JSON-able form of the rows, the over-limit allocation and the typed 短期入所 days (for drafts)."""
    out: dict[str, list[str]] = {"row": [], "over_mode": [over_mode], "short_stay_before": [short_stay_before]}
    for r in rows:
        i = str(r.index)
        out["row"].append(i)
        values = {
            "id": "" if r.line_id is None else str(r.line_id),
            "provider": r.provider_office_number,
            "provider_name": r.provider_name,
            "code": r.service_code,
            "start": r.start,
            "end": r.end,
            "units": r.units_entered,
            "tais": r.tais_code,
            "notified": r.notified_code,
            "equipment": r.equipment_name,
            "prorated": "1" if r.prorated else "",
            "over": r.over,
        }
        values.update({f"d{d}": r.days[d - 1] for d in range(1, 32)})
        for k, v in values.items():
            out[f"line-{i}-{k}"] = [v]
    return out


class PayloadDict(dict):
    def getlist(self, key):
        value = self.get(key, [])
        return value if isinstance(value, list) else [value]


# --------------------------------------------------------------------------- checking


@dataclass
class CheckContext:
    """What the checks need besides the rows (loaded by the caller in a fixed number of queries)."""

    month: date
    masters: MonthMasters
    certifications: list  # Certification rows of the client
    client_services: set[tuple[str, str]]  # (provider office number, kind)
    renkei_kinds: dict[str, set[str]]  # Renkei office number → its service kinds
    provider_names: dict[str, str]  # office number → name (Renkei offices and client services)

    @property
    def days_in_month(self) -> int:
        return calendar.monthrange(self.month.year, self.month.month)[1]


def _period_text(c) -> str:
    return f"{wareki_date(c.valid_from)}〜{wareki_date(c.valid_to)}"


def _level_name(level: str) -> str:
    from portal.clients.models import CareLevel

    try:
        return CareLevel(level).label
    except ValueError:
        return level


def _check_care_level(row: GridRow, info, ctx: CheckContext, certs: list, where: str) -> None:
    """A code for another 要介護状態区分 (e.g. 151511 要介護1 for a 要介護3 利用者) on any planned day."""
    allowed = info.care_level_set
    days = [d for d, n in enumerate(row.counts, start=1) if n and d <= ctx.days_in_month] or (
        [1] if row.is_rate else []
    )
    wrong: dict[str, list[int]] = {}
    for d in days:
        day = ctx.month.replace(day=d)
        cert = max((c for c in certs if c.valid_from <= day <= c.valid_to), key=lambda c: c.valid_from, default=None)
        if cert is not None and cert.care_level not in allowed:
            wrong.setdefault(cert.care_level, []).append(d)
    for level, wrong_days in wrong.items():
        stem = info.name.split("・要介護")[0]
        fitting = sorted(
            c.code
            for c in ctx.masters.codes.values()
            if level in c.care_level_set
            and c.name.split("・要介護")[0] == stem
            and c.service_type_code == info.service_type_code
        )
        hint = (
            f"要介護状態区分に合うコード（{'、'.join(fitting)}）を入力してください。"
            if fitting
            else "要介護状態区分に合うサービスコードを入力してください。"
        )
        for_levels = "・".join(_level_name(v) for v in sorted(allowed))
        when = "" if len(wrong_days) == len(days) else f"（{', '.join(f'{d}日' for d in wrong_days)}）"
        row.error(
            "code",
            f"{where}: サービスコード {info.code}（{info.name}）は{for_levels}の方のコードですが、"
            f"この利用者は{_level_name(level)}です{when}。{hint}",
        )


def check_rows(rows: list[GridRow], ctx: CheckContext) -> list[str]:
    """Fill each row's ``errors`` (Japanese, saying what and where); return the sheet-level errors."""
    sheet_errors: list[str] = []
    first = ctx.month
    last = first.replace(day=ctx.days_in_month)
    certs = [c for c in ctx.certifications if c.valid_from <= last and c.valid_to >= first]
    month_label = wareki_month(first)
    if not certs:
        sheet_errors.append(
            f"{month_label}に有効な認定がありません。利用者の認定情報（認定有効期間）を登録してください。"
        )

    def certified(day: date) -> bool:
        return any(c.valid_from <= day <= c.valid_to for c in certs)

    for row in rows:
        no = row.index + 1
        where = f"{no}行目"
        # provider
        if not re.fullmatch(r"\d{10}", row.provider_office_number):
            row.error(
                "provider",
                f"{where}: 事業所番号は半角数字10桁で入力してください（入力値「{row.provider_office_number}」）。",
            )
        # service code
        code = row.service_code
        info = None
        if not re.fullmatch(r"[0-9A-Z]{6}", code):
            row.error(
                "code",
                f"{where}: サービスコードは6桁（種類2桁＋項目4桁、例: 111211）で入力してください（入力値「{code}」）。",
            )
        else:
            info = ctx.masters.code(code)
            if info is None:
                row.error(
                    "code",
                    f"{where}: サービスコード {code} は{month_label}に有効なコードとしてマスタにありません。"
                    "コードか対象年月を確認してください。",
                )
            else:
                row.name = info.name
                row.is_rate = info.is_rate
                row.is_addon = info.is_addon
                row.units_entered_required = info.units_entered
        # provider offers the kind
        if code and len(code) >= 2 and re.fullmatch(r"\d{10}", row.provider_office_number):
            kind = code[:2]
            number = row.provider_office_number
            name = row.provider_name or ctx.provider_names.get(number, "")
            label = f"{number}（{name}）" if name else number
            if number in ctx.renkei_kinds:
                if kind not in ctx.renkei_kinds[number]:
                    offered = (
                        "・".join(f"{k} {service_kind_name(k)}" for k in sorted(ctx.renkei_kinds[number])) or "なし"
                    )
                    row.error(
                        "provider",
                        f"{where}: 事業所 {label} は サービス種類 {kind}（{service_kind_name(kind)}）を提供していません"
                        f"（提供しているサービス: {offered}）。",
                    )
            elif (number, kind) not in ctx.client_services:
                row.error(
                    "provider",
                    f"{where}: 事業所 {label} の サービス種類 {kind}（{service_kind_name(kind)}）は、"
                    "利用者の「利用するサービス事業所」に登録がありません。利用者の情報に登録してから入力してください。",
                )
        # times
        start, end = row.start_hhmm, row.end_hhmm
        for key, label, value, raw in (("start", "開始時刻", start, row.start), ("end", "終了時刻", end, row.end)):
            if value == NO_TIME:
                continue
            ok = len(value) == 4 and value.isdigit() and int(value[:2]) <= 23 and int(value[2:]) <= 59
            if not ok:
                row.error(
                    key,
                    f"{where}: {label}「{raw}」は正しい時刻ではありません。00:00〜23:59 で入力してください"
                    "（時間の無いサービスは空欄）。",
                )
        if not row.errors.get("start") and not row.errors.get("end"):
            if (start == NO_TIME) != (end == NO_TIME) and not row.is_rate:
                row.error(
                    "end",
                    f"{where}: 開始時刻と終了時刻は両方とも入力するか、両方とも空欄（時間の無いサービス）にしてください。",
                )
            elif start != NO_TIME and end != NO_TIME and end <= start:
                row.error(
                    "end",
                    f"{where}: 終了時刻（{display_time(end)}）が開始時刻（{display_time(start)}）より後になっていません。",
                )
        # day cells
        bad_days = []
        outside = []
        for d, raw in enumerate(row.days, start=1):
            if raw == "":
                continue
            if not raw.isdigit() or int(raw) > 99:
                bad_days.append(f"{d}日「{raw}」")
                continue
            if int(raw) == 0:
                continue
            if d > ctx.days_in_month:
                row.error("days", f"{where}: {month_label}に{d}日はありません。")
                continue
            if certs and not certified(first.replace(day=d)):
                outside.append(d)
        if info is not None and info.care_levels and certs:
            _check_care_level(row, info, ctx, certs, where)
        if bad_days:
            row.error("days", f"{where}: 回数は0〜99の数字で入力してください（{', '.join(bad_days)}）。")
        if outside:
            periods = "、".join(_period_text(c) for c in certs)
            row.error("days", f"{where}: {', '.join(f'{d}日' for d in outside)}は認定有効期間（{periods}）の外です。")
        if not row.is_rate and not any(row.counts) and not bad_days:
            row.error("days", f"{where}: 予定の日が1日も入力されていません。利用する日に回数を入れてください。")
        # typed units and equipment codes
        if row.units_entered and not row.units_entered.isdigit():
            row.error("units", f"{where}: 単位数は半角数字で入力してください（入力値「{row.units_entered}」）。")
        elif info is not None and info.units_entered and not row.units_value:
            row.error("units", f"{where}: {info.name}は単位数（貸与価格÷10）を入力してください。")
        if row.is_equipment and not (row.tais_code or row.notified_code):
            row.error(
                "tais", f"{where}: 福祉用具貸与は TAISコード か 福祉用具届出コード のどちらかを入力してください。"
            )
        for key, label, value in (
            ("tais", "TAISコード", row.tais_code),
            ("notified", "福祉用具届出コード", row.notified_code),
        ):
            if value and not re.fullmatch(r"[0-9A-Za-z\-]{1,12}", value):
                row.error(
                    key, f"{where}: {label}は英数字とハイフンで12文字以内で入力してください（例: 00001-000010）。"
                )
        if row.prorated and info is not None and info.calc_unit != CalcUnit.PER_DAY:
            row.error(
                "prorated",
                f"{where}: 日割にするときは日割用のサービスコード（算定単位が「日」のもの）を入力してください。",
            )
    return sheet_errors


# --------------------------------------------------------------------------- 第7表


def code_infos(masters: MonthMasters) -> dict[str, CodeInfo]:
    return {
        code: CodeInfo(
            code=code,
            name=sc.name,
            units=sc.units,
            calc_unit=sc.calc_unit,
            limit_target=sc.limit_target,
            rate_permille=sc.rate_permille,
            units_entered=sc.units_entered,
        )
        for code, sc in masters.codes.items()
    }


def benefit_limit_of_month(certifications, month: date, masters: MonthMasters) -> int:
    """区分支給限度基準額 of the month: the largest of the certifications overlapping it
    (a mid-month 区分変更 uses the higher limit for the whole month)."""
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    limits = []
    for c in certifications:
        if c.valid_from <= last and c.valid_to >= month:
            limits.append(c.benefit_limit_units or masters.benefit_limit(c.care_level) or c.limit_units)
    return max(limits) if limits else 0


def build_annex(
    *,
    rows: Iterable[GridRow],
    masters: MonthMasters,
    certifications,
    kind_limits: Mapping[str, int],
    benefit_rate: int,
    provider_grades: Mapping[str, str],
    default_grade: str,
    over_mode: str = "auto",
) -> Annex:
    """The 第7表 of the rows. With ``over_mode="chosen"`` the rows' ``over`` say where the units over the
    区分支給限度 fall; a row whose choice cannot be used gets an error under ``"over"``."""
    rows = list(rows)
    chosen = over_mode == "chosen"
    for r in rows:
        if chosen and r.over and not r.over.isdigit():
            r.error("over", f"{r.index + 1}行目: 限度超の単位数は半角数字で入力してください（入力値「{r.over}」）。")
    lines = [
        AnnexLine(
            provider_office_number=r.provider_office_number,
            provider_name=r.provider_name,
            service_code=r.service_code,
            days=r.counts,
            units_entered=r.units_value,
            tais_code=r.tais_code,
            notified_code=r.notified_code,
            equipment_name=r.equipment_name,
            line_id=r.line_id,
            chosen_class_over=int(r.over) if chosen and r.over.isdigit() else None,
            discount_rate=r.discount_rate,
            over30_days=r.over30_days,
        )
        for r in rows
    ]

    def price(office_number: str, kind: str) -> Decimal:
        grade = provider_grades.get(office_number, default_grade)
        return masters.unit_price(regional_grade=grade, service_type_code=kind)

    annex = calculate_annex(
        lines=lines,
        codes=code_infos(masters),
        benefit_limit_units=benefit_limit_of_month(certifications, masters.first, masters),
        benefit_rate=benefit_rate,
        unit_price_for=price,
        kind_limits=kind_limits,
        chosen_over=chosen,
    )
    by_line: dict = {}
    for r in annex.rows:
        by_line.setdefault(id(r.line), r)
    row_of = {id(line): row for row, line in zip(rows, lines)}
    for row, line in zip(rows, lines):
        annex_row = by_line.get(id(line))
        if annex_row is not None:
            row.over_units = annex_row.over
            row.default_over = annex.default_class_over.get(id(line), 0)
    for line, message in annex.allocation_problems:
        row = row_of.get(id(line)) if line is not None else None
        if row is not None:
            row.error("over", f"{row.index + 1}行目: {message}")
    return annex


def weekday_header(month: date) -> list[dict]:
    days = calendar.monthrange(month.year, month.month)[1]
    out = []
    for d in range(1, 32):
        if d > days:
            out.append({"day": d, "weekday": "", "wd": "", "cls": "void"})
            continue
        wd = month.replace(day=d).weekday()
        out.append({"day": d, "weekday": WEEKDAYS[wd], "wd": wd, "cls": "sat" if wd == 5 else "sun" if wd == 6 else ""})
    return out
