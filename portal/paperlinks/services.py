"""提供票 by secure link: create, open with the access code, show the partner's own lines, audit.

- ``paper_link_create``: the care office 「送る」 a month to a partner on no system. Returns the
  link and the raw token and code — shown once to the care manager, never stored (only hashes).
- ``paper_link_by_token``: the partner's request finds its link by the token's hash only.
- ``paper_link_check_code``: five wrong codes (``RENKEI_PAPER_LINK_MAX_ATTEMPTS``) lock the link.
- ``paper_link_schedules``: the month's schedules of that care office with lines of that partner,
  for 利用者 whose consent covers サービス利用票・提供票 *today* (a revoked consent hides them).

Nothing here logs or emails personal data: the notice names the two offices and the month only.

Size: kept as one module (over ~400 lines) because the whole life of one entity, the PaperLink (create, open,
show, answer, remind, revoke, move), in the order it happens.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from portal.core.wareki import wareki_month
from portal.offices.tenancy import office_scope, scopes_disabled
from portal.paperlinks.models import PaperLink
from portal.partners.models import AuditAction, ConsentScope, Partnership
from portal.partners.services import audit_record, sharing_refusals

logger = logging.getLogger(__name__)

CODE_DIGITS = 6


class PaperLinkError(Exception):
    """Why a link cannot be sent or used, in Japanese."""


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "ignore")).hexdigest()


def link_url(token: str) -> str:
    return settings.SITE_URL + reverse("paperlink:enter", kwargs={"token": token})


def partner_label(partnership: Partnership) -> str:
    return f"連携先（{partnership.partner_office_number}・リンク）"


@dataclass
class NewLink:
    link: PaperLink
    token: str
    code: str

    @property
    def url(self) -> str:
        return link_url(self.token)


def paper_link_create(*, office, membership, partnership: Partnership, month: dt.date) -> NewLink:
    """Send ``month``'s 提供票 of ``office`` to ``partnership`` by link (email unless 紙のみ)."""
    from portal.paperlinks.ports import send_gate

    blockers = send_gate.get().blocker_messages(office)
    if blockers:
        raise PaperLinkError(blockers[0])
    if partnership.office_id != office.pk or not partnership.is_active or not partnership.is_external:
        raise PaperLinkError("リンクで送れるのは、Renkei を使っていない連携中の事業所だけです。")
    month = month.replace(day=1)
    if not paper_link_schedules_for(
        office=office, partner_office_number=partnership.partner_office_number, month=month
    ):
        raise PaperLinkError(
            f"{wareki_month(month)}分に、この連携先の予定があり同意のある利用者がいません。"
            "サービス利用票の予定と同意を確認してください。"
        )
    token = secrets.token_urlsafe(24)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    email = "" if partnership.paper_only else partnership.contact_email
    now = timezone.now()
    with transaction.atomic():
        link = PaperLink.objects.create(
            created_at=now,
            office=office,
            partnership=partnership,
            partner_office_number=partnership.partner_office_number,
            month=month,
            token_hash=_token_hash(token),
            code_hash=make_password(code),
            created_by=membership,
            expires_at=now + dt.timedelta(days=settings.RENKEI_PAPER_LINK_DAYS),
            emailed_to=email,
        )
        audit_record(
            office=office,
            actor=membership,
            action=AuditAction.PAPER_LINK_SENT,
            partner_office_number=link.partner_office_number,
            detail={"paper_link_id": link.pk, "month": f"{month:%Y-%m}", "emailed": bool(email)},
        )
        if email:
            body = render_to_string(
                "paperlinks/email/notice.txt",
                {
                    "care_office": office,
                    "partnership": partnership,
                    "month_label": wareki_month(month),
                    "url": link_url(token),
                    "expires_at": link.expires_at,
                },
            )
            subject = f"[Renkei] {office.name}からサービス提供票が届いています"
            transaction.on_commit(lambda: send_mail(subject, body, None, [email]))
    logger.info("paper link sent office=%s link=%s emailed=%s", office.pk, link.pk, bool(email))
    return NewLink(link=link, token=token, code=code)


def paper_link_by_token(token: str) -> PaperLink | None:
    """The link a partner's request names, found by the hash of its token (no office scope yet).

    Runs with scopes disabled for this single lookup: the token is the partner's only key and the
    result is then used strictly inside ``office_scope(link.office_id)``.
    """
    if not token or len(token) > 64:
        return None
    with scopes_disabled():
        return PaperLink.objects.select_related("office", "partnership").filter(token_hash=_token_hash(token)).first()


def paper_link_problem(link: PaperLink) -> str | None:
    """Why the link cannot be opened now (Japanese), or None."""
    if link.revoked_at is not None:
        return (
            f"{link.office.name}がこの月（{wareki_month(link.month)}分）の提供票を取り下げました。"
            "新しい提供票が届くまでお待ちください。"
        )
    if link.is_locked:
        return (
            "確認コードを続けて間違えたため、このリンクはロックされました。"
            f"{link.office.name}に電話でお問い合わせください。"
        )
    if link.is_expired:
        return f"このリンクの有効期限が切れています。{link.office.name}にお問い合わせください。"
    return None


def paper_link_check_code(*, link: PaperLink, code: str) -> bool:
    """True when ``code`` is right; a wrong one counts, and the last allowed one locks the link."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    with transaction.atomic():
        with scopes_disabled():
            fresh = PaperLink.objects.select_for_update().get(pk=link.pk)
        if fresh.locked_at is not None:
            link.locked_at = fresh.locked_at
            return False
        if code and check_password(code, fresh.code_hash):
            return True
        fresh.failed_attempts += 1
        locked = fresh.failed_attempts >= settings.RENKEI_PAPER_LINK_MAX_ATTEMPTS
        if locked:
            fresh.locked_at = timezone.now()
        fresh.save(update_fields=["failed_attempts", "locked_at"])
        link.failed_attempts, link.locked_at = fresh.failed_attempts, fresh.locked_at
        with office_scope(link.office_id):
            audit_record(
                office=link.office_id,
                actor=None,
                actor_name=partner_label(link.partnership),
                action=AuditAction.PAPER_LINK_LOCKED if locked else AuditAction.PAPER_LINK_CODE_FAILED,
                partner_office_number=link.partner_office_number,
                detail={"paper_link_id": link.pk, "failed_attempts": fresh.failed_attempts},
            )
    return False


def attempts_left(link: PaperLink) -> int:
    return max(settings.RENKEI_PAPER_LINK_MAX_ATTEMPTS - link.failed_attempts, 0)


def paper_link_schedules_for(*, office, partner_office_number: str, month: dt.date) -> list:
    """Schedules of ``month`` with lines of the partner, for 利用者 whose consent covers them today."""
    from portal.documents.sheets import schedule_queryset

    with office_scope(office):
        schedules = list(
            schedule_queryset()
            .filter(month=month, lines__provider_office_number=partner_office_number)
            .distinct()
            .order_by("client__family_name_kana", "client__given_name_kana", "pk")
        )
        refused = sharing_refusals(
            office=office,
            clients=[s.client for s in schedules],
            recipient_office_number=partner_office_number,
            scope=ConsentScope.SCHEDULE,
        )
    return [s for s in schedules if s.client_id not in refused]


def paper_link_schedules(link: PaperLink) -> list:
    return paper_link_schedules_for(
        office=link.office, partner_office_number=link.partner_office_number, month=link.month
    )


def paper_link_opened(*, link: PaperLink) -> None:
    """Record a view of the link page in the care office's audit trail."""
    with office_scope(link.office_id):
        if link.first_opened_at is None:
            link.first_opened_at = timezone.now()
            PaperLink.objects.filter(pk=link.pk, first_opened_at__isnull=True).update(
                first_opened_at=link.first_opened_at
            )
        audit_record(
            office=link.office_id,
            actor=None,
            actor_name=partner_label(link.partnership),
            action=AuditAction.PAPER_LINK_OPENED,
            partner_office_number=link.partner_office_number,
            detail={"paper_link_id": link.pk, "month": f"{link.month:%Y-%m}"},
        )


def paper_link_pdf(*, link: PaperLink, schedule_id: int) -> tuple[bytes, str]:
    """The サービス提供票・別表 PDF of one schedule, only this partner's lines; audited."""
    from portal.documents import services as documents

    schedules = {s.pk: s for s in paper_link_schedules(link)}
    schedule = schedules.get(schedule_id)
    if schedule is None:
        raise PaperLinkError("この提供票は表示できません。")
    with office_scope(link.office_id):
        pdf, sheet = documents.schedule_pdf(
            schedule=schedule, kind="provision", provider_number=link.partner_office_number
        )
        audit_record(
            office=link.office_id,
            actor=None,
            actor_name=partner_label(link.partnership),
            action=AuditAction.PAPER_LINK_DOWNLOADED,
            client=schedule.client_id,
            partner_office_number=link.partner_office_number,
            detail={"paper_link_id": link.pk, "schedule_id": schedule.pk, "month": f"{link.month:%Y-%m}"},
        )
    return pdf, documents.schedule_pdf_filename(sheet)


# --------------------------------------------------------------------------- 実績 answered in the browser


class AnswerNeedsConfirmation(PaperLinkError):
    """A previous answer exists: the partner must confirm that this one replaces it."""


def paper_link_answers(*, link: PaperLink, client_id: int):
    from portal.paperlinks.models import PaperLinkAnswer

    with office_scope(link.office_id):
        return list(
            PaperLinkAnswer.objects.filter(
                link__office_id=link.office_id,
                client_id=client_id,
                link__partner_office_number=link.partner_office_number,
                link__month=link.month,
            )
        )


def _sequence_after(link: PaperLink, client_id: int) -> dt.datetime:
    """A ファイル連番 (second precision) later than every 実績 already imported from this partner."""
    from portal.paperlinks.ports import actual_import

    now = timezone.localtime().replace(microsecond=0, tzinfo=None)
    with office_scope(link.office_id):
        last = actual_import.get().last_sequence(link.office_id, client_id, link.month, link.partner_office_number)
    if last and last >= f"{now:%Y%m%d%H%M%S}":
        now = dt.datetime.strptime(last, "%Y%m%d%H%M%S") + dt.timedelta(seconds=1)
    return now


@dataclass(frozen=True)
class Visit:
    """One answered visit: ``count`` times on ``day`` of a line; ``start``/``end`` (HHMM) only when the
    partner changed the time (empty: the line's own time)."""

    line_pk: int
    day: int
    count: int
    start: str = ""
    end: str = ""


def answer_units(*, link: PaperLink, schedule, visits: list[Visit], sequence: dt.datetime) -> list:
    """The standard files of an answer, as the partner's own software would send them: per service
    kind a 実績 (UPJSK) unit, or a 実績削除 (DLTJSK) unit when nothing of that kind was provided."""
    from linkage.standard import build_send_unit
    from portal.masters.selectors import service_code_units
    from portal.schedules.annex import discounted
    from portal.schedules.short_stay import SHORT_STAY_KINDS, short_stay_of
    from portal.schedules.standard import detail_numbers, satellite_branches

    partner = link.partner_office_number
    care_office = link.office
    client = schedule.client
    own = [line for line in schedule.lines.all() if line.provider_office_number == partner]
    units_of = service_code_units({line.service_code for line in own}, schedule.month)
    rates = {
        s.service_type_code: s.discount_rate
        for s in client.services.all()
        if s.provider_office_number == partner and s.discount_rate is not None
    }
    per_of = {}
    for line in own:  # No.8: the 割引後単位数 when the partner offers a 割引
        per = line.units_entered if line.units_entered is not None else units_of.get(line.service_code, 0)
        rate = rates.get(line.service_type_code, line.discount_rate)
        per_of[line.pk] = discounted(per, rate) if rate else per
    counts: dict[tuple[int, int, str, str], int] = {}
    by_pk = {line.pk: line for line in own}
    for visit in visits:
        line = by_pk.get(visit.line_pk)
        if line is None or not 1 <= visit.day <= schedule.days_in_month or visit.count <= 0:
            continue
        key = (line.pk, visit.day, visit.start or line.start_time, visit.end or line.end_time)
        counts[key] = counts.get(key, 0) + visit.count
    order = {line.pk: i for i, line in enumerate(own)}
    actual: dict[int, list[int]] = {}  # per line, the answered count of each day (for the 短期入所 days)
    for (pk, day, _start, _end), count in counts.items():
        actual.setdefault(pk, [0] * schedule.days_in_month)[day - 1] += count
    satellites = satellite_branches(client, own)
    planner = client.care_manager.name if client.care_manager_id else ""  # プラン担当者名 (No.7)
    stay = None
    if any(line.service_type_code in SHORT_STAY_KINDS for line in own):
        stay = short_stay_of(
            client=client,
            month=schedule.month,
            lines=((line.service_type_code, actual.get(line.pk, [])) for line in own),
            entered_before=schedule.short_stay_days_before,
        )
    ym = f"{schedule.month:%Y%m}"
    built = []
    for kind in sorted({line.service_type_code for line in own}):
        lines = [line for line in own if line.service_type_code == kind]
        answered = {key[0] for key in counts}
        detail = detail_numbers(
            (line.pk, partner, line.service_code, per_of[line.pk]) for line in lines if line.pk in answered
        )
        rows = []
        short = stay is not None and kind in SHORT_STAY_KINDS
        for (pk, day, start, end), count in sorted(counts.items(), key=lambda kv: (order[kv[0][0]], kv[0][1:])):
            line = by_pk[pk]
            if line.service_type_code != kind:
                continue
            rows.append(
                {
                    2: client.insurer_number,
                    3: client.insured_number,
                    4: timezone.localdate(),
                    6: care_office.office_number,
                    7: planner or None,
                    8: per_of[line.pk],
                    10: schedule.month.replace(day=day),
                    11: line.prorated_days or None,
                    12: start,
                    13: end,
                    14: int(count),
                    15: line.service_code,
                    16: line.tais_code or None,
                    17: line.notified_code or None,
                    18: line.equipment_name or None,
                    19: detail.get(line.pk),
                    20: partner,
                    21: link.partnership.partner_name[:100],
                    22: satellites.get((partner, kind)),
                    23: "1" if short and day in stay.over30_days else "0",
                    24: partner,
                    **({9: stay.before} if short and (stay.used or stay.entered) else {}),
                }
            )
        if rows:
            unit_kind, records = "actual", {"UPJSK": rows}
        else:
            unit_kind = "actual_delete"
            records = {"DLTJSK": [{2: client.insurer_number, 3: client.insured_number, 4: ym, 5: partner, 6: kind}]}
        built.append(
            build_send_unit(
                unit_kind,
                records,
                sender_office=partner,
                sender_kind=kind,
                recipient_office=care_office.office_number,
                recipient_kind="43",
                sequence=sequence,
                month=schedule.month,
            )
        )
    return built


def paper_link_answer(*, link: PaperLink, schedule_id: int, visits: list[Visit], replace: bool = False):
    """Turn the partner's answer for one 利用者 into standard 実績 files and import them through the
    same path as files received from the national system.

    A second answer for the same 利用者 and month needs ``replace`` (the partner's confirmation); the
    row of every answer stays, and each one is in the audit trail. The lock on the link serialises two
    answers sent at the same moment, so that the second one meets the first and asks for confirmation.
    """
    from portal.paperlinks.models import PaperLinkAnswer
    from portal.paperlinks.ports import FilesRejected, actual_import

    problem = answer_problem(link)
    if problem:
        raise PaperLinkError(problem)
    schedule = {s.pk: s for s in paper_link_schedules(link)}.get(schedule_id)
    if schedule is None:
        raise PaperLinkError("この利用者の実績は回答できません（同意が撤回されたか、予定が取り下げられました）。")
    with office_scope(link.office_id), transaction.atomic():
        with scopes_disabled():
            PaperLink.objects.select_for_update().filter(pk=link.pk).first()
        previous = paper_link_answers(link=link, client_id=schedule.client_id)
        if previous and not replace:
            raise AnswerNeedsConfirmation(
                "この利用者の実績は回答済みです。置き換える場合は「前回の回答を置き換える」にチェックを入れて、"
                "もう一度「実績を送信」を押してください。"
            )
        units = answer_units(
            link=link, schedule=schedule, visits=visits, sequence=_sequence_after(link, schedule.client_id)
        )
        files = [f for unit in units for f in unit.files]
        try:
            imported = actual_import.get().files_import(link.office, files)
        except FilesRejected as error:
            logger.warning("paper link answer rejected office=%s link=%s", link.office_id, link.pk)
            raise PaperLinkError("実績を取り込めませんでした。入力を確認して、もう一度送信してください。") from error
        if not imported.all_imported:
            raise PaperLinkError("実績を取り込めませんでした。ケアマネジャーにお問い合わせください。")
        answer = PaperLinkAnswer.objects.create(
            link=link,
            client_id=schedule.client_id,
            replaced_previous=bool(previous),
            received_package_ids=imported.received_ids,
        )
        audit_record(
            office=link.office_id,
            actor=None,
            actor_name=partner_label(link.partnership),
            action=AuditAction.PAPER_LINK_ANSWERED,
            client=schedule.client_id,
            partner_office_number=link.partner_office_number,
            detail={
                "paper_link_id": link.pk,
                "answer_id": answer.pk,
                "replaced": bool(previous),
                "replaced_answer_id": previous[0].pk if previous else None,
                "visits": len(visits),
                "received_ids": imported.received_ids,
            },
        )
    return answer


def hub_sent(link: PaperLink) -> bool:
    """The care office has since sent this month's 提供票 to the partner through Renkei (it moved)."""
    from portal.paperlinks.ports import send_gate

    with office_scope(link.office_id):
        return send_gate.get().schedule_sent_by_hub(link.office_id, link.month, link.partner_office_number)


def answer_problem(link: PaperLink) -> str | None:
    """Why the link takes no answer now (Japanese), or None."""
    if hub_sent(link):
        return (
            f"{wareki_month(link.month)}分の提供票は、{link.office.name}から Renkei で送られています。"
            "実績は Renkei の「実績を送る」から送ってください（このページでは回答を受け付けません）。"
        )
    return None


def paper_link_revoke(*, link: PaperLink, membership) -> PaperLink:
    """The care office withdraws a link: the partner's page then says so and shows nothing."""
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        audit_record(
            office=link.office_id,
            actor=membership,
            action=AuditAction.PAPER_LINK_REVOKED,
            partner_office_number=link.partner_office_number,
            detail={"paper_link_id": link.pk, "month": f"{link.month:%Y-%m}"},
        )
    return link
