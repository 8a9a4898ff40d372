"""The office's own claim on paper, read back from the kept 国保連 file (データ種別 711).

介護給付費請求書 (様式第一) and one 居宅介護支援介護給付費明細書 (様式第七) per 利用者 are filled in
from the 7111 and 8124 records of the file itself, so the paper and the transmission file cannot
differ. Only what the file does not carry is read from the database: the 利用者's name (matched by
保険者番号 + 被保険者番号 within the office) and the office's name and address.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from linkage import kokuho
from portal.masters.kyotaku import CODE_NAMES


def _date(text: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date() if text else None
    except ValueError:
        return None


def _month(text: str) -> dt.date:
    return dt.date(int(text[:4]), int(text[4:6]), 1)


@dataclass
class PaperLine:
    name: str
    code: str
    units_each: int
    times: int
    service_units: int
    note: str


@dataclass
class DetailSheet:
    """One 居宅介護支援介護給付費明細書 (様式第七)."""

    insurer: str
    insured: str
    client: object | None
    birth_date: dt.date | None
    sex: str
    care_level: str
    cert_from: dt.date | None
    cert_to: dt.date | None
    notified_on: dt.date | None
    care_manager_no: str
    unit_price: Decimal
    lines: list[PaperLine] = field(default_factory=list)
    total_units: int = 0
    claim_yen: int = 0


@dataclass
class ClaimPaper:
    month: dt.date
    office_number: str
    count: int
    units: int
    cost_total: int
    insurance_claim: int
    public_claim: int
    copay: int
    details: list[DetailSheet]


def claim_paper(file) -> ClaimPaper:
    """The 請求書 and the 明細書 of ``file`` (a 711 ``TransmissionFile``), from its records."""
    from portal.clients.models import Client

    parsed = kokuho.read(bytes(file.content))
    [bill] = parsed.of("7111")
    details: dict[tuple[str, str], DetailSheet] = {}
    for r in parsed.of("8124"):
        key = (r["insurer"], r["insured"])
        sheet = details.get(key)
        if sheet is None:
            sheet = details[key] = DetailSheet(
                insurer=r["insurer"],
                insured=r["insured"],
                client=None,
                birth_date=_date(r["birth_date"]),
                sex=r["sex"],
                care_level=r["care_level"],
                cert_from=_date(r["cert_from"]),
                cert_to=_date(r["cert_to"]),
                notified_on=_date(r["notified_on"]),
                care_manager_no=r["care_manager_no"],
                unit_price=(Decimal(r["unit_price"]) / 100).quantize(Decimal("0.01")),
            )
        if r["service_code"]:
            sheet.lines.append(
                PaperLine(
                    name=CODE_NAMES.get(r["service_code"], ""),
                    code=r["service_code"],
                    units_each=r.int("units_each"),
                    times=r.int("times"),
                    service_units=r.int("service_units"),
                    note=r["note"],
                )
            )
        if r.is_total:
            sheet.total_units, sheet.claim_yen = r.int("total_units"), r.int("claim_yen")
    insured = {k[1] for k in details}
    clients = {
        (c.insurer_number.zfill(8), c.insured_number): c
        for c in Client.objects.filter(office=file.office, insured_number__in=insured)
    }
    for key, sheet in details.items():
        sheet.client = clients.get(key)
    if any(not line.name for sheet in details.values() for line in sheet.lines):
        from portal.masters.models import ServiceCode

        codes = {line.code for sheet in details.values() for line in sheet.lines if not line.name}
        names = {}
        for row in ServiceCode.objects.filter(
            service_type_code="43", service_item_code__in=[c[2:] for c in codes]
        ).order_by("valid_from"):
            names[row.service_type_code + row.service_item_code] = row.name
        for sheet in details.values():
            for line in sheet.lines:
                line.name = line.name or names.get(line.code, "")
    return ClaimPaper(
        month=_month(bill["month"]),
        office_number=bill["office_number"],
        count=bill.int("count"),
        units=bill.int("units"),
        cost_total=bill.int("cost_total"),
        insurance_claim=bill.int("insurance_claim"),
        public_claim=bill.int("public_claim"),
        copay=bill.int("copay"),
        details=list(details.values()),
    )
