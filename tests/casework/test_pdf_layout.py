"""The casework PDFs keep their layout: 第5表, 第4表, the assessment sheet and the timeline are compared with
reference images (tests/casework/reference/, 50 dpi grayscale, looked at), as tests/documents/test_layout.py
does for the standard forms. To accept a deliberate layout change, look at the new images and regenerate:
    RENKEI_UPDATE_REFERENCE=1 bin/test tests/casework/test_pdf_layout.py
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from portal.casework import assessments, services
from portal.casework.models import Assessment, AssessmentProblem, MeetingAttendee, ServiceMeeting, SupportLogEntry
from portal.offices.tenancy import office_scope
from tests.documents.pdfcheck import gray_pages, layout_difference, read_png, write_png
from tests.isolation_objects import _documents_client

pytestmark = pytest.mark.django_db

REFERENCE_DIR = Path(__file__).with_name("reference")
DPI = 50
TOLERANCE = 0.01
UPDATE = os.environ.get("RENKEI_UPDATE_REFERENCE") == "1"
DAY = dt.date(2026, 10, 20)


@pytest.fixture
def pages(office, owner):

    from portal.documents.render import render_pdf

    with office_scope(office):
        client = _documents_client(office)
        for i in range(6):
            SupportLogEntry.objects.create(
                office=office,
                client=client,
                occurred_on=DAY + dt.timedelta(days=i),
                occurred_time=dt.time(10, 0),
                kind="visit" if i % 2 else "phone",
                counterpart="本人・長女",
                content="自宅を訪問。居室内の移動は伝い歩きで安定。" * (i + 1),
            )
        log = services.support_log_pdf(
            client=client,
            entries=SupportLogEntry.objects.filter(client=client),
            author_name="鈴木 一郎",
            created_on=DAY,
            period=(None, None),
        )
        meeting = ServiceMeeting.objects.create(
            office=office,
            client=client,
            held_on=DAY,
            place="利用者宅",
            start_time=dt.time(14, 0),
            end_time=dt.time(14, 45),
            sequence=1,
            topics="入浴の支援方法",
            discussion="週2回のデイでの入浴介助について検討。",
            conclusion="計画原案どおり実施する。",
            remaining_issues="自宅浴室の手すり。",
            next_meeting="令和9年1月",
        )
        for i, (aff, name) in enumerate(
            (("長女", "帳票 花子"), ("通所介護（生活相談員）", "山本 次郎"), ("主治医", "高橋 医師")), start=1
        ):
            MeetingAttendee.objects.create(
                meeting=meeting,
                position=i,
                affiliation=aff,
                name=name,
                absent=i == 3,
                absent_view="電話で照会。" if i == 3 else "",
            )
        ServiceMeeting.objects.filter(pk=meeting.pk).update(updated_at=dt.datetime(2026, 10, 20, 15, tzinfo=dt.UTC))
        meeting.refresh_from_db()
        sheet4 = services.service_meeting_pdf(meeting=meeting, author_name="鈴木 一郎")
        assessment = Assessment.objects.create(
            office=office,
            client=client,
            assessed_on=DAY,
            choices={
                "5": {"level": "A2"},
                "9": {"reason": "first"},
                "11": {"walking": "partial", "transfer": "watch"},
                "17": {"bathing": "full"},
                "18": {"dentures": "yes"},
            },
            items={
                "1": "長女より電話で相談。",
                "2": "元大工。独居。",
                "10": "高血圧。月1回通院。",
                "11": "屋内は伝い歩き。",
                "18": "上の義歯が合わない。",
                "21": "長女が週2回訪問。",
            },
        )
        AssessmentProblem.objects.create(
            assessment=assessment, position=1, text="自宅の風呂に安心して入りたい。", item_no=17
        )
        sheet = assessments.assessment_pdf(assessment=assessment, author_name="鈴木 一郎", version_no=1)
        from portal.casework.timeline import client_events

        timeline = render_pdf(
            "casework/timeline_pdf.html",
            {
                "client": client,
                "events": client_events(client=client),
                "author_name": "鈴木 一郎",
                "created_on": DAY + dt.timedelta(days=6),
                "period": (None, None),
                "kinds": [],
            },
        )
    return {
        "support-log": gray_pages(log, DPI)[0],
        "service-meeting": gray_pages(sheet4, DPI)[0],
        "assessment": gray_pages(sheet, DPI)[0],
        "timeline": gray_pages(timeline, DPI)[0],
    }


@pytest.mark.parametrize("kind", ["support-log", "service-meeting", "assessment", "timeline"])
def test_layout_matches_the_reference(pages, kind):
    reference = REFERENCE_DIR / f"{kind}.png"
    if UPDATE:
        REFERENCE_DIR.mkdir(exist_ok=True)
        write_png(reference, pages[kind])
    assert reference.exists(), f"missing reference image {reference.name}; see this module's docstring"
    difference = layout_difference(pages[kind], read_png(reference))
    assert difference < TOLERANCE, f"{kind}: the layout drifted from the reference ({difference:.3f} ≥ {TOLERANCE})"
