"""HTML of the 第6表 day grid rows, built in Python.

A month's grid is up to a few thousand inputs (31 day cells per line); rendering them through
template loops made the page ~40× slower than a trivial page. Building each row with one
``str.join`` keeps the page within a small multiple of a trivial view (see bench/schedule_page.py).
Every value is escaped with ``django.utils.html.escape``.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from portal.schedules.grid import GridRow

# 「曜日で入力」 applies a choice only when confirmed: the 入力 button, Enter on the select, or a pick from
# its list with the mouse (static/js/schedules.js). Moving through the choices with ↓ changes nothing.
WEEKFILL = (
    '<span class="weekfill-box"><select class="weekfill" aria-label="曜日でまとめて入力"><option value="">曜日で入力</option>'
    '<option value="0">毎週月</option><option value="1">毎週火</option><option value="2">毎週水</option>'
    '<option value="3">毎週木</option><option value="4">毎週金</option><option value="5">毎週土</option>'
    '<option value="6">毎週日</option><option value="clear">すべて消す</option></select>'
    '<button type="button" class="button small weekfill-apply" aria-label="選んだ曜日を入力">入力</button></span>'
)
RATE_NOTE = "処遇改善加算など率で計算する加算です。日付の入力は不要です（第7表で月1回、自動計算）。"


def row_label(row: GridRow | None) -> str:
    """What a line is, for the accessible name of its day cells: 「訪問介護 身体介護２（…） 09:00〜10:00」.
    static/js/schedules.js keeps it up to date while the care manager types."""
    if row is None or not row.service_code:
        return "サービス未入力の行"
    parts = [row.kind_name, row.name or row.service_code]
    if row.start or row.end:
        parts.append(f"{row.start}〜{row.end}")
    return " ".join(p for p in parts if p)


def _bad(row: GridRow | None, key: str) -> str:
    """A refused field: marked, named by the sheet's error summary (its id) and described by its line's
    messages (the error line under it)."""
    if row is None or not row.errors.get(key):
        return ""
    p = f"line-{escape(str(row.index))}-"
    return f' class="bad" id="{p}{key}" aria-invalid="true" aria-describedby="{p}errors"'


def row_html(row: GridRow | None, header: list[dict], index: str, *, blank: bool = False) -> SafeString:
    """One line (and its error line). ``row`` None gives a blank line (the template row, or with
    ``blank`` one of the empty lines at the end of the grid)."""
    i = escape(index)
    r = row or GridRow(index=0)
    e = escape
    classes = "line blank" if blank else "line"
    if row is not None and row.has_errors:
        classes += " row-error"
    if row is not None and row.over_units:
        classes += " over-line"
    name = ""
    if r.name:
        name = e(r.name) + ("（月1回・自動計算）" if r.is_rate else "")
    equip_show = " show" if (r.is_equipment or r.units_entered_required or r.units_entered) else ""
    p = f"line-{i}-"
    parts = [
        f'<tr class="{classes}" data-row="{i}"><td class="provider">',
        f'<input type="hidden" name="row" value="{i}"><input type="hidden" name="{p}id" value="{"" if r.line_id is None else r.line_id}">',
        f'<input type="text" name="{p}provider" value="{e(r.provider_office_number)}" list="provider-options" inputmode="numeric" '
        f'maxlength="10" placeholder="事業所番号" aria-label="事業所番号" autocomplete="off"{_bad(row, "provider")}>',
        f'<input type="hidden" name="{p}provider_name" value="{e(r.provider_name)}">',
        f'<span class="name provider-name">{e(r.provider_name)}</span></td>',
        f'<td class="code"><input type="text" name="{p}code" value="{e(r.service_code)}" list="code-options" maxlength="6" '
        f'placeholder="コード" aria-label="サービスコード" autocomplete="off"{_bad(row, "code")}>',
        f'<span class="name code-name">{name}</span><span id="{p}name" hidden>{e(row_label(row))}</span>'
        f'<div class="equip{equip_show}">',
        f'<label>単位数<input type="text" name="{p}units" value="{e(r.units_entered)}" inputmode="numeric" placeholder="貸与価格÷10"{_bad(row, "units")}></label>',
        f'<label>TAIS<input type="text" name="{p}tais" value="{e(r.tais_code)}" maxlength="12" placeholder="00001-000010"{_bad(row, "tais")}></label>',
        f'<label>届出<input type="text" name="{p}notified" value="{e(r.notified_code)}" maxlength="12" placeholder="福祉用具届出コード"{_bad(row, "notified")}></label>',
        f'<label>用具名<input type="text" name="{p}equipment" value="{e(r.equipment_name)}" placeholder="用具名称（機種名）"></label></div></td>',
        f'<td class="time"><input type="text" name="{p}start" value="{e(r.start)}" placeholder="09:00" maxlength="5" aria-label="開始時刻"{_bad(row, "start")}>'
        f'〜<input type="text" name="{p}end" value="{e(r.end)}" placeholder="10:00" maxlength="5" aria-label="終了時刻"{_bad(row, "end")}>{WEEKFILL}</td>',
        f'<td class="prorated"><input type="checkbox" name="{p}prorated" value="1"{" checked" if r.prorated else ""} aria-label="日割"{_bad(row, "prorated")}></td>',
    ]
    if r.is_rate:
        hidden = "".join(f'<input type="hidden" name="{p}d{h["day"]}" value="">' for h in header)
        bad = (
            f' id="{p}days" tabindex="-1" aria-describedby="{p}errors"'
            if row is not None and row.errors.get("days")
            else ""
        )
        parts.append(f'<td class="rate-note" colspan="{len(header)}"{bad}>{RATE_NOTE}{hidden}</td>')
    else:
        days_bad = row is not None and bool(row.errors.get("days"))
        bad_days = " bad" if days_bad else ""
        invalid = f' aria-invalid="true" aria-describedby="{p}errors"' if days_bad else ""
        first = True
        for h, value in zip(header, r.days):
            day = h["day"]
            if h["cls"] == "void":
                parts.append(
                    f'<td class="day void"><input name="{p}d{day}" value="{e(value)}" tabindex="-1" aria-hidden="true"></td>'
                )
            else:
                anchor = f' id="{p}days"' if days_bad and first else ""
                first = False
                parts.append(
                    f'<td class="day {h["cls"]}"><input name="{p}d{day}" value="{e(value)}" inputmode="numeric" '
                    f'maxlength="2" placeholder=" " aria-labelledby="{p}name day-{day}" data-wd="{h["wd"]}" '
                    f'class="d{bad_days}"{anchor}{invalid}></td>'
                )
    total = r.total if row is not None and r.total else ""
    parts.append(
        f'<td class="total"><span class="count">{total}</span>'
        f'<label class="over-in">限度超<input type="text" name="{p}over" value="{e(r.over)}" inputmode="numeric" '
        f'maxlength="6" placeholder="{r.default_over or ""}" aria-label="この行の限度超の単位数"{_bad(row, "over")}>単位</label>'
        f'<button type="button" class="button small danger del" aria-label="この行を削除">削除</button></td></tr>'
    )
    if row is not None and row.has_errors:
        # Not alerts one by one: the sheet's error summary announces them and links to each field.
        messages = "".join(f"<p>{e(m)}</p>" for m in row.all_errors)
        parts.append(f'<tr class="errors"><td colspan="{len(header) + 5}" id="{p}errors">{messages}</td></tr>')
    return mark_safe("".join(parts))
