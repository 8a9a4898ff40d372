"""Views of the 提供票 sent by link (issue 19). Thin: the rules live in ``services``.

The partner's pages never run inside a login: the token finds the link, the access code (kept in
the session as the link's id once entered) opens it, and every query then runs inside the care
office's scope. Anything else answers 404.
"""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from portal.core.forms import single_submit
from portal.core.wareki import wareki_month
from portal.documents.render import JapaneseFontMissing
from portal.documents.sheets import DocumentUnavailable, schedule_sheet
from portal.offices.permissions import care_office_required
from portal.offices.tenancy import office_scope
from portal.paperlinks import join, services
from portal.paperlinks.forms import AccessCodeForm, JoinForm, SendForm
from portal.paperlinks.models import PaperLink
from portal.paperlinks.status import link_states
from portal.partners.models import Partnership

SESSION_KEY = "paper_links_opened"


# --------------------------------------------------------------------------- care office


@care_office_required
def link_list(request):
    links = list(PaperLink.objects.select_related("partnership", "office")[:200])
    return render(
        request,
        "paperlinks/list.html",
        {
            "states": link_states(links),
            "actual_day": settings.RENKEI_PAPER_LINK_ACTUAL_DAY,
            "reminder_days": settings.RENKEI_PAPER_LINK_REMINDER_DAYS,
        },
    )


@care_office_required
@single_submit
def link_revoke(request, paper_link_id: int):
    link = get_object_or_404(PaperLink, pk=paper_link_id)
    if request.method == "POST":
        services.paper_link_revoke(link=link, membership=request.membership)
        messages.success(
            request, f"{link.partner_office_number} への{wareki_month(link.month)}分のリンクを取り下げました。"
        )
        return redirect("paperlinks:list")
    return render(request, "paperlinks/revoke.html", {"link": link, "month_label": wareki_month(link.month)})


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")


@care_office_required
@single_submit
def link_send(request, partnership_id: int):
    partnership = get_object_or_404(Partnership.objects.filter(is_external=True), pk=partnership_id)
    today = timezone.localdate()
    form = SendForm(request.POST or None, initial={"month": today.replace(day=1)})
    if request.method == "POST" and form.is_valid():
        month = form.cleaned_data["month"]
        try:
            new = services.paper_link_create(
                office=request.office, membership=request.membership, partnership=partnership, month=month
            )
        except services.PaperLinkError as error:
            form.add_error("month", str(error))
        else:
            response = render(
                request,
                "paperlinks/sent.html",
                {
                    "partnership": partnership,
                    "link": new.link,
                    "code": new.code,
                    "url": new.url,
                    "qr_svg": _qr_svg(new.url),
                    "month_label": wareki_month(month),
                    "care_office": request.office,
                },
            )
            response["Cache-Control"] = "private, no-store"
            return response
    return render(request, "paperlinks/send.html", {"form": form, "partnership": partnership})


# --------------------------------------------------------------------------- partner (no account)


def _link_or_404(token: str) -> PaperLink:
    link = services.paper_link_by_token(token)
    if link is None:
        raise Http404
    return link


def _opened_link_or_404(request, token: str) -> PaperLink:
    link = _link_or_404(token)
    if link.pk not in request.session.get(SESSION_KEY, []) or services.paper_link_problem(link):
        raise Http404
    return link


def _partner_page(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "same-origin"  # no-referrer would make browsers post "Origin: null" (CSRF)
    return response


@never_cache
def enter(request, token: str):
    link = _link_or_404(token)
    problem = services.paper_link_problem(link)
    context = {"link": link, "care_office": link.office, "month_label": wareki_month(link.month)}
    if problem:
        return _partner_page(request, "paperlinks/closed.html", {**context, "problem": problem}, status=410)
    if link.pk in request.session.get(SESSION_KEY, []):
        return redirect("paperlink:sheet", token=token)
    form = AccessCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.paper_link_check_code(link=link, code=form.cleaned_data["code"]):
            request.session.cycle_key()
            request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, []), link.pk]
            services.paper_link_opened(link=link)
            return redirect("paperlink:sheet", token=token)
        problem = services.paper_link_problem(link)
        if problem:
            return _partner_page(request, "paperlinks/closed.html", {**context, "problem": problem}, status=410)
        form.add_error(
            "code",
            f"確認コードが違います。あと{services.attempts_left(link)}回間違えると、このリンクはロックされます。",
        )
    return _partner_page(
        request, "paperlinks/enter.html", {**context, "form": form}, status=422 if form.errors else 200
    )


@never_cache
def sheet(request, token: str):
    link = _opened_link_or_404(request, token)
    cards = []
    for schedule in services.paper_link_schedules(link):
        answers = services.paper_link_answers(link=link, client_id=schedule.client_id)
        with office_scope(link.office_id):
            try:
                cards.append(
                    {
                        "schedule": schedule,
                        "answered": answers[0] if answers else None,
                        "sheet": schedule_sheet(schedule, kind="provision", provider_number=link.partner_office_number),
                    }
                )
            except DocumentUnavailable as error:
                cards.append({"schedule": schedule, "problem": error.message})
    return _partner_page(
        request,
        "paperlinks/sheet.html",
        {
            "link": link,
            "token": token,
            "care_office": link.office,
            "month_label": wareki_month(link.month),
            "cards": cards,
            "answer_closed": services.answer_problem(link),
            "moved": join.moved(link),
            "invitation": join.pending_invitation(link),
        },
    )


@never_cache
@single_submit
def join_request(request, token: str):
    """「Renkei で受け取る」: an invitation from the care office to this partner's 事業所番号."""
    link = _opened_link_or_404(request, token)
    form = JoinForm(request.POST or None, initial={"email": link.emailed_to or link.partnership.contact_email})
    invitation = join.pending_invitation(link)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = join.paper_link_join(link=link, email=form.cleaned_data["email"])
        except join.JoinError as error:
            form.add_error("email", str(error))
        else:
            messages.success(request, "招待のメールを送りました。メールの手順で Renkei に登録してください。")
            return redirect("paperlink:join", token=token)
    return _partner_page(
        request,
        "paperlinks/join.html",
        {
            "link": link,
            "token": token,
            "care_office": link.office,
            "month_label": wareki_month(link.month),
            "form": form,
            "invitation": invitation,
            "moved": join.moved(link),
        },
        status=422 if form.errors else 200,
    )


@never_cache
def pdf(request, token: str, schedule_id: int):
    link = _opened_link_or_404(request, token)
    try:
        data, filename = services.paper_link_pdf(link=link, schedule_id=schedule_id)
    except services.PaperLinkError:
        raise Http404
    except (DocumentUnavailable, JapaneseFontMissing):
        messages.error(request, "この提供票のPDFを作成できませんでした。ケアマネジャーにお問い合わせください。")
        return redirect("paperlink:sheet", token=token)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --------------------------------------------------------------------------- 実績 answered by the partner

CHOICE_OK = "ok"
CHANGED_COUNTS = ("0", "1", "2", "3")
EXTRA_ROWS = 3


def _hhmm(text: str) -> str | None:
    """``09:30`` (as a time input sends it) or ``0930`` → ``0930``; None when it is no time of day."""
    digits = (text or "").strip().replace(":", "").replace("：", "")
    if len(digits) != 4 or not digits.isdigit() or int(digits[:2]) > 23 or int(digits[2:]) > 59:
        return None
    return digits


def _hh_mm(value: str) -> str:
    return f"{value[:2]}:{value[2:]}" if value and value != "9999" else ""


def _read_time(post, prefix: str, where: str, errors: list[str]) -> tuple[str, str]:
    """The changed start and end time under ``prefix`` (both or neither), as HHMM, or ("", "")."""
    raw_start, raw_end = post.get(f"{prefix}-start", "").strip(), post.get(f"{prefix}-end", "").strip()
    if not (raw_start or raw_end):
        return "", ""
    start, end = _hhmm(raw_start), _hhmm(raw_end)
    if not (raw_start and raw_end):
        errors.append(f"{where}: 時間を変更するときは、開始と終了の時刻を両方入力してください。")
    elif start is None or end is None:
        errors.append(
            f"{where}: 時刻は 9:30 のように入力してください（「{raw_start if start is None else raw_end}」は読み取れません）。"
        )
    elif start == end:
        errors.append(f"{where}: 開始と終了が同じ時刻です。")
    else:
        return start, end
    return "", ""


def _answer_form_rows(sheet_lines, lines, days_in_month, post):
    rows = []
    for grid, line in zip(sheet_lines, lines):
        timed = line.start_time not in ("", "9999")
        days = []
        for day, count in enumerate(line.planned_days[:days_in_month], start=1):
            if not count:
                continue
            name = f"d-{line.pk}-{day}"
            days.append(
                {
                    "day": day,
                    "planned": int(count),
                    "name": name,
                    "value": post.get(name, CHOICE_OK),
                    "start": post.get(f"t-{line.pk}-{day}-start", ""),
                    "end": post.get(f"t-{line.pk}-{day}-end", ""),
                }
            )
        rows.append(
            {
                "grid": grid,
                "line": line,
                "days": days,
                "timed": timed,
                "start": _hh_mm(line.start_time),
                "end": _hh_mm(line.end_time),
            }
        )
    return rows


def _read_answer(post, lines, names, days_in_month) -> tuple[list[services.Visit], list[str]]:
    """The visits from the posted choices, and Japanese messages for what cannot be read."""
    visits: list[services.Visit] = []
    errors: list[str] = []
    by_pk = {line.pk: line for line in lines}
    for line in lines:
        timed = line.start_time not in ("", "9999")
        for day, planned in enumerate(line.planned_days[:days_in_month], start=1):
            if not planned:
                continue
            where = f"{names[line.pk]} {day}日"
            value = post.get(f"d-{line.pk}-{day}", CHOICE_OK)
            if value == CHOICE_OK:
                count = int(planned)
            elif value in CHANGED_COUNTS:
                count = int(value)
            else:
                errors.append(f"{where}: 回答「{value}」を読み取れません。")
                continue
            start, end = _read_time(post, f"t-{line.pk}-{day}", where, errors) if timed else ("", "")
            if count:
                visits.append(services.Visit(line.pk, day, count, start, end))
    for i in range(1, EXTRA_ROWS + 1):
        line_pk, day, count = (post.get(f"extra-{i}-{k}", "").strip() for k in ("line", "day", "count"))
        if not (line_pk or day):
            continue
        where = f"予定外の訪問 {i}行目"
        if not line_pk.isdigit() or int(line_pk) not in by_pk:
            errors.append(f"{where}: サービスを選んでください。")
            continue
        if not day.isdigit() or not 1 <= int(day) <= days_in_month:
            errors.append(
                f"{where}: 日は1〜{days_in_month}日の中から選んでください（「{day or '未入力'}」は対象月にありません）。"
            )
            continue
        if count not in ("1", "2", "3"):
            errors.append(f"{where}: 回数は1〜3回から選んでください。")
            continue
        line = by_pk[int(line_pk)]
        start, end = _read_time(post, f"extra-{i}", where, errors) if line.start_time not in ("", "9999") else ("", "")
        visits.append(services.Visit(line.pk, int(day), int(count), start, end))
    return visits, errors


@never_cache
@single_submit
def answer(request, token: str, schedule_id: int):
    link = _opened_link_or_404(request, token)
    schedule = {s.pk: s for s in services.paper_link_schedules(link)}.get(schedule_id)
    if schedule is None:
        raise Http404
    closed = services.answer_problem(link)
    with office_scope(link.office_id):
        lines = [ln for ln in schedule.lines.all() if ln.provider_office_number == link.partner_office_number]
        try:
            grid = schedule_sheet(schedule, kind="provision", provider_number=link.partner_office_number).lines
        except DocumentUnavailable as error:
            messages.error(request, error.message)
            return redirect("paperlink:sheet", token=token)
    names = {line.pk: f"{g.service_name}（{g.time_label or '時間指定なし'}）" for g, line in zip(grid, lines)}
    days_in_month = schedule.days_in_month
    previous = services.paper_link_answers(link=link, client_id=schedule.client_id)
    errors: list[str] = []
    needs_confirmation = False
    if request.method == "POST" and closed:
        errors.append(closed)
    elif request.method == "POST":
        visits, errors = _read_answer(request.POST, lines, names, days_in_month)
        if not errors:
            try:
                services.paper_link_answer(
                    link=link, schedule_id=schedule.pk, visits=visits, replace=request.POST.get("replace") == "1"
                )
            except services.AnswerNeedsConfirmation as error:
                errors.append(str(error))
                needs_confirmation = True
                previous = services.paper_link_answers(link=link, client_id=schedule.client_id)
            except services.PaperLinkError as error:
                errors.append(str(error))
            else:
                messages.success(
                    request, f"{schedule.client.full_name}様の実績を送信しました。ありがとうございました。"
                )
                return redirect("paperlink:sheet", token=token)
    return _partner_page(
        request,
        "paperlinks/answer.html",
        {
            "link": link,
            "token": token,
            "care_office": link.office,
            "month_label": wareki_month(link.month),
            "schedule": schedule,
            "rows": _answer_form_rows(grid, lines, days_in_month, request.POST),
            "errors": errors,
            "previous": previous[0] if previous else None,
            "month_days": [str(d) for d in range(1, days_in_month + 1)],
            "needs_confirmation": needs_confirmation,
            "closed": closed,
            "extras": [
                {
                    "i": i,
                    **{k: request.POST.get(f"extra-{i}-{k}", "") for k in ("line", "day", "count", "start", "end")},
                }
                for i in range(1, EXTRA_ROWS + 1)
            ],
            "line_choices": [(str(line.pk), g.service_name, g.time_label) for g, line in zip(grid, lines)],
            "changed_counts": CHANGED_COUNTS,
        },
        status=422 if errors else 200,
    )
