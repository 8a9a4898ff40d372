"""Item 4: CSVs meant for spreadsheets cannot carry formulas; the standard CSVs stay byte-exact."""

import csv
import io

import pytest
from django.urls import reverse

from portal.core.spreadsheet import defuse
from portal.offices.tenancy import office_scope
from portal.partners.services import audit_record
from tests.billing.conftest import operator, operator_client  # noqa: F401  (fixtures)
from tests.factories import OfficeFactory

DANGEROUS = ['=HYPERLINK("http://evil.example/","見る")', "+1+1", "-2+3", "@SUM(A1)", "\tX", "\rX"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_defuse_quotes_a_leading_formula_character(value):
    assert defuse(value) == "'" + value


@pytest.mark.parametrize("value", ["さくら", "", "1310000001", -500, 21000, "a=b"])
def test_defuse_leaves_plain_text_and_numbers(value):
    assert defuse(value) == value


def _rows(raw: str):
    return list(csv.reader(io.StringIO(raw.lstrip("\ufeff"))))


def test_operator_offices_csv_defuses_an_office_name(operator_client):  # noqa: F811
    OfficeFactory(name='=HYPERLINK("http://evil.example/","請求書")')
    raw = operator_client.get(reverse("billing:operator_export_offices")).content.decode()
    names = [row[1] for row in _rows(raw)[1:]]
    assert '\'=HYPERLINK("http://evil.example/","請求書")' in names
    assert not any(name.startswith("=") for name in names)


def test_audit_export_defuses_the_actor_and_detail(office, owner, owner_client):
    owner.display_name = "@cmd|' /C calc'!A0"
    owner.save()
    with office_scope(office):
        audit_record(
            office=office, actor=owner, action="package_sent", partner_office_number="1370000011", detail={"note": "x"}
        )
    raw = b"".join(owner_client.get(reverse("partners:audit_export")).streaming_content).decode("utf-8")
    row = _rows(raw)[1]
    assert row[2] == "'@cmd|' /C calc'!A0"
