"""Confirming 実績 (給付管理票 versions), cancelling them and recording 返戻・査定."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction

from linkage import kokuho
from portal.claims.benefit import (
    StatementError,
    statement_build,
)
from portal.claims.models import (
    ActualConfirmation,
    Rejection,
    StatementKind,
    TransmissionFile,
)
from portal.claims.services.common import (
    CloseError,
    ConfirmationConflict,
    _name,
    statement_to_json,
)
from portal.claims.services.month import month_close

logger = logging.getLogger(__name__)


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
