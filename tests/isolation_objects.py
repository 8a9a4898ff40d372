"""How to make, in a given office, the object that each URL keyword argument names.

tests/test_isolation.py walks every URL pattern; for each keyword argument it
calls the maker registered here with the owner's office and the owner's
membership, and asks the page as a member of another office (expecting 404)
and as the owner (expecting anything but 404). A new URL with a new keyword
argument fails that test until its maker is registered here.
"""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

MAKERS: dict = {}

# URL names that are not office-scoped, with the reason.
EXEMPT: dict[str, str] = {
    **{
        name: "a partner without an account: the token and the access code name the link; "
        "tests/test_isolation.py::test_link_pages_answer_404_without_a_valid_token_and_code walks them"
        for name in ("paperlink:enter", "paperlink:sheet", "paperlink:pdf", "paperlink:answer", "paperlink:join")
    },
    "offices:invitation": "the signed token names its own office; tested in tests/offices/test_staff.py",
    **{
        name: "operator (staff) page: every non-staff user gets 404; tested in tests/billing/test_operator.py"
        for name in (
            "billing:operator_office",
            "billing:operator_licence_apply",
            "billing:operator_licence_renew",
            "billing:operator_invoice_issue",
            "billing:operator_payment_record",
            "billing:operator_invoice_cancel",
            "billing:operator_invoice_pdf",
            "billing:operator_office_suspend",
            "billing:operator_office_resume",
            "billing:operator_office_contract_end",
            "billing:operator_office_delete",
        )
    },
    **{
        name: "operator (staff) page: every non-staff user gets 404; tested in tests/offices/test_verification.py"
        for name in (
            "offices:operator_verification",
            "offices:operator_verification_document",
            "offices:operator_claim",
            "offices:operator_claim_document",
        )
    },
}


def maker(*kwarg_names):
    def register(func):
        for name in kwarg_names:
            MAKERS[name] = func
        return func

    return register


@maker("member_id")
def make_member(office, owner):
    from tests.factories import MembershipFactory

    return MembershipFactory(office=office).pk


@maker("invitation_id")
def make_staff_invitation(office, owner):
    from portal.offices.models import StaffInvitation

    return StaffInvitation.objects.create(
        office=office,
        email="new@example.jp",
        role="clerk",
        invited_by=owner.user,
        expires_at=timezone.now() + dt.timedelta(days=3),
    ).pk


# --- portal.partners -----------------------------------------------------------------------------


def _partners_client(office):
    import datetime as _dt

    from portal.clients.models import Client

    return Client.objects.create(
        office=office,
        family_name="連携",
        given_name="花子",
        family_name_kana="レンケイ",
        given_name_kana="ハナコ",
        sex="2",
        birth_date=_dt.date(1940, 4, 1),
        insurer_number="131011",
        insured_number=f"{9000000000 + Client.objects.count():010d}",
    )


def _partners_partnership(office):
    from portal.partners.models import Partnership

    existing = Partnership.objects.filter(office=office, partner_office_number="2799999991").first()
    return existing or Partnership.objects.create(
        office=office,
        partner_office_number="2799999991",
        partner_name="外部の訪問介護",
        is_external=True,
        service_type_codes=["11"],
        started_on=timezone.localdate(),
    )


@maker("partnership_id")
def make_partnership(office, owner):
    return _partners_partnership(office).pk


@maker("partner_invitation_id")
def make_partner_invitation(office, owner):
    from portal.partners.models import PartnerInvitation

    return PartnerInvitation.objects.create(
        office=office,
        invited_by=owner.user,
        invitee_office_number="2799999992",
        invitee_email="p@example.jp",
        service_type_codes=["11"],
        expires_at=timezone.now() + dt.timedelta(days=3),
    ).pk


@maker("consent_id")
def make_consent(office, owner):
    from django.core.files.base import ContentFile

    from portal.partners.models import Consent

    consent = Consent(
        office=office,
        client=_partners_client(office),
        partnership=_partners_partnership(office),
        obtained_on=timezone.localdate(),
        obtained_by=owner,
        method="written",
        document_type="application/pdf",
        document_size=9,
    )
    consent.document.save("consent.pdf", ContentFile(b"%PDF-1.4\n"), save=False)
    consent.save()
    return consent.pk


@maker("audit_event_id")
def make_audit_event(office, owner):
    from portal.partners.services import audit_record

    return audit_record(office=office, actor=owner, action="csv_downloaded", detail={"export": "test"}).pk


# --- portal.documents ----------------------------------------------------------------------------


def _documents_client(office):
    import datetime as _dt

    from portal.clients.models import Certification, Client

    client = Client.objects.create(
        office=office,
        family_name="帳票",
        given_name="太郎",
        family_name_kana="チョウヒョウ",
        given_name_kana="タロウ",
        sex="1",
        birth_date=_dt.date(1942, 5, 6),
        insurer_number="131011",
        insured_number=f"{8000000000 + Client.objects.count():010d}",
    )
    Certification.objects.create(
        client=client, care_level="22", valid_from=_dt.date(2020, 1, 1), valid_to=_dt.date(2099, 12, 31)
    )
    return client


@maker("job_id")
def make_document_job(office, owner):
    from django.core.files.base import ContentFile

    from portal.documents.models import DocumentJob, JobStatus

    job = DocumentJob.objects.create(
        office=office,
        created_by=owner.user,
        month=dt.date(2026, 11, 1),
        status=JobStatus.DONE,
        total=1,
        done=1,
        page_count=1,
    )
    job.file.save("job.pdf", ContentFile(b"%PDF-1.7\n%%EOF\n"))
    return job.pk


@maker("schedule_id")
def make_schedule_for_documents(office, owner):
    from portal.schedules.models import ServiceSchedule, ServiceScheduleLine

    schedule = ServiceSchedule.objects.create(
        client=_documents_client(office), month=dt.date(2026, 11, 1), created_on=dt.date(2026, 10, 25)
    )
    ServiceScheduleLine.objects.create(
        schedule=schedule,
        provider_office_number="1370000011",
        provider_name="訪問介護さくら",
        service_type_code="11",
        service_item_code="1111",
        start_time="0900",
        end_time="1000",
        planned_days=[1, 0] * 15 + [1],
    )
    return schedule.pk


@maker("plan_id")
def make_plan_for_documents(office, owner):
    from portal.careplans.models import CarePlan

    return CarePlan.objects.create(
        client=_documents_client(office), plan_date=dt.date(2026, 10, 25), certification_status="2", care_level="22"
    ).pk


def _careplans_draft(office):
    """A draft 居宅サービス計画書 with one of everything (第2表 tree, 第3表 rows)."""
    from portal.careplans.models import CarePlan, DailyActivity, Goal, Need, ServiceItem, ShortTermGoal, WeeklyActivity

    plan = CarePlan.objects.create(
        client=_documents_client(office), plan_date=dt.date(2026, 10, 1), certification_status="2", care_level="22"
    )
    need = Need.objects.create(plan=plan, position=1, text="課題")
    goal = Goal.objects.create(need=need, position=1, long_term_goal="長期")
    short = ShortTermGoal.objects.create(goal=goal, position=1, text="短期")
    item = ServiceItem.objects.create(short_goal=short, position=1, content="サービス")
    weekly = WeeklyActivity.objects.create(
        plan=plan, weekday=1, start_time=dt.time(10), end_time=dt.time(11), content="訪問介護"
    )
    daily = DailyActivity.objects.create(plan=plan, start_time=dt.time(7), content="起床")
    return {"plan": plan, "need": need, "goal": goal, "short": short, "item": item, "weekly": weekly, "daily": daily}


@maker("need_id")
def make_careplan_need(office, owner):
    return _careplans_draft(office)["need"].pk


@maker("goal_id")
def make_careplan_goal(office, owner):
    return _careplans_draft(office)["goal"].pk


@maker("short_goal_id")
def make_careplan_short_goal(office, owner):
    return _careplans_draft(office)["short"].pk


@maker("item_id")
def make_careplan_item(office, owner):
    return _careplans_draft(office)["item"].pk


@maker("activity_id")
def make_careplan_weekly_activity(office, owner):
    return _careplans_draft(office)["weekly"].pk


@maker("daily_id")
def make_careplan_daily_activity(office, owner):
    return _careplans_draft(office)["daily"].pk


# --- portal.clients / portal.schedules -----------------------------------------------------------


@maker("client_id")
def make_client(office, owner):
    return _documents_client(office).pk


@maker("certification_id")
def make_certification(office, owner):
    return _documents_client(office).certifications.first().pk


# --- portal.billing -------------------------------------------------------------------------------


@maker("invoice_id")
def make_invoice(office, owner):
    import datetime as dt

    from django.test import override_settings

    from portal.billing import services

    with override_settings(
        RENKEI_INVOICE_ISSUER_NAME="Renkei運営事務局", RENKEI_INVOICE_REGISTRATION_NUMBER="T1234567890123"
    ):
        licence = services.licence_apply(office=office, start=dt.date.today())
        return services.invoice_issue(licence=licence, send_email=False).pk


# --------------------------------------------------------------------------- exchange


_SEQUENCE = itertools.count()  # packages of one route need distinct sequence numbers


def _exchange_batch(office, owner):
    import uuid

    from linkage.exchange.models import Channel, Package, PackageStatus, SendBatch

    batch = SendBatch.objects.create(office=office, label="テスト送信", channel=Channel.FILE)
    package = Package.objects.create(
        office=office,
        batch=batch,
        package_id=uuid.uuid4(),
        channel=Channel.FILE,
        unit_kind="schedule",
        month=dt.date(2026, 11, 1),
        sender_kind="43",
        recipient_office_number="1370000011",
        recipient_kind="11",
        sequence=f"202610251000{next(_SEQUENCE) % 60:02d}",
        file_names=[],
        client_ids=[],
        content=_empty_zip(),
        status=PackageStatus.DOWNLOADED,
    )
    return batch, package


def _empty_zip():
    import io
    import zipfile

    buffer = io.BytesIO()
    zipfile.ZipFile(buffer, "w").close()
    return buffer.getvalue()


@maker("batch_id")
def make_exchange_batch(office, owner):
    return _exchange_batch(office, owner)[0].pk


@maker("package_id")
def make_exchange_package(office, owner):
    return _exchange_batch(office, owner)[1].pk


@maker("received_id")
def make_exchange_received(office, owner):
    import uuid

    from linkage.exchange.models import InboxStatus, ReceivedPackage

    return ReceivedPackage.objects.create(
        office=office,
        package_id=uuid.uuid4(),
        sender_office_number="1370000011",
        content=_empty_zip(),
        status=InboxStatus.REJECTED,
        error="テスト",
    ).pk


@maker("received_plan_id")
def make_exchange_received_plan(office, owner):
    from linkage.exchange.models import ReceivedPlan

    return ReceivedPlan.objects.create(
        office=office,
        client=_documents_client(office),
        sender_office_number="1370000011",
        plan_date=dt.date(2026, 10, 1),
        sequence="20261001100000",
        table1=["202407"] * 28,
    ).pk


# --- portal.claims ---------------------------------------------------------------------------------


def _claims_confirmation(office, owner):
    from portal.claims.models import ActualConfirmation

    client = _documents_client(office)
    return ActualConfirmation.objects.create(
        office=office,
        client=client,
        month=dt.date(2026, 10, 1),
        version=1,
        statement={
            "month": "2026-10-01",
            "care_level": "22",
            "limit_units": 19705,
            "limit_from": "2026-04-01",
            "limit_to": "2027-03-01",
            "lines": [
                {
                    "provider": "1370000011",
                    "name": "訪問介護さくら",
                    "kind": "11",
                    "class": "1",
                    "units": 4644,
                    "over": 0,
                }
            ],
        },
        confirmed_by=owner,
        confirmed_by_name="佐藤 花子",
    )


@maker("confirmation_id")
def make_claims_confirmation(office, owner):
    return _claims_confirmation(office, owner).pk


@maker("file_id")
def make_claims_file(office, owner):
    from portal.claims.models import TransmissionFile

    return TransmissionFile.objects.create(
        office=office,
        month=dt.date(2026, 10, 1),
        process_month=dt.date(2026, 11, 1),
        data_type="821",
        name="d0811a.csv",
        content=b"1,1\r\n",
        record_count=0,
        client_count=0,
    ).pk


@maker("certificate_id")
def make_office_certificate(office, owner):
    from linkage.exchange import certificates
    from linkage.signing import pki

    ca = pki.create_test_ca()
    key, cert = pki.issue_office_certificate(ca, office_number=office.office_number)
    return certificates.certificate_install(office=office, key=key, cert=cert).pk


@maker("background_job_id")
def make_failed_background_job(office, owner):
    from portal.documents.models import DocumentJob, JobStatus
    from portal.jobs.models import Job

    batch = DocumentJob.objects.create(
        office=office,
        created_by=owner.user,
        month=dt.date(2026, 11, 1),
        status=JobStatus.FAILED,
        total=1,
        error="テスト",
    )
    return Job.objects.create(
        office=office, kind="documents.batch", subject_id=batch.pk, status="failed", attempts=3, error="テスト"
    ).pk


@maker("export_id")
def make_ready_export(office, owner):
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from portal.exports.models import DataExport

    export = DataExport.objects.create(office=office, requested_by=owner.user, ready_at=timezone.now(), size=4)
    export.file.save("export.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18))
    return export.pk


# --- portal.prevention ----------------------------------------------------------------------------


@maker("basic_info_id")
def make_prevention_basic_info(office, owner):
    from portal.prevention.models import BasicInfo
    from tests.prevention.conftest import jpeg_bytes

    return BasicInfo.objects.create(
        client=_documents_client(office), consultation_date=dt.date(2026, 10, 2), family_image=jpeg_bytes()
    ).pk


@maker("prevention_plan_id")
def make_prevention_plan(office, owner):
    from portal.prevention.models import PreventionPlan

    return PreventionPlan.objects.create(client=_documents_client(office), plan_date=dt.date(2026, 10, 3)).pk


@maker("paper_link_id")
def make_paper_link(office, owner):
    from portal.paperlinks.models import PaperLink

    return PaperLink.objects.create(
        office=office,
        partnership_id=make_partnership(office, owner),
        partner_office_number="2799999991",
        month=dt.date(2026, 11, 1),
        token_hash=f"{office.pk:064d}",
        code_hash="!",
        expires_at=timezone.now() + dt.timedelta(days=45),
    ).pk


# --- portal.casework (issue 18) ------------------------------------------------------------------


@maker("entry_id")
def make_support_log_entry(office, owner):
    from portal.casework.models import SupportLogEntry

    return SupportLogEntry.objects.create(
        office=office,
        client=_documents_client(office),
        occurred_on=timezone.localdate(),
        kind="phone",
        content="電話で体調を確認した。",
        written_by=owner,
    ).pk


@maker("monitoring_id")
def make_monitoring(office, owner):
    from portal.casework.models import Monitoring

    day = timezone.localdate()
    return Monitoring.objects.create(
        office=office,
        client=_documents_client(office),
        month=day.replace(day=1),
        visited_on=day,
        place="home",
        written_by=owner,
    ).pk


@maker("meeting_id")
def make_service_meeting(office, owner):
    from portal.casework.models import MeetingAttendee, ServiceMeeting

    meeting = ServiceMeeting.objects.create(
        office=office,
        client=_documents_client(office),
        held_on=timezone.localdate(),
        place="利用者宅",
        topics="計画原案の検討",
    )
    MeetingAttendee.objects.create(
        meeting=meeting, position=1, affiliation="訪問介護（サービス提供責任者）", name="田中 一郎"
    )
    return meeting.pk


@maker("assessment_id")
def make_assessment(office, owner):
    from portal.casework.models import Assessment

    return Assessment.objects.create(
        office=office, client=_documents_client(office), assessed_on=timezone.localdate(), items={"9": "初回"}
    ).pk
