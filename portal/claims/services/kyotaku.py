"""居宅介護支援費: settings, the month's 請求 state, entries and the 請求明細書 file."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from linkage import kokuho
from portal.claims.models import (
    ActualConfirmation,
    Rejection,
    StatementKind,
    TransmissionFile,
)
from portal.claims.services.common import (
    CARE_LEVELS_BILLED_HERE,
    CloseError,
    _name,
    month_end,
)
from portal.claims.services.files import _care_manager_number, _next_letter, process_month_for

logger = logging.getLogger(__name__)


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
