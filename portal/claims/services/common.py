"""Shared by the 月次の締め services: the errors, month arithmetic and the 給付管理票 as stored JSON."""

from __future__ import annotations

import calendar
import datetime as dt

from portal.claims.benefit import (
    Statement,
    StatementLine,
)

CARE_LEVELS_BILLED_HERE = {"21", "22", "23", "24", "25"}


class CloseError(ValueError):
    """A confirmation or a file was refused; the message (Japanese) is shown as it is."""


class ConfirmationConflict(CloseError):
    pass


# --------------------------------------------------------------------------- helpers


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _name(membership) -> str:
    if membership is None:
        return ""
    return membership.display_name or membership.user.get_full_name() or membership.user.email


def statement_to_json(statement: Statement) -> dict:
    return {
        "month": statement.month.isoformat(),
        "care_level": statement.care_level,
        "limit_units": statement.limit_units,
        "limit_from": statement.limit_from.isoformat(),
        "limit_to": statement.limit_to.isoformat(),
        "care_level_changed": statement.care_level_changed,
        "lines": [
            {
                "provider": ln.provider_office_number,
                "name": ln.provider_name,
                "kind": ln.service_type_code,
                "class": ln.provider_class,
                "units": ln.plan_units,
                "over": ln.over_units,
            }
            for ln in statement.lines
        ],
    }


def statement_from_json(data: dict) -> Statement:
    return Statement(
        month=dt.date.fromisoformat(data["month"]),
        care_level=data["care_level"],
        limit_units=data["limit_units"],
        limit_from=dt.date.fromisoformat(data["limit_from"]),
        limit_to=dt.date.fromisoformat(data["limit_to"]),
        care_level_changed=data.get("care_level_changed", False),
        lines=tuple(
            StatementLine(
                provider_office_number=ln["provider"],
                provider_name=ln["name"],
                service_type_code=ln["kind"],
                provider_class=ln["class"],
                plan_units=ln["units"],
                over_units=ln["over"],
            )
            for ln in data["lines"]
        ),
    )
