"""The printed forms keep their layout: each kind is compared with a reference image.

The references in tests/documents/reference/ are the pages rendered at 50 dpi in grayscale,
looked at and compared with the official forms. A test renders the same data again and
compares block-averaged images, so changing a name or a number passes while moving tables,
dropping rows or columns, or changing the page setup fails.

To accept a deliberate layout change, look at the new images and regenerate them:
    RENKEI_UPDATE_REFERENCE=1 bin/test tests/documents/test_layout.py
"""

from __future__ import annotations

import os

import pytest

from portal.documents import services, sheets
from tests.documents.conftest import HOME_HELP, make_client, make_plan, make_schedule
from tests.documents.pdfcheck import REFERENCE_DIR, gray_pages, layout_difference, read_png, write_png

pytestmark = pytest.mark.django_db

DPI = 50
TOLERANCE = 0.01  # other 利用者 ≈ 0.0003; two grid lines fewer ≈ 0.017; tables moved by 2 mm ≈ 0.037
UPDATE = os.environ.get("RENKEI_UPDATE_REFERENCE") == "1"


@pytest.fixture
def forms(in_office, member):
    client = make_client(in_office, care_manager=member)
    schedule = sheets.schedule_queryset().get(pk=make_schedule(client).pk)
    plan = sheets.plan_queryset().get(pk=make_plan(client, needs=2).pk)
    provision, _ = services.schedule_pdf(schedule=schedule, kind="provision", provider_number=HOME_HELP[0])
    usage, _ = services.schedule_pdf(schedule=schedule, kind="usage")
    careplan, _ = services.careplan_pdf(plan=plan)
    provision_pages, usage_pages, plan_pages = (
        gray_pages(provision, DPI),
        gray_pages(usage, DPI),
        gray_pages(careplan, DPI),
    )
    assert len(provision_pages) == 2 and len(usage_pages) == 2 and len(plan_pages) == 3
    return {
        "provision-table6": provision_pages[0],
        "provision-table7": provision_pages[1],
        "usage-table6": usage_pages[0],
        "usage-table7": usage_pages[1],
        "careplan-table1": plan_pages[0],
        "careplan-table2": plan_pages[1],
        "careplan-table3": plan_pages[2],
    }


KINDS = [
    "provision-table6",
    "provision-table7",
    "usage-table6",
    "usage-table7",
    "careplan-table1",
    "careplan-table2",
    "careplan-table3",
]


@pytest.mark.parametrize("kind", KINDS)
def test_layout_matches_the_reference(forms, kind):
    reference = REFERENCE_DIR / f"{kind}.png"
    if UPDATE:
        write_png(reference, forms[kind])
    assert reference.exists(), f"missing reference image {reference.name}; see this module's docstring"
    difference = layout_difference(forms[kind], read_png(reference))
    assert difference < TOLERANCE, f"{kind}: the layout drifted from the reference ({difference:.3f} ≥ {TOLERANCE})"


def _shifted(page, dx, dy):
    width, height, pixels = page
    out = bytearray(b"\xff" * (width * height))
    for y in range(height - dy):
        out[(y + dy) * width + dx : (y + dy + 1) * width] = pixels[y * width : (y + 1) * width - dx]
    return width, height, bytes(out)


def test_the_comparison_notices_a_moved_layout_but_not_other_data(forms, in_office, member):
    page = forms["usage-table6"]
    assert layout_difference(page, page) == 0
    assert layout_difference(page, _shifted(page, 4, 0)) > TOLERANCE  # everything moved by 2 mm
    assert layout_difference(forms["provision-table6"], page) > TOLERANCE  # two grid lines fewer
    other = make_client(
        in_office,
        care_manager=member,
        family="長谷川",
        given="美代子",
        kana=("ハセガワ", "ミヨコ"),
        insured="0000054321",
    )
    schedule = sheets.schedule_queryset().get(pk=make_schedule(other).pk)
    pdf, _ = services.schedule_pdf(schedule=schedule, kind="usage")
    assert layout_difference(gray_pages(pdf, DPI)[0], page) < TOLERANCE  # same form, other 利用者
