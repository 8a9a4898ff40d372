"""Writes of the 利用者 register (``<entity>_<action>``, keyword-only). Views stay thin.

Every function raises ``ValidationError`` (field → Japanese message) and changes nothing when
the input is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from portal.clients.models import (
    DEFAULT_BENEFIT_LIMITS,
    Certification,
    CertificationStatus,
    Client,
    ClientService,
    KindLimit,
)
from portal.core.codes import service_kind_name
from portal.core.wareki import wareki_date
from portal.offices.models import Membership, Office

CLIENT_FIELDS = (
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "sex",
    "birth_date",
    "postal_code",
    "address",
    "address2",
    "phone",
    "insurer_number",
    "insurer_name",
    "insured_number",
    "plan_notified_on",
    "copay_ratio",
    "care_manager",
    "is_active",
    "ended_on",
)
CERT_FIELDS = ("status", "care_level", "valid_from", "valid_to", "certified_on", "benefit_limit_units")

EXPIRY_WARNING_DAYS = 60


def _duplicate_message(other: Client) -> str:
    return (
        f"この保険者番号・被保険者番号の利用者はすでに登録されています（{other.full_name}）。"
        "同じ方を二重に登録していないか確認してください。"
    )


def _check_duplicate(*, office: Office, insurer_number: str, insured_number: str, exclude_pk=None) -> None:
    qs = Client.objects.filter(office=office, insurer_number=insurer_number, insured_number=insured_number)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    other = qs.first()
    if other is not None:
        raise ValidationError({"insured_number": _duplicate_message(other)})


def _fill_insurer_name(office: Office, values: dict) -> None:
    """A blank 保険者名 is taken from the 保険者番号 (bundled list, else the office's own records)."""
    from portal.clients.insurers import insurer_name_for

    if "insurer_number" in values and not (values.get("insurer_name") or "").strip():
        values["insurer_name"] = insurer_name_for(values["insurer_number"], office=office)


def _check_care_manager(office: Office, care_manager: Membership | None) -> None:
    if care_manager is not None and care_manager.office_id != office.pk:
        raise ValidationError({"care_manager": "担当介護支援専門員はこの事業所の職員から選んでください。"})


def default_benefit_limit(care_level: str, day: date) -> int:
    """区分支給限度基準額 from the dated master (fallback: the 令和6年度 table)."""
    from portal.masters.selectors import benefit_limit_for

    return benefit_limit_for(care_level, day) or DEFAULT_BENEFIT_LIMITS.get(care_level, 0)


def _clean_services(services: Iterable[dict]) -> list[dict]:
    """Fill a blank provider name from Renkei's office register; refuse duplicates."""
    services = [dict(s) for s in services]
    numbers = {s["provider_office_number"] for s in services}
    names = dict(
        Office.objects.filter(verification_status="verified", office_number__in=numbers).values_list(
            "office_number", "name"
        )
    )
    seen = set()
    errors = []
    for s in services:
        key = (s["provider_office_number"], s["service_type_code"])
        if key in seen:
            errors.append(
                f"利用サービスに 事業所番号 {key[0]}・{service_kind_name(key[1])} が2回入力されています。1行にまとめてください。"
            )
        seen.add(key)
        if not s.get("provider_name"):
            if s["provider_office_number"] in names:
                s["provider_name"] = names[s["provider_office_number"]]
            else:
                errors.append(
                    f"事業所番号 {s['provider_office_number']} は Renkei に登録されていない事業所です。事業所名を入力してください。"
                )
        s.setdefault("note", "")
        s["satellite_branch"] = (s.get("satellite_branch") or "").strip()
    if errors:
        raise ValidationError({"services": errors})
    return services


def _certification_problems(*, client: Client | None, data: dict, exclude_pk=None) -> dict:
    errors: dict[str, list[str]] = {}
    frm, to = data.get("valid_from"), data.get("valid_to")
    if frm and to and to < frm:
        errors.setdefault("valid_to", []).append(
            "認定有効期間の終了日が開始日より前になっています。終了日は開始日以降の日付を入力してください。"
        )
    if data.get("status") == CertificationStatus.APPLYING and data.get("certified_on"):
        errors.setdefault("certified_on", []).append("認定状況が「申請中」のときは認定日を入力しないでください。")
    if client is not None and client.pk and frm and to and data.get("status") == CertificationStatus.CERTIFIED:
        overlapping = Certification.objects.filter(
            client=client, status=CertificationStatus.CERTIFIED, valid_from__lte=to, valid_to__gte=frm
        )
        if exclude_pk:
            overlapping = overlapping.exclude(pk=exclude_pk)
        other = overlapping.first()
        if other is not None:
            errors.setdefault("valid_from", []).append(
                f"認定有効期間が登録済みの認定（{other.get_care_level_display()}、{wareki_date(other.valid_from)}〜"
                f"{wareki_date(other.valid_to)}）と重なっています。区分変更の場合は、先に前の認定の終了日を変更してください。"
            )
    return errors


def _certification_values(data: dict) -> dict:
    values = {f: data.get(f) for f in CERT_FIELDS}
    if values.get("benefit_limit_units") in (None, ""):
        values["benefit_limit_units"] = default_benefit_limit(values["care_level"], values["valid_from"])
    return values


@transaction.atomic
def client_create(
    *, office: Office, data: dict, certification: dict | None = None, services: Iterable[dict] = ()
) -> Client:
    """Register a client with (optionally) the current certification and the services used."""
    values = {f: data.get(f) for f in CLIENT_FIELDS if f in data}
    _fill_insurer_name(office, values)
    _check_care_manager(office, values.get("care_manager"))
    _check_duplicate(office=office, insurer_number=values["insurer_number"], insured_number=values["insured_number"])
    services = _clean_services(services)
    if certification:
        problems = _certification_problems(client=None, data=certification)
        if problems:
            raise ValidationError(problems)
    try:
        with transaction.atomic():
            client = Client.objects.create(office=office, **values)
    except IntegrityError:
        raise ValidationError({"insured_number": "この保険者番号・被保険者番号の利用者はすでに登録されています。"})
    if certification:
        Certification.objects.create(client=client, **_certification_values(certification))
    ClientService.objects.bulk_create([ClientService(client=client, **s) for s in services])
    return client


@transaction.atomic
def client_update(
    *, client: Client, data: dict, services: Iterable[dict] | None = None, kind_limits: Iterable[dict] | None = None
) -> Client:
    """Change the client's details; ``services``/``kind_limits`` (when given) replace the current rows."""
    values = {f: data.get(f) for f in CLIENT_FIELDS if f in data}
    _fill_insurer_name(client.office, values)
    _check_care_manager(client.office, values.get("care_manager"))
    _check_duplicate(
        office=client.office,
        insurer_number=values.get("insurer_number", client.insurer_number),
        insured_number=values.get("insured_number", client.insured_number),
        exclude_pk=client.pk,
    )
    if services is not None:
        services = _clean_services(services)
    if kind_limits is not None:
        kind_limits = list(kind_limits)
        kinds = [k["service_type_code"] for k in kind_limits]
        if len(kinds) != len(set(kinds)):
            raise ValidationError({"kind_limits": "種類支給限度に同じサービス種類が2回入力されています。"})
    for f, v in values.items():
        setattr(client, f, v)
    try:
        with transaction.atomic():
            client.save()
    except IntegrityError:
        raise ValidationError({"insured_number": "この保険者番号・被保険者番号の利用者はすでに登録されています。"})
    if services is not None:
        ClientService.objects.filter(client=client).delete()
        ClientService.objects.bulk_create([ClientService(client=client, **s) for s in services])
    if kind_limits is not None:
        KindLimit.objects.filter(client=client).delete()
        KindLimit.objects.bulk_create([KindLimit(client=client, **k) for k in kind_limits])
    return client


@transaction.atomic
def certification_create(*, client: Client, data: dict) -> Certification:
    problems = _certification_problems(client=client, data=data)
    if problems:
        raise ValidationError(problems)
    return Certification.objects.create(client=client, **_certification_values(data))


@transaction.atomic
def certification_update(*, certification: Certification, data: dict) -> Certification:
    problems = _certification_problems(client=certification.client, data=data, exclude_pk=certification.pk)
    if problems:
        raise ValidationError(problems)
    for f, v in _certification_values(data).items():
        setattr(certification, f, v)
    certification.save()
    return certification


def certification_delete(*, certification: Certification) -> None:
    certification.delete()


def expiry_limit(today: date) -> date:
    return today + timedelta(days=EXPIRY_WARNING_DAYS)


# --------------------------------------------------------------------------- registration drafts


def client_draft_save(*, office: Office, author, data: dict):
    """Keep the half-filled registration form, encrypted, for ``RENKEI_CLIENT_DRAFT_HOURS``."""
    import json

    from django.conf import settings
    from django.utils import timezone

    from portal.clients.models import ClientDraft
    from portal.core import crypto

    now = timezone.now()
    token = crypto.encrypt_secret(json.dumps(data, ensure_ascii=False).encode("utf-8"))
    draft, _ = ClientDraft.objects.update_or_create(
        office=office,
        author=author,
        defaults={
            "encrypted_data": token,
            "saved_at": now,
            "expires_at": now + timedelta(hours=settings.RENKEI_CLIENT_DRAFT_HOURS),
        },
    )
    return draft


def client_draft_load(*, office: Office, author) -> dict | None:
    """``{"data": {field: [values]}, "saved_at": "HH:MM:SS"}`` of an unexpired draft, or None."""
    import json

    from django.utils import timezone

    from portal.clients.models import ClientDraft
    from portal.core import crypto

    draft = ClientDraft.objects.filter(office=office, author=author, expires_at__gt=timezone.now()).first()
    if draft is None:
        return None
    try:
        data = json.loads(crypto.decrypt_secret(draft.encrypted_data))
    except crypto.SecretUnreadable:
        return None
    return {"data": data, "saved_at": timezone.localtime(draft.saved_at).strftime("%H:%M:%S")}


def client_draft_discard(*, office: Office, author) -> None:
    from portal.clients.models import ClientDraft

    ClientDraft.objects.filter(office=office, author=author).delete()
