"""The 給付管理票 file for the 国保連: checks, making it, downloads and 介護支援専門員番号."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from linkage import kokuho
from portal.claims.benefit import (
    statement_records,
)
from portal.claims.models import (
    ActualConfirmation,
    CareManagerNumber,
    FileDownload,
    StatementKind,
    TransmissionFile,
)
from portal.claims.services.common import (
    CloseError,
    _name,
    next_month,
    statement_from_json,
)
from portal.claims.services.month import CloseRow, month_close

logger = logging.getLogger(__name__)


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
