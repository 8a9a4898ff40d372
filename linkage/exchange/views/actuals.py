"""Provider pages (サービス提供票 and the 実績 entry that sends them back) and the care manager's 予実
comparison."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from linkage.exchange import services
from linkage.exchange.models import ReceivedSchedule
from linkage.exchange.views.receiving import _own_consent_gaps
from linkage.exchange.views.sending import _do_send, _parse_month
from portal.core.forms import single_submit
from portal.core.wareki import wareki_month
from portal.offices.permissions import care_office_required, office_required


def _posted_day(raw: str) -> int:
    """The day of the month a form posted; 0 (which the service refuses in Japanese) when garbled."""
    raw = raw.strip()
    return int(raw) if raw.isdigit() and len(raw) <= 2 else 0


def _schedule_for(request, schedule_id):
    from portal.schedules.models import ServiceSchedule

    schedule = get_object_or_404(ServiceSchedule.objects.select_related("client"), pk=schedule_id)
    lines = list(schedule.lines.order_by("sort_order", "pk"))
    return schedule, lines


@office_required
def provision(request, schedule_id):
    """サービス提供票: the received 6表 (予定 and 実績 per day) and 7表."""
    schedule, lines = _schedule_for(request, schedule_id)
    received = ReceivedSchedule.objects.filter(office=request.office, schedule=schedule).order_by("-sequence").first()
    days = list(range(1, schedule.days_in_month + 1))
    return render(
        request,
        "exchange/provision.html",
        {
            "schedule": schedule,
            "lines": lines,
            "received": received,
            "days": days,
            "own": request.office.office_number,
        },
    )


ACTUAL_COPY_CONFIRM = "保存済みの実績があります。予定をコピーすると、入力済みの実績がすべて予定の内容で置き換わります。"


def _rate_line_ids(lines, month):
    """Lines whose code is a 率 加算 (処遇改善加算 etc.) in the month's master."""
    from portal.masters.selectors import month_masters

    masters = month_masters(month, service_codes={line.service_code for line in lines})
    return {
        line.pk for line in lines if (info := masters.code(line.service_code)) is not None and info.is_rate
    }, masters


def _actual_rows(own, month, days_in_month, rate_ids, masters, posted=None) -> list[dict]:
    """The 実績 grid as shown: the saved values, or — after a refused POST — exactly what was typed."""
    from portal.schedules.grid import display_time

    rows = []
    for line in own:
        info = masters.code(line.service_code)
        if posted is not None:
            actual = [posted.get(f"a{line.pk}_{d}", "").strip() for d in range(1, days_in_month + 1)]
            start = posted.get(f"s{line.pk}", display_time(line.start_time)).strip()
            end = posted.get(f"e{line.pk}", display_time(line.end_time)).strip()
        else:
            actual = [str(n) if n else "" for n in list(line.actual_days)[:days_in_month]]
            start, end = display_time(line.start_time), display_time(line.end_time)
        cls = [_weekday_cls(month, d) for d in range(1, days_in_month + 1)]
        rows.append(
            {
                "line": line,
                "name": info.name if info is not None else "",
                "is_rate": line.pk in rate_ids,
                "planned": list(zip([n or "" for n in list(line.planned_days)[:days_in_month]], cls)),
                "actual": list(zip(actual, cls)),
                "start": start,
                "end": end,
                "planned_total": line.planned_total,
                "actual_total": sum(int(v) for v in actual if str(v).isdigit() and len(str(v)) <= 2),
            }
        )
    return rows


def _posted_actuals(post, own, days_in_month, rate_ids) -> tuple[dict, list[str]]:
    """{line id: {"days", "start", "end"}} of the typed 実績, and every problem (Japanese, with where)."""
    from portal.schedules.grid import to_hhmm

    values, errors = {}, []
    for line in own:
        if line.pk in rate_ids:
            values[line.pk] = {"days": [0] * 31, "start": line.start_time, "end": line.end_time, "rate": True}
            continue
        counts, bad = [], []
        for d in range(1, 32):
            raw = post.get(f"a{line.pk}_{d}", "").strip() or "0"
            if not raw.isdigit() or int(raw) > 99:
                bad.append(f"{d}日の回数「{raw}」")
                raw = "0"
            counts.append(int(raw))
        if bad:
            errors.append(f"{line.service_code}: {'、'.join(bad)}は0〜99の数字で入力してください。")
        values[line.pk] = {
            "days": counts,
            "start": to_hhmm(post.get(f"s{line.pk}", line.start_time)),
            "end": to_hhmm(post.get(f"e{line.pk}", line.end_time)),
        }
    return values, errors


@office_required
@single_submit
def actual_entry(request, schedule_id):
    """実績 entry from the received 予定: copy all (asking first over saved 実績), change days/times/counts,
    add unplanned visits (the typed 実績 is saved with them, never lost), send."""
    from django.core.exceptions import ValidationError as DjangoValidationError
    from django.db import transaction

    schedule, lines = _schedule_for(request, schedule_id)
    own = [line for line in lines if line.provider_office_number == request.office.office_number]
    days = list(range(1, schedule.days_in_month + 1))
    rate_ids, masters = _rate_line_ids(own, schedule.month)
    errors = []
    posted = None
    confirm_copy = False
    new_visit = {}
    if request.method == "POST":
        action = request.POST.get("action", "save")
        new_visit = {k: request.POST.get(k, "").strip() for k in ("new_code", "new_day", "new_start", "new_end")}
        try:
            if action == "copy" and any(line.actual_total for line in own if line.pk not in rate_ids):
                confirm_copy = True  # ask before replacing saved 実績
                posted = request.POST
            elif action in ("copy", "copy_confirmed"):
                services.actuals_copy_from_plan(schedule=schedule, office=request.office)
                messages.success(
                    request, "予定をすべて実績にコピーしました。違う日・時刻・回数を直して保存してください。"
                )
            elif action in ("save", "send", "add"):
                posted = request.POST
                values, problems = _posted_actuals(request.POST, own, schedule.days_in_month, rate_ids)
                if problems:
                    raise DjangoValidationError(problems)
                with transaction.atomic():
                    services.actuals_save(
                        schedule=schedule, office=request.office, membership=request.membership, values=values
                    )
                    if action == "add":
                        day = new_visit["new_day"]
                        if not day.isdigit() or len(day) > 2:
                            raise DjangoValidationError(
                                f"予定外の訪問の「日」は1〜{schedule.days_in_month}の数字で入力してください（入力値「{day}」）。"
                                "入力した実績はまだ保存していません。"
                            )
                        services.actual_line_add(
                            schedule=schedule,
                            office=request.office,
                            membership=request.membership,
                            service_code=new_visit["new_code"],
                            start=to_hhmm_or_blank(new_visit["new_start"]),
                            end=to_hhmm_or_blank(new_visit["new_end"]),
                            day=int(day),
                        )
                if action == "send":
                    units = services.actual_send_plan(office=request.office, schedule=schedule)
                    response = _do_send(
                        request, units, f"{schedule.client.full_name}さん {wareki_month(schedule.month)} 実績"
                    )
                    if response is not None:
                        return response
                elif action == "add":
                    messages.success(request, "入力した実績を保存し、予定外の訪問を追加しました。")
                else:
                    messages.success(request, "実績を保存しました。")
                posted = None
            elif action == "delete_kind":
                units = services.actual_send_plan(
                    office=request.office,
                    schedule=schedule,
                    service_type_code=request.POST.get("kind", ""),
                    delete=True,
                )
                response = _do_send(
                    request, units, f"{schedule.client.full_name}さん {wareki_month(schedule.month)} 実績削除"
                )
                if response is not None:
                    return response
            if action not in ("send", "delete_kind") and not confirm_copy:
                return redirect("exchange:actual_entry", schedule_id=schedule.pk)
        except DjangoValidationError as error:
            errors = error.messages
        except services.SendError as exc:
            errors = [str(exc)]
        if not errors and not confirm_copy:
            posted = None
        schedule, lines = _schedule_for(request, schedule_id)
        own = [line for line in lines if line.provider_office_number == request.office.office_number]
        rate_ids, masters = _rate_line_ids(own, schedule.month)
    kinds = sorted({line.service_type_code for line in own})
    received = ReceivedSchedule.objects.filter(office=request.office, schedule=schedule).order_by("-sequence").first()
    gaps = []
    if received is not None:
        for kind in kinds or [None]:
            gaps += [
                g
                for g in _own_consent_gaps(request, [schedule.client], received.sender_office_number, kind)
                if g["why"] not in {x["why"] for x in gaps}
            ]
    rows = _actual_rows(own, schedule.month, schedule.days_in_month, rate_ids, masters, posted=posted)
    return render(
        request,
        "exchange/actual_entry.html",
        {
            "schedule": schedule,
            "own": own,
            "rows": rows,
            "days": days,
            "errors": errors,
            "kinds": kinds,
            "confirm_copy": confirm_copy,
            "consent_gaps": gaps,
            "confirm_copy_text": ACTUAL_COPY_CONFIRM,
            "new_visit": new_visit if errors else {},
            "weekdays": _weekday_labels(schedule.month),
        },
        status=400 if errors else 200,
    )


def to_hhmm_or_blank(value: str) -> str:
    """'9:00' / '0900' → '0900'; blank → 9999 (時間表示なし)."""
    from portal.schedules.grid import to_hhmm

    return to_hhmm(value)


def _weekday_cls(month, day: int) -> str:
    wd = month.replace(day=day).weekday()
    return "sat" if wd == 5 else "sun" if wd == 6 else ""


def _weekday_labels(month) -> list[dict]:
    import calendar

    n = calendar.monthrange(month.year, month.month)[1]
    out = []
    for d in range(1, n + 1):
        wd = month.replace(day=d).weekday()
        out.append({"day": d, "weekday": "月火水木金土日"[wd], "cls": "sat" if wd == 5 else "sun" if wd == 6 else ""})
    return out


# --------------------------------------------------------------------------- care manager: 予実


@care_office_required
def comparison(request):
    """予実: every line of the month whose 実績 differs from its 予定 (before 給付管理)."""
    from linkage.exchange.comparison import month_differences

    month = _parse_month(request.GET.get("month")) or timezone.localdate().replace(day=1)
    rows = month_differences(request.office, month)
    return render(request, "exchange/comparison.html", {"month": month, "rows": rows})
