"""Services of the アセスメント（課題分析）: versions, 課題, and starting the plan's 第2表 from them."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from portal.casework.locking import claim
from portal.casework.models import Assessment, AssessmentProblem, PlanBasis


def assessment_latest(*, client):
    return Assessment.objects.filter(client=client).order_by("-assessed_on", "-pk").first()


def _replace_problems(assessment, problems: list[dict]) -> None:
    assessment.problem_rows.all().delete()
    AssessmentProblem.objects.bulk_create(
        [
            AssessmentProblem(assessment=assessment, position=i, text=p["text"], item_no=p.get("item_no"))
            for i, p in enumerate(problems, start=1)
        ]
    )


@transaction.atomic
def assessment_create(*, office, client, author, data: dict, problems: list[dict]) -> Assessment:
    """A new version; it records the version it started from (the latest before it)."""
    assessment = Assessment.objects.create(
        office=office,
        client=client,
        written_by=author,
        previous=assessment_latest(client=client),
        updated_by_name=author.name if author else "",
        **data,
    )
    _replace_problems(assessment, problems)
    return assessment


@transaction.atomic
def assessment_update(*, assessment, lock_version, by, data: dict, problems: list[dict]) -> Assessment:
    """Correct a version (optimistic lock: raises ``RecordConflict`` if someone saved meanwhile)."""
    claim(assessment, lock_version, by, label="アセスメント")
    for name, value in data.items():
        setattr(assessment, name, value)
    assessment.save()
    _replace_problems(assessment, problems)
    return assessment


def versions(*, client) -> dict[int, int]:
    """``{assessment pk: 版 number}`` (1 = the oldest)."""
    ids = Assessment.objects.filter(client=client).order_by("assessed_on", "pk").values_list("pk", flat=True)
    return {pk: i for i, pk in enumerate(ids, start=1)}


# --------------------------------------------------------------------------- the plan rests on an assessment


def plan_target(*, client):
    """The plan a 「計画を作る」 adds to: the client's draft if there is one, else ``None`` (a new version)."""
    from portal.careplans.models import CarePlan, PlanStatus

    return CarePlan.objects.filter(client=client, status=PlanStatus.DRAFT).order_by("-plan_date", "-pk").first()


@transaction.atomic
def plan_from_assessment(
    *, assessment, problem_ids: list[int], by, plan_date: dt.date | None = None, draft=None, lock_version=None
):
    """Add the chosen 課題 of ``assessment`` as 第2表 needs, to ``draft`` (with its page's ``lock_version``) or to a
    new plan version dated ``plan_date``; record that the plan rests on the assessment. Raises the plan services'
    ``ValidationError`` / ``PlanConflict`` / ``PlanNotEditable`` unchanged (nothing is written then)."""
    from portal.careplans import services as plan_services

    chosen = [p for p in assessment.problem_rows.all() if p.pk in set(problem_ids)]
    if draft is None:
        draft = plan_services.plan_create(client=assessment.client, plan_date=plan_date, by=by)
        lock_version = draft.lock_version
    for problem in chosen:
        plan_services.need_add(plan=draft, lock_version=lock_version, by=by, text=problem.text)
        lock_version = draft.lock_version
    PlanBasis.objects.update_or_create(plan=draft, defaults={"assessment": assessment, "office": assessment.office})
    return draft


def plan_basis(plan):
    """The assessment ``plan`` rests on: the linked one, else the latest one done on or before its date."""
    basis = PlanBasis.objects.filter(plan=plan).select_related("assessment").first()
    if basis is not None:
        return basis.assessment, True
    latest = (
        Assessment.objects.filter(client_id=plan.client_id, assessed_on__lte=plan.plan_date)
        .order_by("-assessed_on", "-pk")
        .first()
    )
    return latest, False


def assessment_pdf(*, assessment, author_name: str, version_no: int) -> bytes:
    """アセスメント（課題分析）シート: A4 portrait, the 23 標準項目 in the order of the notice."""
    from portal.documents.render import render_pdf

    return render_pdf(
        "casework/assessment_pdf.html",
        {
            "assessment": assessment,
            "client": assessment.client,
            "rows": assessment.item_rows(),
            "problems": list(assessment.problem_rows.all()),
            "author_name": author_name,
            "version_no": version_no,
        },
    )
