"""運営基準 warnings computed from the records (never blocking): what a 運営指導 would find missing.

Each warning names the rule it comes from. ``plan_warnings`` runs a fixed number of queries whatever the number
of 利用者 (run inside the office scope). The monthly monitoring rule lives in ``services.monitoring_missing``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Min

from portal.core.wareki import wareki_date

EFFECTIVE = ("confirmed", "delivered")
CERT_NOTICE_DAYS = 60

RULES = {
    "meeting": (
        "サービス担当者会議",
        "指定居宅介護支援等の事業の人員及び運営に関する基準 第13条第9号: 居宅サービス計画の原案の内容について、"
        "サービス担当者会議を開催し、担当者から専門的な見地からの意見を求めます（新規作成時・変更時。軽微な変更を除く）。"
        "開催していない場合は運営基準減算の対象です。",
    ),
    "delivery": (
        "計画書の交付",
        "同基準 第13条第10号・第11号: 居宅サービス計画の原案を利用者又は家族に説明して文書で同意を得て、"
        "計画書を利用者及び担当者に交付します。サービスの提供が始まる前に交付していない場合は運営基準減算の対象です。",
    ),
    "assessment": (
        "アセスメント",
        "同基準 第13条第6号・第7号: 居宅サービス計画の作成（変更）にあたっては、利用者の居宅を訪問して面接し、"
        "課題分析（アセスメント）を行います。計画の作成・変更の前にアセスメントの記録がない場合は運営基準減算の対象です。",
    ),
    "certification": (
        "認定の更新",
        "同基準 第13条第15号: 要介護更新認定・区分変更認定を受けた場合は、サービス担当者会議を開催して居宅サービス計画の"
        f"変更の必要性を検討します。認定の有効期間の終了が近づいている（{CERT_NOTICE_DAYS}日以内）のに、計画の見直し"
        "（新しい版の作成または担当者会議）が記録されていません。",
    ),
}


@dataclass
class ComplianceWarning:
    client: object
    rule: str  # a key of RULES
    message: str
    link: str = ""  # a URL name the care manager fixes it from
    link_kwargs: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        return RULES[self.rule][0]

    @property
    def rule_text(self) -> str:
        return RULES[self.rule][1]

    @property
    def url(self) -> str:
        from django.urls import reverse

        return reverse(self.link, kwargs=self.link_kwargs) if self.link else ""


def _d(day) -> str:
    return wareki_date(day) if day else ""


def plan_warnings(*, today: dt.date, clients=None) -> list[ComplianceWarning]:
    """The 運営基準 warnings of ``clients`` (active 利用者 of the office by default) about their current plan (the
    latest 確定・交付済 version dated on or before ``today``), their assessments, meetings and 認定."""
    from portal.careplans.models import CarePlan, ServiceItem
    from portal.casework.models import Assessment, PlanBasis, ServiceMeeting
    from portal.clients.models import Certification, Client

    if clients is None:
        clients = Client.objects.filter(is_active=True)
    clients = {c.pk: c for c in clients}
    if not clients:
        return []
    plans = list(
        CarePlan.objects.filter(client_id__in=clients)
        .only("pk", "client_id", "plan_date", "status", "delivered_on", "previous_id")
        .order_by("client_id", "plan_date", "pk")
    )
    by_client: dict[int, list] = {}
    for plan in plans:
        by_client.setdefault(plan.client_id, []).append(plan)
    current = {}
    for client_id, versions in by_client.items():
        effective = [p for p in versions if p.status in EFFECTIVE and p.plan_date <= today]
        if effective:
            current[client_id] = effective[-1]
    plan_ids = [p.pk for p in current.values()]
    starts = dict(
        ServiceItem.objects.filter(short_goal__goal__need__plan_id__in=plan_ids)
        .values("short_goal__goal__need__plan_id")
        .annotate(first=Min("period_from"))
        .values_list("short_goal__goal__need__plan_id", "first")
    )
    meetings: dict[int, list] = {}
    for client_id, plan_id, held_on in ServiceMeeting.objects.filter(client_id__in=clients).values_list(
        "client_id", "plan_id", "held_on"
    ):
        meetings.setdefault(client_id, []).append((plan_id, held_on))
    assessments: dict[int, list] = {}
    for client_id, pk, assessed_on in (
        Assessment.objects.filter(client_id__in=clients)
        .values_list("client_id", "pk", "assessed_on")
        .order_by("assessed_on", "pk")
    ):
        assessments.setdefault(client_id, []).append((pk, assessed_on))
    bases = dict(PlanBasis.objects.filter(plan_id__in=plan_ids).values_list("plan_id", "assessment__assessed_on"))
    certs = {}
    for cert in Certification.objects.filter(
        client_id__in=clients, valid_from__lte=today, valid_to__gte=today
    ).order_by("client_id", "valid_from", "pk"):
        certs[cert.client_id] = cert

    warnings = []
    for client_id, client in clients.items():
        plan = current.get(client_id)
        versions = by_client.get(client_id, [])
        if plan is not None:
            previous_date = next(
                (p.plan_date for p in reversed(versions) if p.plan_date < plan.plan_date and p.status in EFFECTIVE),
                None,
            )
            warnings.extend(
                _plan_checks(
                    client,
                    plan,
                    previous_date,
                    starts.get(plan.pk),
                    meetings.get(client_id, []),
                    assessments.get(client_id, []),
                    bases.get(plan.pk),
                    today,
                )
            )
        cert = certs.get(client_id)
        if cert is not None and (cert.valid_to - today).days <= CERT_NOTICE_DAYS:
            since = cert.valid_to - dt.timedelta(days=CERT_NOTICE_DAYS)
            reviewed = any(p.plan_date >= since for p in versions) or any(
                held_on >= since for _plan, held_on in meetings.get(client_id, [])
            )
            if not reviewed:
                warnings.append(
                    ComplianceWarning(
                        client,
                        "certification",
                        f"認定の有効期間が{_d(cert.valid_to)}に終わります（あと{(cert.valid_to - today).days}日）。"
                        "更新に向けた計画の見直し（担当者会議・新しい版）がまだ記録されていません。",
                        "careplans:client_plans",
                        {"client_id": client_id},
                    )
                )
    warnings.sort(key=lambda w: (w.client.family_name_kana, w.client.given_name_kana, w.client.pk, w.rule))
    return warnings


def _plan_checks(client, plan, previous_date, service_start, meetings, assessments, basis_date, today):
    found = []
    kind = "変更" if previous_date else "作成"
    label = f"{_d(plan.plan_date)}に{kind}した計画"
    # 担当者会議: linked to this version, or held for it (after the previous version, up to its 交付)
    until = plan.delivered_on or today
    held = any(plan_id == plan.pk for plan_id, _ in meetings) or any(
        plan_id is None and (previous_date is None or held_on > previous_date) and held_on <= until
        for plan_id, held_on in meetings
    )
    if not held:
        found.append(
            ComplianceWarning(
                client,
                "meeting",
                f"{label}について、サービス担当者会議（第4表）の記録がありません。",
                "casework:meeting_create",
                {"client_id": client.pk},
            )
        )
    # 交付 before the services start
    start = service_start or plan.plan_date
    if plan.delivered_on is None:
        if start <= today:
            found.append(
                ComplianceWarning(
                    client,
                    "delivery",
                    f"{label}のサービスは{_d(start)}から始まっていますが、計画書の交付が記録されていません。",
                    "careplans:plan_detail",
                    {"plan_id": plan.pk},
                )
            )
    elif plan.delivered_on > start:
        found.append(
            ComplianceWarning(
                client,
                "delivery",
                f"{label}の交付（{_d(plan.delivered_on)}）が、サービスの開始（{_d(start)}）より後です。",
                "careplans:plan_detail",
                {"plan_id": plan.pk},
            )
        )
    # アセスメント before the plan (a change needs one after the previous version)
    before = [day for _pk, day in assessments if day <= plan.plan_date]
    latest = basis_date or (before[-1] if before else None)
    if latest is None:
        found.append(
            ComplianceWarning(
                client,
                "assessment",
                f"{label}より前のアセスメントが記録されていません。",
                "casework:assessment_create",
                {"client_id": client.pk},
            )
        )
    elif latest > plan.plan_date:
        found.append(
            ComplianceWarning(
                client,
                "assessment",
                f"計画のもとにしたアセスメント（{_d(latest)}）が計画の作成（変更）日より後です。",
                "casework:assessment_list",
                {"client_id": client.pk},
            )
        )
    elif previous_date is not None and latest < previous_date:
        found.append(
            ComplianceWarning(
                client,
                "assessment",
                f"{label}の前の再アセスメントがありません（直近のアセスメントは{_d(latest)}で、前の版（{_d(previous_date)}）より古いものです）。",
                "casework:assessment_create",
                {"client_id": client.pk},
            )
        )
    return found
