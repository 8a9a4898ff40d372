"""Cross-file and set rules: the checks of one send unit's file set (:func:`check_unit`: required
files, links between tables, 第6表 against 第7表 and 補足) and the service-code master check."""

from __future__ import annotations

from collections import defaultdict

from ..codec import ZERO_MONTH
from ..filename import FileName
from ..findings import ERROR, WARNING, Finding
from ..layouts import (
    CARE_BENEFIT_KINDS,
    CARE_LEVEL_PROGRAM_ONLY,
    CARE_LEVELS_CARE,
    CARE_LEVELS_SUPPORT,
    PREVENTION_BENEFIT_KINDS,
)
from .checker import ParsedFile
from .common import _INT, _SUBTOTAL, MAX_PER_RULE, TOTAL_SERVICE_CODE
from .units import UNIT_KINDS, unit_kind_of

_REQUIRED = {"plan": {"UP2KYO", "UP3KYO", "UPHOSOKU"}, "schedule": {"UPSIKYU", "UPHOSOKU"}}
#: (child prefix, child key field Nos) → (parent prefix, parent key field Nos)
_LINKS = {
    "plan": [
        ("UP2KYO", (2, 3, 5), "UP1KYO", (2, 3, 14)),
        ("UP3KYO", (2, 3, 5), "UP1KYO", (2, 3, 14)),
        ("UPHOSOKU", (2, 3, 4), "UP1KYO", (2, 3, 14)),
    ],
    "schedule": [
        ("UPSIKYU", (2, 3, 5), "UPPLAN", (2, 3, 5)),
        ("UPHOSOKU", (2, 3, 63), "UPPLAN", (2, 3, 5)),
    ],
    "prevention": [
        ("UPKIHON_SUB1", (2, 3, 4), "UPKIHON", (2, 3, 4)),
        ("UPKIHON_SUB2", (2, 3, 4), "UPKIHON", (2, 3, 4)),
        ("UPYOBO_SUB", (2, 3, 4), "UPYOBO", (2, 3, 4)),
    ],
}
_PARENT_NAMES = {
    "UP1KYO": "居宅サービス計画1表",
    "UPPLAN": "第6表（サービス利用票）",
    "UPKIHON": "利用者基本情報",
    "UPYOBO": "介護予防サービス・支援計画書",
}


def _unit_label(fn: FileName) -> str:
    s = f"{fn.sender_office}_{fn.sender_kind}" if fn.sender_kind else fn.sender_office
    r = f"{fn.recipient_office}_{fn.recipient_kind}" if fn.recipient_kind else fn.recipient_office
    return f"送信単位 ファイル連番{fn.sequence}（{s}→{r}）"


def check_unit(files: list[ParsedFile], *, lenient: bool = False) -> list[Finding]:
    """Cross-file rules for the files of one send unit (same route and ファイル連番).

    With ``lenient`` (import), rules whose breach leaves the data usable are warnings."""
    out: list[Finding] = []
    fn0 = files[0].file_name
    label = _unit_label(fn0)
    by_prefix: dict[str, list[ParsedFile]] = defaultdict(list)
    for pf in files:
        by_prefix[pf.file_name.prefix].append(pf)
    for prefix, pfs in by_prefix.items():
        if len(pfs) > 1:
            names = "、".join(p.name for p in pfs)
            out.append(
                Finding(
                    ERROR,
                    label,
                    None,
                    None,
                    None,
                    f"同じファイル連番の{prefix}ファイルが{len(pfs)}個あります（{names}）。"
                    "1つの送信単位に同じ種類のファイルは1つです。別の送信単位には別のファイル連番を付けてください。",
                    "sequence_duplicate",
                )
            )
    hosoku = by_prefix.get("UPHOSOKU")
    hosoku_month = hosoku[0].file_name.month if hosoku else None
    kind = unit_kind_of(by_prefix, hosoku_month)
    if kind is None:
        names = "、".join(sorted(by_prefix))
        out.append(
            Finding(
                ERROR,
                label,
                None,
                None,
                None,
                f"同じファイル連番に、1つの送信単位にできない組み合わせのファイル（{names}）があります。"
                "送信単位ごとに別のファイル連番を付けてください。",
                "unit_mix",
            )
        )
        return out
    allowed, required, desc = UNIT_KINDS[kind]
    if not (required & set(by_prefix)):
        out.append(
            Finding(
                ERROR,
                label,
                None,
                None,
                None,
                f"{desc}の送信単位に{'・'.join(sorted(required))}がありません。従属するファイルだけは送れません。",
                "unit_parent_missing",
            )
        )
    for pfx in sorted(_REQUIRED.get(kind, set()) - set(by_prefix)):
        if pfx == "UP3KYO" and fn0.version == 3:
            continue
        out.append(
            Finding(
                ERROR,
                label,
                None,
                None,
                None,
                f"{desc}の送信単位に{pfx}（{_FILE_NAMES.get(pfx, pfx)}）がありません。送信単位は必要なファイルがすべてそろった組です"
                "（足りない組を取り込むと、前に受け取った内容の一部が消えてしまいます）。送信元にそろえて送り直すよう依頼してください。",
                "unit_incomplete",
            )
        )
    if kind == "prevention":
        for child, parent in (("UPKIHON_SUB1", "UPKIHON"), ("UPKIHON_SUB2", "UPKIHON"), ("UPYOBO_SUB", "UPYOBO")):
            if child in by_prefix and parent not in by_prefix:
                out.append(
                    Finding(
                        ERROR,
                        by_prefix[child][0].name,
                        None,
                        None,
                        None,
                        f"{child}は{parent}と同じ送信単位で送ってください。",
                        "unit_parent_missing",
                    )
                )
    # month rules
    if kind == "schedule":
        months = {pf.file_name.month for pf in files}
        if len(months) > 1:
            out.append(
                Finding(
                    ERROR,
                    label,
                    None,
                    None,
                    None,
                    f"利用票の送信単位に異なる年月のファイルがあります（{'、'.join(sorted(m or '' for m in months))}）。"
                    "提供年月ごとに別の送信単位（別のファイル連番）にしてください。",
                    "unit_month",
                )
            )
    if kind == "plan" and hosoku and hosoku_month != ZERO_MONTH:
        out.append(
            Finding(
                ERROR,
                hosoku[0].name,
                None,
                None,
                None,
                "計画書と一緒に送る利用者補足情報のファイル名の提供年月は「000000」です。",
                "unit_month",
            )
        )
    # key links
    for child, ckeys, parent, pkeys in _LINKS.get(kind, []):
        if child not in by_prefix or parent not in by_prefix:
            continue
        ppf, cpf = by_prefix[parent][0], by_prefix[child][0]
        if ppf.layout is None or cpf.layout is None:
            continue
        parent_keys = {tuple(r[i - 1] for i in pkeys) for r in ppf.rows if len(r) == ppf.layout.field_count}
        child_keys = set()
        count = 0
        for recno, r in zip(cpf.row_numbers, cpf.rows):
            if len(r) != cpf.layout.field_count:
                continue
            key = tuple(r[i - 1] for i in ckeys)
            child_keys.add(key)
            if key not in parent_keys:
                count += 1
                if count <= MAX_PER_RULE:
                    f = cpf.layout.field(ckeys[2])
                    out.append(
                        Finding(
                            ERROR,
                            cpf.name,
                            recno,
                            f.no,
                            f.name,
                            f"保険者番号「{key[0]}」被保険者番号「{key[1]}」{f.name}「{key[2]}」に対応する{_PARENT_NAMES[parent]}（{ppf.name}）のレコードがありません。",
                            "unit_key",
                        )
                    )
        if count > MAX_PER_RULE:
            out.append(
                Finding(
                    ERROR,
                    cpf.name,
                    None,
                    None,
                    None,
                    f"親レコードのないレコードがほかに{count - MAX_PER_RULE}件あります。",
                    "unit_key",
                )
            )
        if (child, parent) in (("UPHOSOKU", "UP1KYO"), ("UPSIKYU", "UPPLAN"), ("UPHOSOKU", "UPPLAN")):
            for recno, r in zip(ppf.row_numbers, ppf.rows):
                if len(r) == ppf.layout.field_count and tuple(r[i - 1] for i in pkeys) not in child_keys:
                    f = ppf.layout.field(pkeys[2])
                    out.append(
                        Finding(
                            WARNING,
                            ppf.name,
                            recno,
                            None,
                            None,
                            f"被保険者番号「{r[2]}」の{child}レコードが同じ送信単位にありません。",
                            "unit_child_missing",
                        )
                    )
                    child_keys.add(tuple(r[i - 1] for i in pkeys))  # once per key
    if kind == "schedule" and "UPPLAN" in by_prefix:
        out.extend(_check_schedule_set(by_prefix, lenient))
    return out


# --------------------------------------------------------------------------- cross-file rules

_FILE_NAMES = {
    "UPHOSOKU": "利用者補足情報",
    "UP1KYO": "居宅サービス計画1表",
    "UP2KYO": "居宅サービス計画2表",
    "UP3KYO": "居宅サービス計画3表",
    "UPPLAN": "第6表",
    "UPSIKYU": "第7表",
}


def _int(v: str) -> int | None:
    return int(v) if v and _INT.fullmatch(v) else None


def _usable(pf: ParsedFile) -> list[tuple[int, list[str]]]:
    if pf.layout is None:
        return []
    n = pf.layout.field_count
    return [(recno, r) for recno, r in zip(pf.row_numbers, pf.rows) if len(r) == n]


def _check_schedule_set(by_prefix: dict[str, list[ParsedFile]], lenient: bool) -> list[Finding]:
    """第6表 ↔ 第7表 ↔ 利用者補足情報 of one 利用票 unit (§d-4, §d-5)."""
    out: list[Finding] = []
    soft = WARNING if lenient else ERROR
    plan = by_prefix["UPPLAN"][0]
    if plan.layout is None:
        return out
    P = plan.layout.no
    i_ins, i_num, i_units, i_count, i_code, i_office = (
        1,
        2,
        P("単位数") - 1,
        P("サービス回数") - 1,
        P("サービスコード") - 1,
        P("サービス事業者コード") - 1,
    )
    # 6表 per (user, provider, code): occurrences and units × occurrences; first record
    six: dict[tuple, list] = {}
    providers: dict[tuple, tuple] = {}
    for recno, r in _usable(plan):
        key = (r[i_ins], r[i_num], r[i_office], r[i_code])
        count, units = _int(r[i_count]), _int(r[i_units])
        entry = six.setdefault(key, [0, 0, True, recno])
        entry[0] += count or 0
        if units is None or count is None or units == 0:
            entry[2] = False  # units not stated (e.g. 率加算 in 実績): no unit comparison
        else:
            entry[1] += units * count
        providers.setdefault((r[i_ins], r[i_num], r[i_office]), (recno, r[i_code]))
    sikyu = by_prefix.get("UPSIKYU", [None])[0]
    if sikyu is not None and sikyu.layout is not None:
        S = sikyu.layout.no
        s_office, s_code, s_count, s_amount = (
            S("サービス事業所コード") - 1,
            S("サービスコード") - 1,
            S("回数／日数") - 1,
            S("サービス単位金額") - 1,
        )
        seven: dict[tuple, list] = {}
        offices: set = set()
        users: set = set()
        for recno, r in _usable(sikyu):
            users.add((r[1], r[2]))
            code = r[s_code]
            if code == TOTAL_SERVICE_CODE or _SUBTOTAL.fullmatch(code):
                continue
            offices.add((r[1], r[2], r[s_office]))
            entry = seven.setdefault((r[1], r[2], r[s_office], code), [0, 0, True, recno])
            entry[0] += _int(r[s_count]) or 0
            amount = _int(r[s_amount])
            if amount is None:
                entry[2] = False
            else:
                entry[1] += amount
        for key, (count7, amount7, has_amount, recno) in seven.items():
            ins, num, office, code = key
            got = six.get(key)
            if got is None:
                continue
            count6, amount6, has_units, _ = got
            if count6 != count7:
                out.append(
                    Finding(
                        soft,
                        sikyu.name,
                        recno,
                        s_count + 1,
                        sikyu.layout.field(s_count + 1).name,
                        f"被保険者番号「{num}」の事業所「{office}」サービスコード「{code}」の回数／日数「{count7}」が、"
                        f"第6表（{plan.name}）の同じサービスの回数の合計「{count6}」と一致しません。",
                        "xfile_count",
                    )
                )
            elif has_units and has_amount and amount6 != amount7:
                out.append(
                    Finding(
                        soft,
                        sikyu.name,
                        recno,
                        s_amount + 1,
                        sikyu.layout.field(s_amount + 1).name,
                        f"被保険者番号「{num}」の事業所「{office}」サービスコード「{code}」のサービス単位数「{amount7}」が、"
                        f"第6表の単位数×回数の合計「{amount6}」と一致しません。",
                        "xfile_units",
                    )
                )
        for (ins, num, office), (recno, code) in providers.items():
            if (ins, num) in users and (ins, num, office) not in offices:
                out.append(
                    Finding(
                        soft,
                        plan.name,
                        recno,
                        i_office + 1,
                        plan.layout.field(i_office + 1).name,
                        f"被保険者番号「{num}」の第6表にあるサービス事業者「{office}」（サービスコード「{code}」）が、"
                        f"第7表（{sikyu.name}）にありません。",
                        "xfile_provider",
                    )
                )
    hosoku = by_prefix.get("UPHOSOKU", [None])[0]
    if hosoku is not None and hosoku.layout is not None:
        level_no = hosoku.layout.no("要介護状態区分")
        levels = {(r[1], r[2]): r[level_no - 1] for _recno, r in _usable(hosoku)}
        reported: set = set()
        for recno, r in _usable(plan):
            level = levels.get((r[i_ins], r[i_num]), "")
            kind = r[i_code][:2]
            wrong = None
            if kind in CARE_BENEFIT_KINDS and (level in CARE_LEVELS_SUPPORT or level == CARE_LEVEL_PROGRAM_ONLY):
                wrong = "介護給付（要介護1〜5の方）"
            elif kind in PREVENTION_BENEFIT_KINDS and (level in CARE_LEVELS_CARE or level == CARE_LEVEL_PROGRAM_ONLY):
                wrong = "予防給付（要支援1・2の方）"
            if wrong and (r[i_num], r[i_code]) not in reported:
                reported.add((r[i_num], r[i_code]))
                level_name = (hosoku.layout.field(level_no).values or {}).get(level, level)
                out.append(
                    Finding(
                        soft,
                        plan.name,
                        recno,
                        i_code + 1,
                        plan.layout.field(i_code + 1).name,
                        f"サービスコード「{r[i_code]}」は{wrong}のサービスですが、利用者補足情報の要介護状態区分は「{level}:{level_name}」です。",
                        "care_level_code",
                    )
                )
    return out


def _check_master(pf: ParsedFile, service_codes, lenient: bool) -> list[Finding]:
    """Service codes unknown to the master for the file's month (``service_codes(month, codes) -> known``)."""
    if pf.layout is None or pf.layout.prefix not in ("UPPLAN", "UPJSK", "UPSIKYU"):
        return []
    month = pf.file_name.month if pf.file_name is not None and pf.file_name.month else None
    code_no = pf.layout.no("サービスコード")
    seen: dict[str, int] = {}
    for recno, r in _usable(pf):
        code = r[code_no - 1]
        m = month or r[4]
        if code and code != TOTAL_SERVICE_CODE and not _SUBTOTAL.fullmatch(code) and code not in seen:
            seen[code] = recno
            month = month or m
    if not seen or not month:
        return []
    known = service_codes(month, set(seen))
    out = []
    for code, recno in seen.items():
        if code in known:
            continue
        if lenient:
            detail = (
                f"サービスコード「{code}」は{month[:4]}年{int(month[4:])}月のサービスコード表（この事業所のマスタ）にありません。"
                "送信元のマスタが新しい可能性があるため、そのまま取り込みました。単位数は送信元の値を使います。"
            )
        else:
            detail = f"サービスコード「{code}」は{month[:4]}年{int(month[4:])}月のサービスコード表にありません。"
        out.append(
            Finding(
                WARNING if lenient else ERROR,
                pf.name,
                recno,
                code_no,
                pf.layout.field(code_no).name,
                detail,
                "unknown_service_code",
            )
        )
    return out
