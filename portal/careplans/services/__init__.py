"""Writes for 居宅サービス計画書 (第1表・第2表・第3表).

Every write to a plan goes through :func:`_claim`: a conditional UPDATE that bumps
``CarePlan.lock_version`` only if it still equals the version the user's page was built
from, and only while the plan is a draft. If another member saved in between, the write
raises :class:`PlanConflict` and nothing is written (optimistic lock). A confirmed or
delivered plan is read-only (:class:`PlanNotEditable`); a change makes a new version.

The writes live by what they act on: ``plans`` (a plan and its 第1表), ``table2`` (第2表), ``table3``
(第3表), with the lock and the checks in ``common``; import them from here.
"""

from .common import (
    COPIED_FIELDS,
    MAX_NUMBER,
    TABLE1_FIELDS,
    PlanConflict,
    PlanNotEditable,
    period_errors,
    table1_errors,
)
from .plans import (
    confirmation_problems,
    plan_confirm,
    plan_create,
    plan_delete_draft,
    plan_deliver,
    plan_reopen,
    plan_update_table1,
)
from .table2 import (
    goal_add,
    goal_delete,
    goal_move,
    goal_update,
    item_add,
    item_delete,
    item_errors,
    item_move,
    item_update,
    need_add,
    need_delete,
    need_move,
    need_update,
    short_goal_add,
    short_goal_delete,
    short_goal_errors,
    short_goal_move,
    short_goal_update,
)
from .table3 import (
    WeeklyValues,
    daily_activity_add,
    daily_activity_delete,
    daily_activity_update,
    daily_errors,
    plan_update_non_weekly,
    weekly_activity_add,
    weekly_activity_delete,
    weekly_activity_update,
    weekly_errors,
)

__all__ = [
    "COPIED_FIELDS",
    "MAX_NUMBER",
    "PlanConflict",
    "PlanNotEditable",
    "TABLE1_FIELDS",
    "WeeklyValues",
    "confirmation_problems",
    "daily_activity_add",
    "daily_activity_delete",
    "daily_activity_update",
    "daily_errors",
    "goal_add",
    "goal_delete",
    "goal_move",
    "goal_update",
    "item_add",
    "item_delete",
    "item_errors",
    "item_move",
    "item_update",
    "need_add",
    "need_delete",
    "need_move",
    "need_update",
    "period_errors",
    "plan_confirm",
    "plan_create",
    "plan_delete_draft",
    "plan_deliver",
    "plan_reopen",
    "plan_update_non_weekly",
    "plan_update_table1",
    "short_goal_add",
    "short_goal_delete",
    "short_goal_errors",
    "short_goal_move",
    "short_goal_update",
    "table1_errors",
    "weekly_activity_add",
    "weekly_activity_delete",
    "weekly_activity_update",
    "weekly_errors",
]
