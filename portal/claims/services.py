"""月次の締め: what is missing per 利用者, confirming 実績, the 給付管理票 and the 国保連 file."""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone

from linkage import kokuho
from portal.claims.benefit import (
    CertPeriod,
    ProviderUnits,
    Statement,
    StatementError,
    StatementLine,
    statement_build,
    statement_records,
)
from portal.claims.models import (
    ActualConfirmation,
    CareManagerNumber,
    FileDownload,
    Rejection,
    StatementKind,
    TransmissionFile,
)

logger = logging.getLogger(__name__)

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


# --------------------------------------------------------------------------- the month's state


@dataclass
class ProviderStatus:
    provider_office_number: str
    provider_name: str
    service_type_code: str
    arrived: bool
    how: str  # 受信 / 手入力 / ""

    @property
    def key(self) -> str:
        return f"{self.provider_office_number}-{self.service_type_code}"


@dataclass
class CloseRow:
    client: object
    schedule: object
    providers: list[ProviderStatus]
    differences: list[dict]
    units: list[ProviderUnits]
    statement: Statement | None
    problems: list[str]
    periods: list[CertPeriod] = field(default_factory=list)
    confirmations: list = field(default_factory=list)  # newest first
    rejections: list = field(default_factory=list)  # newest first

    @property
    def returned(self) -> bool:
        """The 国保連 returned (返戻) the 給付管理票 last filed: it must be confirmed and filed again."""
        current = self.current
        if current is None or current.file is None:
            return False
        return any(
            r.kind == "returned" and r.target == "benefit" and r.recorded_at > current.file.created_at
            for r in self.rejections
        )

    @property
    def current(self):
        return self.confirmations[0] if self.confirmations else None

    @property
    def missing(self) -> list[ProviderStatus]:
        return [p for p in self.providers if not p.arrived]

    @property
    def over_units(self) -> int:
        return self.statement.over_units if self.statement else 0

    @property
    def stale(self) -> bool:
        """Confirmed, but the 実績 have changed since (a new version is needed)."""
        return bool(
            self.current
            and self.statement
            and self.current.kind != StatementKind.CANCELLATION
            and self.current.statement.get("lines") != statement_to_json(self.statement)["lines"]
        )

    @property
    def state(self) -> str:
        if self.current is None:
            return "未確定"
        if self.returned:
            return "返戻"
        if self.stale:
            return "確定後に実績が変更"
        return "確定済み"


def _actual_rows(schedule):
    from portal.schedules.grid import rows_from_lines

    lines = list(schedule.lines.all())
    rows = rows_from_lines(lines)
    for row, line in zip(rows, lines):
        row.days = [str(n) if n else "" for n in (list(line.actual_days) + [0] * 31)[:31]]
    return lines, rows


def _units_and_statement(
    schedule, office, *, masters=None, offices=None
) -> tuple[list[ProviderUnits], Statement | None, list[str], list]:
    """The 第7表 of the 実績 and the 給付管理票 built from it (problems in Japanese)."""
    from portal.schedules.selectors import sheet_state

    client = schedule.client
    month = schedule.month
    lines, rows = _actual_rows(schedule)
    state = sheet_state(client=client, month=month, rows=rows, care_office=office, masters=masters, offices=offices)
    units = []
    for group in state.annex.groups:
        managed = group.managed_units
        over = sum(r.over for r in group.rows if r.limit_target)
        units.append(
            ProviderUnits(
                provider_office_number=group.provider_office_number,
                provider_name=group.provider_name or state.provider_names.get(group.provider_office_number, ""),
                service_type_code=group.service_type_code,
                managed_units=managed,
                over_units=over,
            )
        )
    problems = []
    for code in state.annex.unknown_codes:
        problems.append(f"サービスコード {code} がマスタにありません。")
    certs = [c for c in client.certifications.all() if c.valid_from <= month_end(month) and c.valid_to >= month]
    certified = [c for c in certs if c.is_certified]
    if any(not c.is_certified for c in certs):
        problems.append("この月に認定が申請中・未確定の期間があります（認定結果を登録してください）。")
    periods = [
        CertPeriod(
            care_level=c.care_level,
            valid_from=c.valid_from,
            valid_to=c.valid_to,
            limit_units=c.benefit_limit_units or state.masters.benefit_limit(c.care_level) or c.limit_units,
        )
        for c in certified
    ]
    covered = set()
    for c in certified:
        for d in range(1, month_end(month).day + 1):
            if c.valid_from <= month.replace(day=d) <= c.valid_to:
                covered.add(d)
    outside = sorted(
        {d for line in lines for d in range(1, 32) if (list(line.actual_days) + [0] * 31)[d - 1] and d not in covered}
    )
    if outside:
        problems.append(
            "認定の有効期間外の日に実績があります（"
            + "、".join(f"{d}日" for d in outside[:5])
            + ("ほか" if len(outside) > 5 else "")
            + "）。"
        )
    statement = None
    try:
        statement = statement_build(month=month, certifications=periods, units=units)
    except StatementError as exc:
        problems.append(str(exc))
    if statement and statement.care_level not in CARE_LEVELS_BILLED_HERE:
        problems.append("要支援の月は介護予防支援（地域包括支援センター）の給付管理票になります。")
    return units, statement, problems, periods


def _month_masters_and_offices(schedules, month: dt.date):
    """The month's masters and the verified provider offices for every schedule at once (2–3 queries,
    whatever the number of 利用者), handed to each 利用者's 第7表."""
    from portal.masters.selectors import month_masters
    from portal.offices.models import Office

    codes, kinds, numbers = set(), set(), set()
    for schedule in schedules:
        for line in schedule.lines.all():
            codes.add(line.service_type_code + line.service_item_code)
            kinds.add(line.service_type_code)
            numbers.add(line.provider_office_number)
        for s in schedule.client.services.all():
            kinds.add(s.service_type_code)
            numbers.add(s.provider_office_number)
    kinds.discard("")
    masters = month_masters(month, service_codes=codes, kinds=kinds)
    offices = (
        list(
            Office.objects.filter(verification_status="verified", office_number__in=numbers).prefetch_related(
                "service_kinds"
            )
        )
        if numbers
        else []
    )
    return masters, offices


def month_close(office, month: dt.date, client_ids=None) -> list[CloseRow]:
    """Per 利用者 with a 第6表 in ``month``: 実績 arrived per provider, 予実 differences, excess, problems."""
    from portal.claims.ports import received_actuals
    from portal.clients.models import Certification
    from portal.schedules.models import ServiceSchedule, ServiceScheduleLine

    schedules = (
        ServiceSchedule.objects.filter(client__office=office, month=month)
        .select_related("client__care_manager__user", "client__office")
        .prefetch_related(
            Prefetch("client__certifications", queryset=Certification.objects.order_by("valid_from")),
            "client__services",
            "client__kind_limits",
            Prefetch("lines", queryset=ServiceScheduleLine.objects.order_by("sort_order", "pk")),
        )
        .order_by("client__family_name_kana", "client__given_name_kana", "client__pk")
    )
    if client_ids is not None:
        schedules = schedules.filter(client_id__in=list(client_ids))
    schedules = list(schedules)
    ids = [s.client_id for s in schedules]
    masters, offices = _month_masters_and_offices(schedules, month)
    received = received_actuals.get().received_keys(office, month, ids)
    differences: dict[int, list[dict]] = {}
    for diff in received_actuals.get().month_differences(office, month, ids):
        differences.setdefault(diff["client"].pk, []).append(diff)
    confirmations: dict[int, list] = {}
    for c in (
        ActualConfirmation.objects.filter(office=office, month=month, client_id__in=ids)
        .select_related("file")
        .order_by("-version")
    ):
        confirmations.setdefault(c.client_id, []).append(c)

    rejections: dict[int, list] = {}
    for r in Rejection.objects.filter(office=office, month=month, client_id__in=ids).order_by("-recorded_at"):
        rejections.setdefault(r.client_id, []).append(r)
    rows = []
    for schedule in schedules:
        providers: dict[tuple[str, str], ProviderStatus] = {}
        for line in schedule.lines.all():
            key = (line.provider_office_number, line.service_type_code)
            status = providers.get(key)
            if status is None:
                via_hub = (schedule.client_id, *key) in received
                status = providers[key] = ProviderStatus(
                    line.provider_office_number,
                    line.provider_name,
                    key[1],
                    arrived=via_hub,
                    how="受信" if via_hub else "",
                )
            if not status.arrived and line.actual_total > 0:
                status.arrived, status.how = True, "手入力"
        units, statement, problems, periods = _units_and_statement(schedule, office, masters=masters, offices=offices)
        mine = confirmations.get(schedule.client_id, [])
        moved = mine[0].statement.get("over_by") if mine else None
        if statement is not None and moved:  # the care manager moved the excess when confirming: keep it
            try:
                statement = statement_build(month=month, certifications=periods, units=units, over_by=moved)
            except StatementError:
                pass  # the 実績 changed so that the move no longer fits: the row shows as changed
        rows.append(
            CloseRow(
                client=schedule.client,
                schedule=schedule,
                providers=list(providers.values()),
                differences=differences.get(schedule.client_id, []),
                units=units,
                statement=statement,
                problems=problems,
                periods=periods,
                confirmations=mine,
                rejections=rejections.get(schedule.client_id, []),
            )
        )
    return rows


# --------------------------------------------------------------------------- confirming


def confirmation_create(
    *,
    office,
    client,
    month: dt.date,
    membership,
    base_version: int,
    missing_reason: str = "",
    differences_ok: bool = False,
    over_by: dict[str, int] | None = None,
) -> ActualConfirmation:
    """Confirm ``client``'s 実績 for ``month`` as version ``base_version + 1``.

    Refused (CloseError, in Japanese) when 実績 are missing without a reason, 予実 differences are not
    acknowledged, the 認定 does not cover the 実績, or someone confirmed in the meantime.
    """
    [row] = month_close(office, month, client_ids=[client.pk]) or [None]
    if row is None:
        raise CloseError("この月のサービス利用票（第6表）がありません。")
    latest = row.current.version if row.current else 0
    if base_version != latest:
        raise ConfirmationConflict(
            f"{client.full_name}さんの実績は他の方が先に確定しました（第{latest}版）。"
            "画面を読み込み直して内容を確かめてください。"
        )
    if row.problems:
        raise CloseError("確定できません: " + " ".join(row.problems))
    missing_reason = (missing_reason or "").strip()
    if row.missing and not missing_reason:
        names = "、".join(p.provider_name or p.provider_office_number for p in row.missing)
        raise CloseError(f"実績が届いていない事業所があります（{names}）。確定するには理由を入力してください。")
    if row.differences and not differences_ok:
        raise CloseError(
            f"予定と実績が違う行が{len(row.differences)}行あります。内容を確かめて"
            "「予実の違いを確認しました」にチェックを入れてください。"
        )
    statement = row.statement
    if over_by:
        try:
            statement = statement_build(month=month, certifications=row.periods, units=row.units, over_by=over_by)
        except StatementError as exc:
            raise CloseError(str(exc)) from exc
    registered = registered_kind(row.confirmations, row.rejections)
    kind = (
        StatementKind.CORRECTION if registered in (StatementKind.NEW, StatementKind.CORRECTION) else StatementKind.NEW
    )
    try:
        with transaction.atomic():
            confirmation = ActualConfirmation.objects.create(
                office=office,
                client=client,
                month=month,
                version=latest + 1,
                kind=kind,
                statement={**statement_to_json(statement), **({"over_by": over_by} if over_by else {})},
                missing_reason=missing_reason if row.missing else "",
                missing=[p.key for p in row.missing],
                differences_acknowledged=len(row.differences),
                confirmed_by=membership,
                confirmed_by_name=_name(membership),
            )
    except IntegrityError as exc:
        raise ConfirmationConflict(
            f"{client.full_name}さんの実績は他の方が先に確定しました。画面を読み込み直して内容を確かめてください。"
        ) from exc
    logger.info(
        "claims confirmation office=%s confirmation=%s version=%s", office.pk, confirmation.pk, confirmation.version
    )
    return confirmation


def registered_kind(confirmations, rejections) -> str | None:
    """作成区分 of the 給付管理票 the 国保連 holds for the month (None: none), from the filed versions
    (newest first) less those returned (a 返戻 recorded after their file and before the next file)."""
    filed = [c for c in confirmations if c.file_id]
    returns = [r.recorded_at for r in rejections if r.kind == "returned" and r.target == "benefit"]
    for i, c in enumerate(filed):
        next_file_at = filed[i - 1].file.created_at if i else None
        if any(t > c.file.created_at and (next_file_at is None or t < next_file_at) for t in returns):
            continue
        return c.kind
    return None


def statement_cancel(*, office, client, month: dt.date, membership, base_version: int) -> ActualConfirmation:
    """A 取消 給付管理票: only for a statement already carried by a file."""
    latest = ActualConfirmation.objects.filter(office=office, client=client, month=month).order_by("-version").first()
    current = latest.version if latest else 0
    if base_version != current:
        raise ConfirmationConflict(f"{client.full_name}さんの実績は他の方が先に変更しました（第{current}版）。")
    filed = (
        ActualConfirmation.objects.filter(office=office, client=client, month=month, file__isnull=False)
        .order_by("-version")
        .first()
    )
    if filed is None or filed.kind == StatementKind.CANCELLATION:
        raise CloseError("国保連に提出した給付管理票がないため、取消は作れません。")
    try:
        with transaction.atomic():
            return ActualConfirmation.objects.create(
                office=office,
                client=client,
                month=month,
                version=current + 1,
                kind=StatementKind.CANCELLATION,
                statement=filed.statement,
                confirmed_by=membership,
                confirmed_by_name=_name(membership),
            )
    except IntegrityError as exc:
        raise ConfirmationConflict("他の方が先に変更しました。画面を読み込み直してください。") from exc


# --------------------------------------------------------------------------- the file


@dataclass
class FileCheck:
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    nothing_to_file: bool = False


def _care_manager_number(client, numbers: dict[int, str] | None = None) -> str:
    """The 介護支援専門員番号 of ``client``'s care manager ('' when none); ``numbers`` caches {membership id: number}."""
    membership_id = client.care_manager_id
    if membership_id is None:
        return ""
    if numbers is not None:
        return numbers.get(membership_id, "")
    number = CareManagerNumber.objects.filter(membership_id=membership_id).first()
    return number.number if number else ""


def _care_manager_numbers(office) -> dict[int, str]:
    return dict(CareManagerNumber.objects.filter(office=office).values_list("membership_id", "number"))


def process_month_for(month: dt.date, today: dt.date) -> dt.date:
    """処理対象年月: the month after the service month, or this month for a 月遅れ."""
    return max(next_month(month), today.replace(day=1))


def benefit_file_check(
    office, month: dt.date, rows: list[CloseRow] | None = None
) -> tuple[FileCheck, list[ActualConfirmation]]:
    """Checks before the 給付管理票 file is made (Japanese, with the 利用者); the confirmations it would carry."""
    from portal.clients.models import validate_insured_number, validate_insurer_number

    check = FileCheck()
    rows = month_close(office, month) if rows is None else rows
    numbers = _care_manager_numbers(office)
    pending = []
    for row in rows:
        who = f"{row.client.full_name}さん"
        current = row.current
        has_service = any(u.managed_units for u in row.units)
        if current is None:
            if has_service:
                check.errors.append(f"{who}: 実績が確定されていません（給付管理票がありません）。")
            continue
        if current.file_id:
            if row.returned:
                check.errors.append(
                    f"{who}: 給付管理票が返戻されました。内容を直してもう一度確定してください（新規で提出します）。"
                )
            elif row.stale:
                check.errors.append(
                    f"{who}: 確定後に実績が変わりました。もう一度確定すると修正の給付管理票になります。"
                )
            continue
        if row.stale:
            check.errors.append(
                f"{who}: 確定（第{current.version}版）の後に実績が変わりました。もう一度確定してください。"
            )
        for validator, value, label in (
            (validate_insured_number, row.client.insured_number, "被保険者番号"),
            (validate_insurer_number, row.client.insurer_number, "保険者番号"),
        ):
            try:
                validator(value)
            except ValidationError as exc:
                check.errors.append(f"{who}: {label}が正しくありません（{' '.join(exc.messages)}）。")
        if not _care_manager_number(row.client, numbers):
            check.errors.append(
                f"{who}: 担当介護支援専門員の介護支援専門員番号が登録されていません（「介護支援専門員番号」で登録）。"
            )
        if current.kind != StatementKind.CANCELLATION:
            for problem in row.problems:
                check.errors.append(f"{who}: {problem}")
            if row.statement and row.statement.care_level_changed:
                check.notes.append(
                    f"{who}: 月の途中で要介護度が変わりました（重い方の{row.statement.care_level}で作成）。"
                )
        if current.missing:
            check.notes.append(f"{who}: 実績未着のまま確定（理由: {current.missing_reason}）。")
        current.client = row.client  # already loaded with the row
        pending.append(current)
    check.nothing_to_file = not pending
    return check, pending


def _next_letter(office, process_month: dt.date) -> str:
    used = set(
        TransmissionFile.objects.filter(office=office, process_month=process_month).values_list("name", flat=True)
    )
    for letter in "abcdefghijklmnopqrstuvwxyz":
        if kokuho.file_name(process_month, letter) not in used:
            return letter
    raise CloseError("この処理月のファイルは26個までです。")


def benefit_file_make(*, office, month: dt.date, membership, today: dt.date | None = None) -> TransmissionFile:
    """The 給付管理票 file (データ種別 821) of every confirmed, not yet filed 利用者 of ``month``."""
    today = today or timezone.localdate()
    check, pending = benefit_file_check(office, month)
    if check.errors:
        raise CloseError("\n".join(check.errors))
    if not pending:
        raise CloseError(
            "ファイルに載せる給付管理票がありません（確定済みで、まだファイルにしていない利用者がいません）。"
        )
    records = []
    numbers = _care_manager_numbers(office)
    for c in pending:
        client = c.client
        records += statement_records(
            statement_from_json(c.statement),
            kind=c.kind,
            created_on=today,
            insurer_number=client.insurer_number,
            office_number=office.office_number,
            insured_number=client.insured_number,
            birth_date=client.birth_date,
            sex=client.sex,
            care_manager_number=_care_manager_number(client, numbers),
        )
    process_month = process_month_for(month, today)
    try:
        content = kokuho.write(
            data_type=kokuho.DATA_TYPE_BENEFIT,
            office_number=office.office_number,
            process_month=process_month,
            records=records,
        )
    except kokuho.KokuhoError as exc:
        raise CloseError("ファイルを作れませんでした:\n" + str(exc)) from exc
    with transaction.atomic():
        locked = list(
            ActualConfirmation.objects.select_for_update().filter(pk__in=[c.pk for c in pending], file__isnull=True)
        )
        if len(locked) != len(pending):
            raise CloseError("他の方が同時にファイルを作りました。画面を読み込み直してください。")
        file = TransmissionFile.objects.create(
            office=office,
            month=month,
            process_month=process_month,
            data_type=kokuho.DATA_TYPE_BENEFIT,
            name=kokuho.file_name(process_month, _next_letter(office, process_month)),
            content=content,
            record_count=len(records),
            client_count=len(pending),
            summary={
                "missing": {str(c.client_id): c.missing_reason for c in pending if c.missing},
                "kinds": {str(c.client_id): c.kind for c in pending},
                "notes": len(check.notes),
            },
            created_by=membership,
            created_by_name=_name(membership),
        )
        ActualConfirmation.objects.filter(pk__in=[c.pk for c in pending]).update(file=file)
    logger.info("claims file office=%s file=%s records=%s", office.pk, file.pk, len(records))
    return file


def file_download(*, file: TransmissionFile, membership) -> bytes:
    FileDownload.objects.create(file=file, by=membership, by_name=_name(membership))
    return bytes(file.content)


def care_manager_number_set(*, office, membership, number: str) -> None:
    number = (number or "").strip()
    if number and (len(number) != 8 or not number.isdigit()):
        raise CloseError("介護支援専門員番号は8桁の数字です。")
    if not number:
        CareManagerNumber.objects.filter(office=office, membership=membership).delete()
        return
    CareManagerNumber.objects.update_or_create(office=office, membership=membership, defaults={"number": number})


# --------------------------------------------------------------------------- 居宅介護支援費


@dataclass
class KyotakuState:
    claim: object | None
    check: object | None  # economics.KyotakuCheck
    cases: list  # [(client, Case)]
    codes: dict[str, str]  # name → 6-digit code
    errors: list[str] = field(default_factory=list)


def kyotaku_settings(office):
    from portal.claims.models import KyotakuSettings

    settings, _ = KyotakuSettings.objects.get_or_create(office=office)
    return settings


def _kyotaku_codes(month: dt.date, names: set[str]) -> dict[str, str]:
    """name → サービスコード: the bundled 令和6年 codes, the loaded master for the others (reduced bases)."""
    from django.db.models import Q

    from portal.masters.kyotaku import SERVICE_CODES
    from portal.masters.models import ServiceCode

    codes = {name: SERVICE_CODES[name] for name in names if name in SERVICE_CODES}
    others = names - set(codes)
    if others:
        rows = (
            ServiceCode.objects.filter(service_type_code="43", name__in=others, valid_from__lte=month_end(month))
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=month))
            .order_by("valid_from")
        )
        codes.update({r.name: r.service_type_code + r.service_item_code for r in rows})
    return codes


def kyotaku_month(office, month: dt.date) -> KyotakuState:
    """The office's 居宅介護支援費 for ``month`` from the current confirmations (要介護 only)."""
    from fractions import Fraction

    from portal.billing import economics
    from portal.claims.kyotaku import Case, ClaimError, claim_build
    from portal.claims.models import KyotakuEntry
    from portal.clients.models import Client

    settings = kyotaku_settings(office)
    latest: dict[int, ActualConfirmation] = {}
    for c in ActualConfirmation.objects.filter(office=office, month=month).order_by("client_id", "-version"):
        latest.setdefault(c.client_id, c)
    entries = {e.client_id: e for e in KyotakuEntry.objects.filter(office=office, month=month)}
    clients = {c.pk: c for c in Client.objects.filter(pk__in=list(latest)).prefetch_related("certifications")}
    cases = []
    for client_id, c in sorted(latest.items()):
        # the 明細書 carries the 要介護状態区分 at the end of the month (QKAN80: the last certification)
        last_cert = clients[client_id].certification_on(month_end(month))
        level = last_cert.care_level if last_cert else c.statement.get("care_level")
        if c.kind == StatementKind.CANCELLATION or level not in CARE_LEVELS_BILLED_HERE:
            continue
        entry = entries.get(client_id)
        cases.append(
            (
                clients[client_id],
                Case(
                    key=client_id,
                    care_level=level,
                    addons=tuple(entry.addons) if entry else (),
                    reductions=tuple(entry.reductions) if entry else (),
                ),
            )
        )
    if not cases:
        return KyotakuState(claim=None, check=None, cases=[], codes={})
    light = sum(1 for _, case in cases if case.group == "light")
    counts = economics.client_counts(office, month)
    check = economics.kyotaku_check(
        month=month,
        care_light=light,
        care_heavy=len(cases) - light,
        support=counts.support if counts else 0,
        fte=Fraction(str(settings.fte)),
        used_exchange=economics.office_used_exchange(office, month),
        has_clerk=economics.office_has_clerk(office),
        regional_grade=office.regional_grade,
    )
    tiers = {"I": check.tier_one, "II": check.tier_two}.get(settings.system) or check.applicable
    errors = []
    try:
        claim = claim_build(
            month=month,
            tiers=tiers,
            cases=[case for _, case in cases],
            regional_grade=office.regional_grade,
            specific_addon=settings.specific_addon,
            concentration=settings.concentration,
        )
    except ClaimError as exc:
        return KyotakuState(claim=None, check=check, cases=cases, codes={}, errors=[str(exc)])
    names = {line.name for d in claim.details for line in d.lines}
    codes = _kyotaku_codes(month, names)
    for name in sorted(names - set(codes)):
        errors.append(
            f"サービスコード表に「{name}」（居宅介護支援・43）がありません。"
            "運営者が公式のサービスコード表を読み込む必要があります。"
        )
    return KyotakuState(claim=claim, check=check, cases=cases, codes=codes, errors=errors)


def kyotaku_entry_save(*, office, client, month: dt.date, addons: list[str], reductions: list[str]) -> None:
    from portal.claims.kyotaku import ADDONS, REDUCTIONS
    from portal.claims.models import KyotakuEntry

    if set(addons) - set(ADDONS) or set(reductions) - set(REDUCTIONS):
        raise CloseError("加算・減算の指定が正しくありません。")
    if "standards" in reductions and "standards_2months" in reductions:
        raise CloseError(f"{client.full_name}さん: 運営基準減算は「50%」か「2月以上継続」のどちらかです。")
    KyotakuEntry.objects.update_or_create(
        office=office, client=client, month=month, defaults={"addons": addons, "reductions": reductions}
    )


def claim_records(office, month: dt.date, state: KyotakuState) -> list[tuple[str, dict]]:
    """7111 + 8124 records of the month's 居宅介護支援費."""
    from portal.claims.kyotaku import unit_price_digits

    claim = state.claim
    price = unit_price_digits(claim.unit_price)
    clients = {client.pk: client for client, _ in state.cases}
    records: list[tuple[str, dict]] = [
        (
            "7111",
            {
                "month": month.strftime("%Y%m"),
                "office_number": office.office_number,
                "payer_class": "1",
                "law_no": "00",
                "claim_class": "02",
                "count": claim.count,
                "units": claim.total_units,
                "cost_total": claim.cost_total,
                "insurance_claim": claim.insurance_claim,
                "public_claim": 0,
                "copay": 0,
            },
        )
    ]
    for detail in claim.details:
        client = clients[detail.case.key]
        cert = client.certification_on(month_end(month)) or client.certification_on(month)
        common = {
            "office_number": office.office_number,
            "office_class": "1",
            "month": month.strftime("%Y%m"),
            "insurer": client.insurer_number.zfill(8),
            "unit_price": price,
            "insured": client.insured_number,
            "birth_date": client.birth_date,
            "sex": client.sex,
            "care_level": detail.case.care_level,
            "cert_from": cert.valid_from if cert else "",
            "cert_to": cert.valid_to if cert else "",
            "care_manager_no": _care_manager_number(client),
        }
        n = len(detail.lines)
        for i, line in enumerate(detail.lines, start=1):
            row = {
                **common,
                "line_no": "99" if i == n else f"{i:02d}",
                "service_code": state.codes.get(line.name, ""),
                "units_each": line.units_each,
                "times": line.times,
                "service_units": line.units,
            }
            if i == n:
                row.update(total_units=detail.total_units, claim_yen=detail.claim_yen)
            records.append(("8124", row))
    return records


def claim_file_make(*, office, month: dt.date, membership, today: dt.date | None = None) -> TransmissionFile:
    """The 介護給付費請求書 + 居宅介護支援 明細書 file (データ種別 711) of ``month``."""
    from portal.claims.kyotaku import Claim

    today = today or timezone.localdate()
    state = kyotaku_month(office, month)
    last = TransmissionFile.objects.filter(office=office, month=month, data_type=kokuho.DATA_TYPE_CLAIM).first()
    if last is not None and state.claim is not None:
        # already claimed: only the 明細書 the 国保連 returned since are claimed again
        returned = set(
            Rejection.objects.filter(
                office=office, month=month, target="claim", kind="returned", recorded_at__gt=last.created_at
            ).values_list("client_id", flat=True)
        )
        if not returned:
            raise CloseError(
                f"この月の居宅介護支援費はファイル {last.name} で請求済みです。"
                "明細書が返戻されたときは「月次の締め」で返戻を記録してから作り直してください。"
            )
        claim = state.claim
        state.claim = Claim(
            month=claim.month,
            tiers=claim.tiers,
            unit_price=claim.unit_price,
            details=tuple(d for d in claim.details if d.case.key in returned),
        )
        state.cases = [(client, case) for client, case in state.cases if client.pk in returned]
    if state.claim is None or not state.claim.details:
        raise CloseError(
            "\n".join(state.errors)
            or "請求する居宅介護支援費がありません（要介護の利用者の実績が確定されていません）。"
        )
    errors = list(state.errors)
    for client, _case in state.cases:
        if not _care_manager_number(client):
            errors.append(f"{client.full_name}さん: 担当介護支援専門員の介護支援専門員番号が登録されていません。")
    if errors:
        raise CloseError("\n".join(errors))
    records = claim_records(office, month, state)
    process_month = process_month_for(month, today)
    try:
        content = kokuho.write(
            data_type=kokuho.DATA_TYPE_CLAIM,
            office_number=office.office_number,
            process_month=process_month,
            records=records,
        )
    except kokuho.KokuhoError as exc:
        raise CloseError("ファイルを作れませんでした:\n" + str(exc)) from exc
    with transaction.atomic():
        file = TransmissionFile.objects.create(
            office=office,
            month=month,
            process_month=process_month,
            data_type=kokuho.DATA_TYPE_CLAIM,
            name=kokuho.file_name(process_month, _next_letter(office, process_month)),
            content=content,
            record_count=len(records),
            client_count=state.claim.count,
            summary={"units": state.claim.total_units, "yen": state.claim.cost_total},
            created_by=membership,
            created_by_name=_name(membership),
        )
    logger.info("claims claim-file office=%s file=%s records=%s", office.pk, file.pk, len(records))
    return file


def rejection_record(*, office, client, month: dt.date, kind: str, target: str, note: str, membership) -> Rejection:
    note = (note or "").strip()
    if kind not in Rejection.Kind.values or target not in Rejection.Target.values:
        raise CloseError("返戻・査定の種類と対象を選んでください。")
    if not note:
        raise CloseError("返戻・査定の理由（国保連からの通知の内容）を入力してください。")
    if target == Rejection.Target.BENEFIT:
        filed = ActualConfirmation.objects.filter(
            office=office, client=client, month=month, file__isnull=False
        ).exists()
    else:
        filed = TransmissionFile.objects.filter(office=office, month=month, data_type=kokuho.DATA_TYPE_CLAIM).exists()
    if not filed:
        raise CloseError(
            f"{client.full_name}さんのこの月の{Rejection.Target(target).label}はまだ提出用ファイルにしていません。"
        )
    return Rejection.objects.create(
        office=office,
        client=client,
        month=month,
        kind=kind,
        target=target,
        note=note[:200],
        recorded_by=membership,
        recorded_by_name=_name(membership),
    )
