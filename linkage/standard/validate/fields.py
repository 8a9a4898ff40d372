"""Field rules: one compiled checker per layout field (type, length, code lists), and the quoting check."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from ..codec import ZERO_DATE, ZERO_MONTH
from ..findings import ERROR, WARNING
from ..layouts import (
    CSV_VERSION_32,
    CSV_VERSION_41,
    KNOWN_WRONG_CSV_VERSIONS,
    T_ALNUM,
    T_CODE,
    T_DATE,
    T_DEC,
    T_DIGITS,
    T_FLAGS31,
    T_INT,
    T_PHONE,
    T_POSTAL,
    T_TIME,
    T_YM,
    Field,
    Layout,
)
from .common import _ALNUM, _DEC, _EQUIPMENT_CODE, _FLAGS31, _INT, _PHONE, _POSTAL, _TYPE_EXPECT, _codes_text

# --------------------------------------------------------------------------- field rules
# A checker takes the (non-empty) value and returns None or (severity, code, detail).


def _field_checker(layout: Layout, f: Field):
    t, n, name = f.type, f.length, f.name
    prefix = layout.prefix

    if f.no == 1:
        expected = layout.csv_version

        def check(v):
            if v == expected:
                return None
            why = KNOWN_WRONG_CSV_VERSIONS.get(v)
            if v == CSV_VERSION_32 and expected == CSV_VERSION_41 or v == CSV_VERSION_41 and expected == CSV_VERSION_32:
                why = "このファイルの他のレコードと版が異なります"
            extra = f"（{why}）" if why else ""
            return (
                ERROR,
                "csv_version",
                f"「{v}」はCSVバージョンとして正しくありません{extra}。"
                f"{'4.1版は「202407」' if expected == CSV_VERSION_41 else '3.2版は「202208」'}を指定してください。",
            )

        return check

    if t == T_YM:
        allow_zero = prefix == "UPHOSOKU" and name == "対象年月"

        def check(v):
            if v == ZERO_MONTH and allow_zero:
                return None
            if len(v) == 6 and v.isdigit() and v.isascii() and 1 <= int(v[4:]) <= 12 and v[:4] != "0000":
                return None
            zero = "（1表・2表に紐づく場合は000000）" if allow_zero else ""
            return (
                ERROR,
                "format",
                f"「{v}」は年月（YYYYMM）ではありません。{_TYPE_EXPECT[T_YM]}{zero}で指定してください。",
            )

        return check

    if t == T_DATE:
        allow_zero = prefix == "UPHOSOKU" and f.no == 4

        def check(v):
            if v == ZERO_DATE and allow_zero:
                return None
            if len(v) == 8 and v.isdigit() and v.isascii():
                try:
                    date(int(v[:4]), int(v[4:6]), int(v[6:]))
                    return None
                except ValueError:
                    pass
            zero = "（6表・7表に紐づく場合は00000000）" if allow_zero else ""
            return (
                ERROR,
                "format",
                f"「{v}」は実在する日付（YYYYMMDD）ではありません。{_TYPE_EXPECT[T_DATE]}{zero}で指定してください。",
            )

        return check

    if t == T_TIME:
        allow_9999 = bool(f.values and "9999" in f.values)

        def check(v):
            if allow_9999 and v == "9999":
                return None
            if len(v) == 4 and v.isdigit() and v.isascii():
                hh, mm = int(v[:2]), int(v[2:])
                if hh <= 23 and mm <= 59:
                    return None
                if v == "2400":
                    return (
                        WARNING,
                        "format",
                        "「2400」は24時として扱われます。終了時刻は0000〜2359で指定することを推奨します。",
                    )
            alt = "、時間表示の無いサービスは9999" if allow_9999 else ""
            return (
                ERROR,
                "format",
                f"「{v}」は時刻（HHMM）ではありません。{_TYPE_EXPECT[T_TIME]}{alt}で指定してください。",
            )

        return check

    if t == T_DIGITS:
        if name == "保険者番号":
            what = "保険者番号は6桁の数字（例: 131011）"
        elif n == 10:
            what = "事業所番号は10桁の数字"
        else:
            what = f"{n}桁の数字"
        fixed = None
        if f.values and len(f.values) == 1 and "固定" in next(iter(f.values.values())):
            fixed = next(iter(f.values))

        def check(v):
            if fixed is not None and v != fixed:
                return (ERROR, "fixed", f"「{v}」ではなく「{fixed}」（固定値）を指定してください。")
            if len(v) == n and v.isdigit() and v.isascii():
                return None
            return (ERROR, "format", f"「{v}」は{n}桁の数字ではありません。{what}で指定してください。")

        return check

    if t == T_ALNUM:
        if name == "被保険者番号":

            def check(v):
                if len(v) != 10:
                    return (
                        ERROR,
                        "format",
                        f"「{v}」は10桁ではありません。10桁の英数字（例: 0000012345 または H123456789）を指定してください。",
                    )
                if not (v.isascii() and _ALNUM.fullmatch(v)):
                    return (
                        ERROR,
                        "format",
                        f"「{v}」に半角英数字以外の文字があります。10桁の英数字（例: 0000012345 または H123456789）を指定してください。",
                    )
                if v[0] in "Hh" and not (v[0] == "H" and v[1:].isdigit()):
                    return (
                        ERROR,
                        "format",
                        f"「{v}」は生保単独の被保険者番号の形式ではありません。先頭H＋数字9桁（例: H123456789）で指定してください。",
                    )
                return None

            return check
        exact = name in ("サービスコード", "サービス種類コード") or name.endswith("サービス種類コード")
        is_equipment = name in ("TAISコード", "福祉用具届出コード")
        is_unused = name == "識別子"

        def check(v):
            if is_unused:
                return (WARNING, "unused", f"「{v}」: この項目は使用しません（※使用しない）。空にしてください。")
            if is_equipment:
                ok = len(v) <= n and _EQUIPMENT_CODE.fullmatch(v) is not None
                if not ok:
                    return (
                        ERROR,
                        "format",
                        f"「{v}」は{n}文字以内の英数字・ハイフン（例: 00001-000010）ではありません。",
                    )
                return None
            ok = v.isascii() and _ALNUM.fullmatch(v) is not None and (len(v) == n if exact else len(v) <= n)
            if ok:
                return None
            size = f"{n}桁" if exact else f"{n}桁以内"
            return (
                ERROR,
                "format",
                f"「{v}」は{size}の半角英数字ではありません。{size}の半角英数字で指定してください。",
            )

        return check

    if t == T_CODE:
        values = f.values or {}

        def check(v):
            if v in values:
                return None
            return (
                ERROR,
                "code",
                f"「{v}」は{name}のコードにありません。{_codes_text(values)} のいずれかを指定してください。",
            )

        return check

    if t == T_INT:
        allow_negative = "単位数" in name

        def check(v):
            if not (v.isascii() and _INT.fullmatch(v)):
                return (
                    ERROR,
                    "format",
                    f"「{v}」は整数ではありません。半角数字（区切り記号なし、例: 1234）で指定してください。",
                )
            if v.startswith("-") and not allow_negative:
                return (ERROR, "format", f"「{v}」: この項目にマイナスの値は指定できません。")
            digits = len(v.lstrip("-"))
            if n is not None and digits > n:
                return (ERROR, "length", f"「{v}」は{n}桁を超えています。{n}桁以内の整数で指定してください。")
            return None

        return check

    if t == T_DEC:

        def check(v):
            if v.isascii() and _DEC.fullmatch(v):
                return None
            return (
                ERROR,
                "format",
                f"「{v}」は99.99形式ではありません。整数部2桁以内・小数部2桁（例: 10.21）で指定してください。",
            )

        return check

    if t == T_POSTAL:

        def check(v):
            if v.isascii() and _POSTAL.fullmatch(v):
                return None
            return (
                ERROR,
                "format",
                f"「{v}」は郵便番号の形式ではありません。XXX-XXXX（例: 100-0001）で指定してください。",
            )

        return check

    if t == T_PHONE:

        def check(v):
            if len(v) > n:
                return (ERROR, "length", f"「{v}」は{n}文字を超えています。{n}文字以内で指定してください。")
            if not (v.isascii() and _PHONE.fullmatch(v)):
                return (WARNING, "format", f"「{v}」に半角数字・ハイフン以外の文字があります。")
            return None

        return check

    if t == T_FLAGS31:

        def check(v):
            if _FLAGS31.fullmatch(v):
                return None
            return (
                ERROR,
                "format",
                f"「{v}」は日割対象日の形式ではありません。1日から順に31文字の0/1で、日割請求可能日を1とします"
                "（例: 1111100000000000000000000000000）。日割り以外は空にしてください。",
            )

        return check

    # T_TEXT
    return None


#: values a checker accepted are remembered (per field, up to this many) so that the next
#: record with the same value skips the check; the checkers are pure functions of the value.
_MEMO_SIZE = 4096


@dataclass
class _Rules:
    layout: Layout
    checks: list  # (index, field, checker, memo set of accepted values)
    required: list  # (index, field, severity)
    text_idx: list
    clean: object = None  # row -> True when no field rule can fire (see _compile_clean)
    ix: dict = field(default_factory=dict)  # field name -> index of its first field
    no1: dict = field(default_factory=dict)  # field name -> 項目No. of its first field (Layout.no)
    sched: tuple | None = None  # field indices used by FileChecker._check_schedule


def _compile_clean(checks, required):
    """Build ``clean(row, version) -> bool``: True when every required field is filled and every
    checked value is one a checker already accepted (and field 1 equals ``version``).

    Only a shortcut: a record for which it answers False goes through the field rules one by
    one, exactly as before, so findings and their order do not change.
    """
    env: dict = {}
    conds = []
    req = {i for i, _f, _sev in required}
    checked = {}
    for i, _f, _check, memo in checks:
        checked[i] = memo
    for i in sorted(req | set(checked)):
        if i == 0:
            conds.append("r[0] == version")
            if 0 in checked:
                env["M0"] = checked[0]
                conds.append("r[0] in M0")
            continue
        if i in checked:
            env[f"M{i}"] = checked[i]
            conds.append(f"r[{i}] in M{i}" if i in req else f"(r[{i}] == '' or r[{i}] in M{i})")
        else:
            conds.append(f"r[{i}] != ''")
    src = "def clean(r, version):\n    return (" + " and\n            ".join(conds or ["True"]) + ")\n"
    exec(src, env)  # noqa: S102 - generated from layout data only
    return env["clean"]


_RULES: dict[tuple[str, str], _Rules] = {}


def _rules(layout: Layout) -> _Rules:
    key = (layout.prefix, layout.csv_version)
    r = _RULES.get(key)
    if r is None:
        checks = [(f.no - 1, f, _field_checker(layout, f), set()) for f in layout.fields]
        checks = [c for c in checks if c[2] is not None]
        required = [(f.no - 1, f, ERROR if f.required else WARNING) for f in layout.fields if f.required is not False]
        text_idx = [f.no - 1 for f in layout.fields if f.is_text]
        ix: dict[str, int] = {}
        for f in layout.fields:
            ix.setdefault(f.name, f.no - 1)
        r = _RULES[key] = _Rules(
            layout, checks, required, text_idx, _compile_clean(checks, required), ix, {k: v + 1 for k, v in ix.items()}
        )
    return r


# --------------------------------------------------------------------------- quoting check

_TOKEN = re.compile(r'"((?:[^"]|"")*)"|([^,\r\n]*)')


def _quoted_flags(raw: str) -> list[bool]:
    body = raw[:-2] if raw.endswith("\r\n") else raw[:-1] if raw.endswith(("\n", "\r")) else raw
    flags = []
    pos = 0
    end = len(body)
    while True:
        m = _TOKEN.match(body, pos)
        flags.append(m.group(1) is not None)
        pos = m.end()
        if pos >= end or body[pos] != ",":
            break
        pos += 1
        if pos == end:
            flags.append(False)
            break
    return flags
