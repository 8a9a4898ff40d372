"""利用者基本情報 / 介護予防サービス・支援計画書 → standard records (UPKIHON + SUB1/SUB2, UPYOBO + UPYOBO_SUB).

Layouts: ケアプランデータ連携標準仕様 4.1, appendix 介護予防支援等 (4.0+), field numbers as in
/work/shared/spec/careplan-csv-4.1.md. ``linkage.standard`` writes and validates the files; this
module only maps models to field numbers.

UPYOBO_SUB row rule (4.1 appendix, 「(補足)別表の構成」): 「同一の課題NOに複数の支援計画を含める場合は、
課題NOを同一にして支援計画NOに連番を入力する。課題の入力について、NO以外の項目は最初の行のみに内容を
記載して2回目以降は空欄とする。」 — and the same for 支援計画NO → 利用サービスNO.
"""

from __future__ import annotations

import datetime as dt

from linkage.standard import BuiltUnit, build_send_unit
from portal.prevention.models import BasicInfo, PreventionPlan
from portal.prevention.services import plan_tree


def _t(value) -> str | None:
    value = (value or "").strip() if isinstance(value, str) else value
    return value or None


def _keys(client) -> dict:
    return {2: client.insurer_number, 3: client.insured_number}


def basic_info_records(info: BasicInfo, *, image_name: str | None = None) -> dict[str, list[dict]]:
    """UPKIHON (one record), UPKIHON_SUB1 (別表1 rows) and UPKIHON_SUB2 (別表2 rows)."""
    client = info.client
    cert = client.certification_on(info.consultation_date)
    key = {**_keys(client), 4: info.consultation_date}
    main = {
        **key,
        5: _t(info.plan_kind),
        6: _t(info.commission),
        7: _t(info.author_name),
        8: _t(info.consultation_method),
        9: _t(info.consultation_method_other),
        14: client.full_name_kana,
        15: client.full_name,
        16: _t(client.sex),
        17: client.birth_date,
        18: _t(client.address),
        19: _t(client.phone),
        23: cert.care_level if cert and cert.care_level != "06" else None,
        24: cert.valid_from if cert else None,
        25: cert.valid_to if cert else None,
        27: _t(info.checklist_result),
        28: info.checklist_date,
        42: _t(info.consultant_name),
        44: _t(info.consultant_phone),
        45: _t(info.consultant_relation),
        62: image_name if info.family_image else None,
        63: _t(info.family_situation),
        64: _t(info.life_history),
        65: _t(info.daily_life),
        66: _t(info.hobbies),
        67: _t(info.community),
        70: info.consent_on,
        71: _t(info.consent_name),
    }
    sub1 = [{**key, 5: _t(r.time), 6: _t(r.self_status), 7: _t(r.carer_status)} for r in info.daily_schedules.all()]
    sub2 = [
        {
            **key,
            5: _t(r.onset),
            6: _t(r.disease),
            7: _t(r.institution),
            8: "1" if r.attending else "2",
            9: _t(r.phone),
            10: _t(r.progress),
            11: _t(r.treatment),
        }
        for r in info.medical_histories.all()
    ]
    return {"UPKIHON": [main], "UPKIHON_SUB1": sub1, "UPKIHON_SUB2": sub2}


def plan_record(plan: PreventionPlan) -> dict:
    client = plan.client
    office = client.office
    cert = client.certification_on(plan.plan_date)
    return {
        **_keys(client),
        4: plan.plan_date,
        5: _t(plan.plan_kind),
        6: _t(plan.commission),
        8: client.full_name,
        9: cert.certified_on if cert else None,
        10: cert.valid_from if cert else None,
        11: cert.valid_to if cert else None,
        14: _t(plan.support_level),
        16: _t(plan.author_name),
        17: _t(office.name),
        20: plan.first_plan_date,
        21: _t(plan.center_name),
        22: _t(plan.goal_day),
        23: _t(plan.goal_year),
        40: _t(plan.health_notes),
        41: _t(plan.unagreed_policy),
        42: _t(plan.overall_policy),
        55: _t(plan.center_opinion),
        56: plan.consent_on,
        57: _t(plan.consent_name),
    }


def sub_rows(tree: list[dict]) -> list[dict]:
    """別表 rows as (No. → value) without the keys: one row per 利用サービス (or per 支援計画 / 課題 that
    has none); NOs repeat, texts only on the first row of their 課題 / 支援計画."""
    rows = []
    for issue in tree:
        issue_text = {6: _t(issue["text"]), 7: _t(issue["proposal"]), 8: _t(issue["intention"]), 9: _t(issue["goal"])}
        first_of_issue = True
        for support in issue["supports"] or [None]:
            support_text = (
                {11: _t(support["point"]), 12: _t(support["self_care"]), 13: _t(support["formal_service"])}
                if support
                else {}
            )
            first_of_support = True
            for service in (support["services"] if support else []) or [None]:
                row = {5: issue["no"]}
                if first_of_issue:
                    row.update(issue_text)
                if support:
                    row[10] = support["no"]
                    if first_of_support:
                        row.update(support_text)
                if service:
                    row.update(
                        {
                            14: service["no"],
                            15: _t(service["kind"]),
                            16: _t(service["provider"]),
                            17: _t(service["period"]),
                        }
                    )
                rows.append(row)
                first_of_issue = first_of_support = False
    return rows


def plan_records(plan: PreventionPlan) -> dict[str, list[dict]]:
    """UPYOBO (one record) and UPYOBO_SUB (the 別表 rows)."""
    key = {**_keys(plan.client), 4: plan.plan_date}
    return {"UPYOBO": [plan_record(plan)], "UPYOBO_SUB": [{**key, **row} for row in sub_rows(plan_tree(plan))]}


def prevention_send_unit(
    *,
    basic_info: BasicInfo | None,
    plan: PreventionPlan | None,
    sender_office: str,
    sender_kind: str,
    recipient_office: str,
    recipient_kind: str,
    created_at: dt.datetime,
) -> BuiltUnit:
    """Send unit (1) 利用者基本情報, (2) both, or (3) 計画書 (§3.4), written and validated."""
    records: dict[str, list] = {}
    if basic_info is not None:
        records.update({k: v for k, v in basic_info_records(basic_info).items() if v})
    if plan is not None:
        records.update({k: v for k, v in plan_records(plan).items() if v})
    return build_send_unit(
        "prevention",
        records,
        sender_office=sender_office,
        sender_kind=sender_kind,
        recipient_office=recipient_office,
        recipient_kind=recipient_kind,
        sequence=created_at,
    )
