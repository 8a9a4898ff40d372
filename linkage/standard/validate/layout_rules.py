"""Rules of one layout beyond its fields: per-record semantics (service kinds, 第6表/第7表 lines) and the
whole-file rules of one layout (totals of 別表, 第2表 ordering). Mixed into :class:`FileChecker`.

Size: kept as one module (over ~400 lines) because one mixin of :class:`FileChecker`, already split from
checker.py; its rules share the checker's per-file state, and splitting it further would pass that state
around.
"""

from __future__ import annotations

import calendar
from collections import defaultdict

from ..codec import ZERO_DATE, ZERO_MONTH
from ..findings import ERROR, WARNING
from ..layouts import LINKED_SERVICE_KINDS, UNLINKED_SERVICE_KINDS, WELFARE_EQUIPMENT_KINDS, Field
from .common import _FLAGS31, _SUBTOTAL, TOTAL_OFFICE, TOTAL_SERVICE_CODE


class LayoutRules:
    """The layout-specific rules of :class:`~linkage.standard.validate.checker.FileChecker` (a mixin)."""

    # ---- layout specific rules
    def _semantic(self, recno, line, row):
        layout = self.layout
        p = layout.prefix
        fn = self.file_name
        F = layout.field
        no = self._rules.no1
        if p in ("UPPLAN", "UPJSK", "UPSIKYU", "DLTPLAN", "DLTJSK", "UPHOSOKU"):
            month_no = no["削除対象年月"] if p.startswith("DLT") else no["対象年月"]
            mv = row[month_no - 1]
            if self._month is None:
                self._month = mv
            elif mv != self._month and p != "UPHOSOKU":
                self.add(
                    ERROR,
                    "single_month",
                    f"対象年月「{mv}」が1件目の「{self._month}」と異なります。1ファイルには1か月分のサービス提供年月のみを入れてください。",
                    recno,
                    F(month_no),
                    line,
                )
            if fn is not None and fn.month is not None and mv != fn.month:
                self.add(
                    ERROR,
                    "name_month",
                    f"「{mv}」がファイル名の年月「{fn.month}」と一致しません。",
                    recno,
                    F(month_no),
                    line,
                )
        if p == "UPHOSOKU":
            d4, m63 = row[3], row[62]
            mode_plan = (fn.month == ZERO_MONTH) if fn is not None and fn.month else (m63 == ZERO_MONTH)
            if mode_plan:
                if d4 == ZERO_DATE:
                    self.add(
                        ERROR,
                        "hosoku_mode",
                        "1表・2表に紐づく利用者補足情報（提供年月000000）では、居宅サービス計画作成（変更）日を指定してください（00000000は6表・7表に紐づく場合のみ）。",
                        recno,
                        F(4),
                        line,
                    )
                if m63 != ZERO_MONTH and m63 != "":
                    self.add(
                        ERROR,
                        "hosoku_mode",
                        f"1表・2表に紐づく利用者補足情報では対象年月は「000000」です（「{m63}」になっています）。",
                        recno,
                        F(63),
                        line,
                    )
            else:
                if d4 != ZERO_DATE and d4 != "":
                    self.add(
                        ERROR,
                        "hosoku_mode",
                        f"6表・7表に紐づく利用者補足情報では居宅サービス計画作成（変更）日は「00000000」です（「{d4}」になっています）。",
                        recno,
                        F(4),
                        line,
                    )
                if m63 == ZERO_MONTH:
                    self.add(
                        ERROR,
                        "hosoku_mode",
                        "6表・7表に紐づく利用者補足情報では対象年月を指定してください（000000は1表・2表に紐づく場合のみ）。",
                        recno,
                        F(63),
                        line,
                    )
        elif p in ("UPPLAN", "UPJSK"):
            self._check_schedule(recno, line, row)
        elif p == "UPSIKYU":
            self._check_sikyu(recno, line, row)
        elif p == "UP2KYO":
            self._kyo2.append((recno, line, row))
        elif p == "UP1KYO" and fn is not None:
            if row[12] and row[12] != fn.sender_office:
                self.add(
                    WARNING,
                    "name_office",
                    f"介護支援事業者コード「{row[12]}」がファイル名の送信元事業所番号「{fn.sender_office}」と一致しません。",
                    recno,
                    F(13),
                    line,
                )
        elif p == "DLTJSK":
            kind = row[5]
            if kind in UNLINKED_SERVICE_KINDS:
                self.add(
                    ERROR,
                    "unlinked",
                    f"サービス種類「{kind}」（{UNLINKED_SERVICE_KINDS[kind]}）は連携対象外です。",
                    recno,
                    F(6),
                    line,
                )
            if fn is not None:
                if row[4] and row[4] != fn.sender_office:
                    self.add(
                        ERROR,
                        "name_office",
                        f"サービス事業者コード「{row[4]}」がファイル名の送信元事業所番号「{fn.sender_office}」と一致しません。実績削除は送信元事業所の分だけを送ります。",
                        recno,
                        F(5),
                        line,
                    )
                if fn.sender_kind and kind and kind != fn.sender_kind:
                    self.add(
                        WARNING,
                        "name_kind",
                        f"サービス種類コード「{kind}」がファイル名の送信元サービス種類コード「{fn.sender_kind}」と異なります。",
                        recno,
                        F(6),
                        line,
                    )

    def _check_kind(self, recno, line, f: Field, code: str):
        kind = code[:2]
        if kind in UNLINKED_SERVICE_KINDS:
            self.add(
                ERROR,
                "unlinked",
                f"サービスコード「{code}」のサービス種類「{kind}」（{UNLINKED_SERVICE_KINDS[kind]}）は連携対象外です。このサービスのレコードは出力しないでください。",
                recno,
                f,
                line,
            )
        elif kind not in LINKED_SERVICE_KINDS and len(code) == 6:
            self.add(
                WARNING,
                "unknown_kind",
                f"サービスコード「{code}」のサービス種類「{kind}」は既知のサービス種類ではありません。",
                recno,
                f,
                line,
            )
        return kind

    def _check_schedule(self, recno, line, row):
        layout = self.layout
        rules = self._rules
        no = rules.no1
        F = layout.field
        fn = self.file_name
        ix = rules.sched
        if ix is None:
            g = rules.ix.get
            ix = rules.sched = tuple(
                g(name)
                for name in (
                    "対象年月",
                    "サービス利用日",
                    "日割対象日",
                    "サービス開始時刻",
                    "サービス終了時刻",
                    "サービスコード",
                    "明細判別コード",
                    "サービス事業者コード",
                )
            )
        i_month, i_used, i_flags, i_start, i_end, i_code, i_detail, i_office = ix
        month = row[i_month]
        used = row[i_used]
        if fn is not None and layout.prefix == "UPPLAN":
            # the common case first: nothing below can fire for this record
            code = row[i_code]
            kind = code[:2]
            start = row[i_start]
            if (
                len(used) == 8
                and used.isdigit()
                and used.startswith(month)
                and len(month) == 6
                and (not fn.month or month == fn.month)
                and not row[i_flags]
                and (start == "9999") == (row[i_end] == "9999")
                and kind in LINKED_SERVICE_KINDS
                and kind not in UNLINKED_SERVICE_KINDS
                and kind not in WELFARE_EQUIPMENT_KINDS
                and not row[i_detail]
            ):
                plan_office = row[no["プラン担当業者コード"] - 1]
                if not plan_office or plan_office == fn.sender_office:
                    user = (row[1], row[2], month)
                    hit = self._plan_users.setdefault(user, [recno, line, False])
                    if row[i_office] == fn.recipient_office:
                        hit[2] = True
                    return
        if len(month) == 6 and len(used) == 8 and used.isdigit() and not used.startswith(month):
            self.add(
                ERROR,
                "use_date_month",
                f"サービス利用日「{used}」が対象年月「{month}」の日付ではありません。",
                recno,
                F(no["サービス利用日"]),
                line,
            )
        if (
            fn is not None
            and fn.month
            and month != fn.month
            and len(used) == 8
            and used.isdigit()
            and not used.startswith(fn.month)
        ):
            self.add(
                ERROR,
                "use_date_name_month",
                f"サービス利用日「{used}」がファイル名の年月「{fn.month}」の日付ではありません。1ファイルには1か月分のサービスだけを入れてください。",
                recno,
                F(no["サービス利用日"]),
                line,
            )
        flags = row[no["日割対象日"] - 1]
        if flags and _FLAGS31.fullmatch(flags) and month.isdigit() and len(month) == 6 and 1 <= int(month[4:]) <= 12:
            days = calendar.monthrange(int(month[:4]), int(month[4:]))[1]
            if "1" in flags[days:]:
                self.add(
                    WARNING,
                    "flags_days",
                    f"日割対象日に{month[:4]}年{int(month[4:])}月にない日（{days + 1}日以降）が1になっています。",
                    recno,
                    F(no["日割対象日"]),
                    line,
                )
        start, end = row[no["サービス開始時刻"] - 1], row[no["サービス終了時刻"] - 1]
        if (start == "9999") != (end == "9999") and start and end:
            self.add(
                WARNING,
                "time_pair",
                "サービス開始時刻とサービス終了時刻の一方だけが9999（時間表示の無いサービス）です。",
                recno,
                F(no["サービス開始時刻"]),
                line,
            )
        code = row[no["サービスコード"] - 1]
        kind = self._check_kind(recno, line, F(no["サービスコード"]), code) if code else ""
        if layout.version == 4 and kind in WELFARE_EQUIPMENT_KINDS:
            tais, todoke = row[no["TAISコード"] - 1], row[no["福祉用具届出コード"] - 1]
            if not tais and not todoke:
                self.add(
                    ERROR,
                    "equipment_code",
                    f"福祉用具貸与（サービス種類{kind}）ではTAISコードまたは福祉用具届出コードのどちらかを指定してください。",
                    recno,
                    F(no["TAISコード"]),
                    line,
                )
        detail_no = no["明細判別コード"]
        if row[detail_no - 1] and kind and kind not in WELFARE_EQUIPMENT_KINDS:
            self.add(
                ERROR,
                "detail_code",
                "明細判別コードは福祉用具貸与（17）以外では空（Null）にしてください。",
                recno,
                F(detail_no),
                line,
            )
        office_no = no["サービス事業者コード"]
        office = row[office_no - 1]
        if fn is not None and layout.prefix == "UPJSK" and office and office != fn.sender_office:
            self.add(
                ERROR,
                "name_office",
                f"サービス事業者コード「{office}」がファイル名の送信元事業所番号「{fn.sender_office}」と一致しません。実績は送信元事業所のサービスだけを送ります。",
                recno,
                F(office_no),
                line,
            )
        if fn is not None and layout.prefix == "UPPLAN":
            plan_office = row[no["プラン担当業者コード"] - 1]
            if plan_office and plan_office != fn.sender_office:
                self.add(
                    WARNING,
                    "name_office",
                    f"プラン担当業者コード「{plan_office}」がファイル名の送信元事業所番号「{fn.sender_office}」と一致しません。",
                    recno,
                    F(no["プラン担当業者コード"]),
                    line,
                )
            user = (row[1], row[2], month)
            hit = self._plan_users.setdefault(user, [recno, line, False])
            if office == fn.recipient_office:
                hit[2] = True

    def _check_sikyu(self, recno, line, row):
        layout = self.layout
        no = self._rules.no1
        F = layout.field
        code = row[no["サービスコード"] - 1]
        office = row[no["サービス事業所コード"] - 1]
        units_no = no["単位数"]
        if code == TOTAL_SERVICE_CODE or _SUBTOTAL.fullmatch(code):
            is_total = code == TOTAL_SERVICE_CODE
            what = "全合計" if is_total else "種類別小計"
            if is_total and office != TOTAL_OFFICE:
                self.add(
                    ERROR,
                    "total_row",
                    f"全合計行（サービスコード999999）のサービス事業所コードは「9999999999」です（「{office}」になっています）。",
                    recno,
                    F(no["サービス事業所コード"]),
                    line,
                )
            if row[units_no - 1] != "0":
                self.add(
                    ERROR,
                    "total_row",
                    f"{what}行の単位数は「0」固定です（「{row[units_no - 1]}」になっています）。",
                    recno,
                    F(units_no),
                    line,
                )
            for name in ("割引後率", "割引後単位数"):
                i = no[name]
                if row[i - 1] != "":
                    self.add(
                        ERROR,
                        "total_row",
                        f"{what}行の{name}は空（Null）固定です（「{row[i - 1]}」になっています）。",
                        recno,
                        F(i),
                        line,
                    )
            if not is_total:
                self._check_kind(recno, line, F(no["サービスコード"]), code)
            kind = "TOTAL" if is_total else "S:" + code
        else:
            if office == TOTAL_OFFICE:
                self.add(
                    ERROR,
                    "total_row",
                    f"サービス事業所コード「9999999999」は全合計行専用です。サービスコード「{code}」の行には事業所番号を指定してください。",
                    recno,
                    F(no["サービス事業所コード"]),
                    line,
                )
            kind = self._check_kind(recno, line, F(no["サービスコード"]), code) if code else ""
            if layout.version == 4 and kind in WELFARE_EQUIPMENT_KINDS:
                if not row[no["TAISコード"] - 1] and not row[no["福祉用具届出コード"] - 1]:
                    self.add(
                        ERROR,
                        "equipment_code",
                        f"福祉用具貸与（サービス種類{kind}）ではTAISコードまたは福祉用具届出コードのどちらかを指定してください。",
                        recno,
                        F(no["TAISコード"]),
                        line,
                    )
            kind = "D:" + kind
        self._sikyu.append((recno, line, row[1], row[2], row[no["対象年月"] - 1], office, code, kind))

    # ---- whole-file rules of one layout
    def _finish_sikyu(self):
        users: dict[tuple, list] = defaultdict(list)
        for rec in self._sikyu:
            users[(rec[2], rec[3], rec[4])].append(rec)
        for (_ins, num, month), recs in users.items():
            totals = [r for r in recs if r[7] == "TOTAL"]
            first = recs[0]
            if not totals:
                self.add(
                    ERROR,
                    "total_missing",
                    f"被保険者番号「{num}」（対象年月{month}）の全合計行がありません。サービスコード「999999」、サービス事業所コード「9999999999」の行を必ず出力してください。",
                    first[0],
                    line=first[1],
                )
            elif len(totals) > 1:
                self.add(
                    ERROR,
                    "total_duplicate",
                    f"被保険者番号「{num}」（対象年月{month}）の全合計行が{len(totals)}行あります。1行にしてください。",
                    totals[1][0],
                    line=totals[1][1],
                )
            details: dict[tuple, list] = defaultdict(list)
            for r in recs:
                if r[7].startswith("D:") and r[7] != "D:":
                    details[(r[5], r[7][2:])].append(r)
            subtotals = {(r[5], r[6][:2]) for r in recs if r[6].endswith("AAAA") and r[7] != "TOTAL"}
            sub_kinds = {k for _o, k in subtotals}
            for (office, kind), ds in details.items():
                if len(ds) >= 2 and (office, kind) not in subtotals and kind not in sub_kinds:
                    self.add(
                        ERROR,
                        "subtotal_missing",
                        f"被保険者番号「{num}」の事業所「{office}」サービス種類「{kind}」は{len(ds)}行ありますが、区分支給対象種類別小計（サービスコード「{kind}AAAA」）の行がありません。",
                        ds[0][0],
                        line=ds[0][1],
                    )

    def _finish_kyo2(self):
        layout = self.layout
        F = layout.field
        i_issue, i_goal, i_item = (
            layout.no("課題ＮＯ") - 1,
            layout.no("援助目標ＮＯ") - 1,
            layout.no("援助内容ＮＯ") - 1,
        )
        i_issue_text = layout.no("課題") - 1
        plans: dict[tuple, list] = defaultdict(list)
        for rec in self._kyo2:
            row = rec[2]
            plans[(row[1], row[2], row[4])].append(rec)
        for recs in plans.values():
            prev = None
            seen = set()
            prev_issue = None
            for recno, line, row in recs:
                try:
                    triple = tuple(int(row[i]) for i in (i_issue, i_goal, i_item))
                except ValueError:
                    continue  # empty / invalid numbers are reported by the field rules
                for i, v in zip((i_issue, i_goal, i_item), triple):
                    if not 1 <= v <= 99:
                        self.add(ERROR, "kyo2_range", f"「{v}」は1〜99の範囲外です。", recno, F(i + 1), line)
                if triple in seen:
                    self.add(
                        ERROR,
                        "kyo2_duplicate",
                        f"課題ＮＯ・援助目標ＮＯ・援助内容ＮＯの組（{triple[0]}-{triple[1]}-{triple[2]}）が重複しています。",
                        recno,
                        line=line,
                    )
                elif prev is not None and triple < prev:
                    self.add(
                        ERROR,
                        "kyo2_order",
                        f"課題ＮＯ・援助目標ＮＯ・援助内容ＮＯ（{triple[0]}-{triple[1]}-{triple[2]}）が前の行（{prev[0]}-{prev[1]}-{prev[2]}）より小さくなっています。"
                        "課題ＮＯ、援助目標ＮＯ、援助内容ＮＯの順に並べ、帳票の出力順にしてください。",
                        recno,
                        line=line,
                    )
                if triple[0] != prev_issue and not row[i_issue_text]:
                    self.add(
                        WARNING,
                        "kyo2_issue_text",
                        f"課題ＮＯ {triple[0]} の最初の行の課題が空です。同じ課題ＮＯの最初の行には課題を記載してください。",
                        recno,
                        F(i_issue_text + 1),
                        line,
                    )
                seen.add(triple)
                prev = max(prev, triple) if prev else triple
                prev_issue = triple[0]
