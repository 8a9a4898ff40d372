"""The structured part of the 課題分析標準項目 (老企第29号 別紙4, 令和5年10月16日 老認発1016第1号 改正).

Each of the 23 items keeps its free text (``Assessment.items``); items that have conventional choices also get
a few structured fields (``Assessment.choices``: ``{"11": {"walking": "partial"}, …}``). The choices follow the
usual levels of the 認定調査 and the assessment sheets in use (自立／見守り／一部介助／全介助, あり／なし);
the standard itself asks for no particular scale, and the free text stays the record of what was seen.
"""

from __future__ import annotations

LEVEL = (("independent", "自立"), ("watch", "見守り"), ("partial", "一部介助"), ("full", "全介助"))
YESNO = (("yes", "あり"), ("no", "なし"))
PROBLEM = (("none", "問題なし"), ("some", "やや問題"), ("serious", "問題あり"))

# item no. -> ((key, label, choices), …)
STRUCTURE: dict[int, tuple] = {
    3: (("disability_card", "障害者手帳", YESNO), ("public_assistance", "生活保護", YESNO)),
    5: (
        (
            "level",
            "障害高齢者の日常生活自立度",
            tuple((v, v) for v in ("自立", "J1", "J2", "A1", "A2", "B1", "B2", "C1", "C2")),
        ),
    ),
    6: (
        (
            "level",
            "認知症高齢者の日常生活自立度",
            tuple((v, v) for v in ("自立", "Ⅰ", "Ⅱa", "Ⅱb", "Ⅲa", "Ⅲb", "Ⅳ", "M")),
        ),
    ),
    8: (
        (
            "care_level",
            "要介護状態区分",
            tuple(
                (v, v) for v in ("要支援1", "要支援2", "要介護1", "要介護2", "要介護3", "要介護4", "要介護5", "申請中")
            ),
        ),
    ),
    9: (
        (
            "reason",
            "理由",
            (
                ("first", "初回"),
                ("renewal", "更新"),
                ("change", "区分変更"),
                ("discharge", "退院・退所"),
                ("condition", "状態の変化"),
                ("other", "その他"),
            ),
        ),
    ),
    10: (
        ("pain", "痛み", YESNO),
        ("hospital_visits", "定期的な通院", YESNO),
        ("medical_care", "医療処置（点滴・酸素・褥瘡処置など）", YESNO),
    ),
    11: (
        ("turning", "寝返り", LEVEL),
        ("getting_up", "起き上がり", LEVEL),
        ("transfer", "移乗", LEVEL),
        ("walking", "歩行", LEVEL),
        ("dressing", "更衣", LEVEL),
    ),
    12: (
        ("cooking", "調理", LEVEL),
        ("cleaning", "掃除", LEVEL),
        ("laundry", "洗濯", LEVEL),
        ("shopping", "買物", LEVEL),
        ("money", "金銭管理", LEVEL),
        ("medication", "服薬管理", LEVEL),
    ),
    13: (
        (
            "decision",
            "日常の意思決定",
            (("able", "できる"), ("mostly", "特別な場合以外できる"), ("hard", "日常的に困難"), ("unable", "できない")),
        ),
        ("memory", "短期記憶", PROBLEM),
        ("bpsd", "行動・心理症状（BPSD）", YESNO),
    ),
    14: (
        (
            "expression",
            "意思の伝達",
            (
                ("able", "できる"),
                ("sometimes", "ときどきできる"),
                ("rarely", "ほとんどできない"),
                ("unable", "できない"),
            ),
        ),
        ("hearing", "聴力", PROBLEM),
        ("sight", "視力", PROBLEM),
    ),
    15: (("day_night", "昼夜逆転", YESNO), ("sleep", "睡眠の問題", YESNO)),
    16: (("urination", "排尿", LEVEL), ("defecation", "排便", LEVEL), ("incontinence", "失禁", YESNO)),
    17: (("bathing", "入浴（洗身）", LEVEL), ("grooming", "整容", LEVEL), ("skin", "皮膚の問題・褥瘡", YESNO)),
    18: (("oral_care", "口腔清潔", LEVEL), ("dentures", "義歯", YESNO), ("oral_problem", "口腔内の問題", YESNO)),
    19: (
        ("eating", "食事摂取", LEVEL),
        ("swallowing", "嚥下", (("able", "できる"), ("watch", "見守り等"), ("unable", "できない"))),
        ("diet", "食事制限", YESNO),
    ),
    20: (("going_out", "外出の頻度", (("weekly", "週1回以上"), ("monthly", "月1回以上"), ("rarely", "月1回未満"))),),
    21: (("living_with", "同居の家族", YESNO), ("main_carer", "主たる介護者", YESNO)),
    22: (("barriers", "段差・危険な箇所", YESNO), ("adaptation", "住宅改修・福祉用具の必要", YESNO)),
    23: (
        ("abuse", "虐待のおそれ", YESNO),
        ("advocacy", "権利擁護の必要", YESNO),
        ("end_of_life", "看取り・終末期", YESNO),
    ),
}

# Choices that usually point at a 課題 (shown highlighted on the detail page and the PDF).
CONCERNS = {"watch", "partial", "full", "yes", "some", "serious", "mostly", "hard", "unable", "sometimes", "rarely"}
# For these "あり" is not a concern in itself.
NEUTRAL_YES = {
    (3, "disability_card"),
    (3, "public_assistance"),
    (10, "hospital_visits"),
    (18, "dentures"),
    (21, "living_with"),
    (21, "main_carer"),
}


def field_name(no: int, key: str) -> str:
    return f"c_{no}_{key}"


def rows(choices: dict) -> dict[int, list]:
    """``{no: [(label, value label, concern), …]}`` of the filled structured fields, in the item's order."""
    result = {}
    for no, fields in STRUCTURE.items():
        values = (choices or {}).get(str(no), {})
        filled = []
        for key, label, options in fields:
            value = values.get(key)
            if value:
                text = dict(options).get(value, value)
                concern = value in CONCERNS and (no, key) not in NEUTRAL_YES and no not in (5, 6, 8, 9)
                filled.append((label, text, concern))
        if filled:
            result[no] = filled
    return result
