"""View models for the PDF forms: model instances in, plain data out.

This is the ONE place that decides what a printed form shows. Templates under
``templates/documents/parts/`` only lay the data out; they never compute.

- ``schedule_sheet(schedule, kind=..., provider_number=...)`` → ``ScheduleSheet``:
  第6表 (サービス利用票 / サービス提供票) and 第7表 (別表). The 別表 figures are
  taken from ``portal.schedules.annex`` — the same calculator the 第7表 page
  uses — so the PDF and the screen always show the same numbers.
- ``plan_sheet(plan)`` → ``PlanSheet``: 居宅サービス計画書 第1表・第2表・第3表.

Anything that makes a form impossible (no 認定, no service lines …) raises
``DocumentUnavailable`` with a Japanese message saying what is missing and where
to fix it; no PDF is produced then.

The view models live by form: ``plan`` (第1表〜第3表) and ``schedule`` (第6表・第7表), with what both use
in ``common``; import them from here.
"""

from .common import WEEKDAYS, DocumentUnavailable, short_wareki
from .plan import WEEK_HEIGHT_MM, NeedRow, PlanSheet, WeekBlock, WeekSheet, plan_queryset, plan_sheet
from .schedule import (
    SCHEDULE_TITLES,
    SHORT_STAY_KINDS,
    AnnexPrintRow,
    AnnexSheet,
    GridLine,
    ScheduleSheet,
    month_days,
    schedule_certification,
    schedule_providers,
    schedule_queryset,
    schedule_sheet,
    schedule_state,
)

__all__ = [
    "AnnexPrintRow",
    "AnnexSheet",
    "DocumentUnavailable",
    "GridLine",
    "NeedRow",
    "PlanSheet",
    "SCHEDULE_TITLES",
    "SHORT_STAY_KINDS",
    "ScheduleSheet",
    "WEEKDAYS",
    "WEEK_HEIGHT_MM",
    "WeekBlock",
    "WeekSheet",
    "month_days",
    "plan_queryset",
    "plan_sheet",
    "schedule_certification",
    "schedule_providers",
    "schedule_queryset",
    "schedule_sheet",
    "schedule_state",
    "short_wareki",
]
