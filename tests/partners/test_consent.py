"""Recording and revoking a 利用者's consent, the scanned document, and every bad input."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portal.offices.tenancy import office_scope
from portal.partners import services
from portal.partners.models import AuditEvent, Consent, ConsentScope, Partnership
from tests.conftest import login_client
from tests.factories import MembershipFactory, OfficeFactory
from tests.forms import submit
from tests.partners.conftest import make_client, record_consent

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def partnership(office):
    with office_scope(office):
        return Partnership.objects.create(
            office=office,
            partner_office_number="1370000011",
            partner_name="ひまわり訪問介護",
            service_type_codes=["11"],
            started_on=dt.date(2026, 4, 1),
        )


def form_data(client, partnership, owner, **extra):
    """What a user types and picks on the consent page (values as the page offers them)."""
    data = {
        "client": str(client.pk),
        "partnership": str(partnership.pk),
        "obtained_on": timezone.localdate().isoformat(),
        "obtained_by": str(owner.pk),
        "method": "written",
        "scopes": list(ConsentScope.values),
        "note": "",
    }
    data.update(extra)
    return data


def post_consent(http, data):
    return submit(http, reverse("partners:consent_create"), data, button="同意を記録する")


def revoke(http, consent, **typed):
    return submit(http, reverse("partners:consent_detail", args=[consent.pk]), typed, button="撤回を記録する")


def test_record_consent_with_a_scanned_pdf(owner_client, office, owner, client_record, partnership):
    data = form_data(client_record, partnership, owner, scopes=["plan", "schedule"], method="oral")
    data["document"] = SimpleUploadedFile("同意書.pdf", PDF, content_type="application/pdf")
    response = post_consent(owner_client, data)
    assert response.status_code == 302
    with office_scope(office):
        consent = Consent.objects.get()
        assert consent.scopes == ["plan", "schedule"] and consent.method == "oral"
        assert consent.obtained_by == owner and consent.document_type == "application/pdf"
        assert consent.document.name.startswith(f"private/consents/{office.pk}/")
        assert "同意書" not in consent.document.name  # the user's file name is not in the path
        event = AuditEvent.objects.get(action="consent_recorded")
    assert event.client_id == client_record.pk and event.partner_office_number == "1370000011"
    assert event.detail["consent_id"] == consent.pk and event.detail["scopes"] == ["plan", "schedule"]
    page = owner_client.get(response["Location"]).content.decode()
    assert "山田\u3000太郎さん → ひまわり訪問介護" in page and "口頭" in page and "同意書を開く" in page
    document = owner_client.get(reverse("partners:consent_document", args=[consent.pk]))
    assert document.status_code == 200 and document["Content-Type"] == "application/pdf"
    assert b"".join(document.streaming_content) == PDF
    assert "no-store" in document["Cache-Control"]
    with office_scope(office):
        assert AuditEvent.objects.filter(action="document_viewed", client=client_record).count() == 1


def test_jpeg_is_accepted(owner_client, office, owner, client_record, partnership):
    data = form_data(client_record, partnership, owner)
    data["document"] = SimpleUploadedFile("scan.jpg", JPEG, content_type="image/jpeg")
    assert post_consent(owner_client, data).status_code == 302
    with office_scope(office):
        assert Consent.objects.get().document_type == "image/jpeg"


def test_the_document_is_not_served_to_another_office(
    owner_client, outsider_client, office, owner, client_record, partnership
):
    data = form_data(client_record, partnership, owner)
    data["document"] = SimpleUploadedFile("scan.pdf", PDF)
    post_consent(owner_client, data)
    with office_scope(office):
        consent = Consent.objects.get()
    url = reverse("partners:consent_document", args=[consent.pk])
    assert outsider_client.get(url).status_code == 404
    # and nothing under MEDIA_URL serves it
    assert owner_client.get("/media-not-served/" + consent.document.name).status_code == 404


def test_a_file_that_is_not_pdf_or_jpeg_is_refused_by_its_content(
    owner_client, office, owner, client_record, partnership
):
    data = form_data(client_record, partnership, owner, note="本人・長女同席")
    data["document"] = SimpleUploadedFile("scan.pdf", PNG, content_type="application/pdf")  # a PNG named .pdf
    response = post_consent(owner_client, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "「scan.pdf」はPDFでもJPEGでもありません" in page
    assert 'value="本人・長女同席"' in page  # nothing typed is lost
    with office_scope(office):
        assert not Consent.objects.exists()


def test_a_file_over_the_size_limit_is_refused(owner_client, office, owner, client_record, partnership, settings):
    settings.RENKEI_CONSENT_MAX_BYTES = 1024 * 1024
    data = form_data(client_record, partnership, owner)
    data["document"] = SimpleUploadedFile("big.pdf", PDF + b"0" * (1024 * 1024 + 10))
    page = post_consent(owner_client, data).content.decode()
    assert "ファイルが大きすぎます（1.0MB）。1MB以下のPDFかJPEGを選んでください" in page
    with office_scope(office):
        assert not Consent.objects.exists()


def test_consent_dated_in_the_future(owner_client, office, owner, client_record, partnership):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    page = post_consent(
        owner_client, form_data(client_record, partnership, owner, obtained_on=tomorrow.isoformat())
    ).content.decode()
    assert "同意日に未来の日付" in page and "は入力できません" in page
    assert f'value="{tomorrow.isoformat()}"' in page


def test_no_scope_chosen(owner_client, client_record, partnership, owner):
    page = post_consent(owner_client, form_data(client_record, partnership, owner, scopes=[])).content.decode()
    assert "同意の範囲を1つ以上選んでください" in page


def test_a_second_active_consent_for_the_same_partner(owner_client, office, owner, client_record, partnership):
    record_consent(office, owner, client_record, partnership, scopes=["plan"])
    page = post_consent(owner_client, form_data(client_record, partnership, owner)).content.decode()
    assert "同意（同意日" in page and "すでに記録されています" in page and "撤回してから記録し直してください" in page


def test_consent_for_an_ended_partnership_is_refused(office, owner, client_record, partnership):
    with office_scope(office):
        services.partnership_end(partnership=partnership, membership=owner)
        with pytest.raises(Exception) as info:
            services.consent_record(
                office=office,
                membership=owner,
                client=client_record,
                partnership=partnership,
                obtained_on=timezone.localdate(),
                obtained_by=owner,
                method="written",
                scopes=["plan"],
            )
    assert "終了しているため、同意を記録できません" in str(info.value)


def test_another_offices_client_or_partnership_cannot_be_chosen(
    owner_client, owner, client_record, partnership, outsider_office
):
    stranger = make_client(outsider_office, family_name="他所")
    # the page offers neither; a hand-made request naming them is refused with a message
    raw = {**form_data(stranger, partnership, owner), "form_token": "x1"}
    page = owner_client.post(reverse("partners:consent_create"), raw).content.decode()
    assert "選んだ利用者が見つかりません" in page
    with office_scope(outsider_office):
        theirs = Partnership.objects.create(
            office=outsider_office,
            partner_office_number="1370000011",
            partner_name="x",
            service_type_codes=["11"],
            started_on=dt.date(2026, 1, 1),
        )
    raw = {**form_data(client_record, theirs, owner), "form_token": "x2"}
    page = owner_client.post(reverse("partners:consent_create"), raw).content.decode()
    assert "選んだ連携先は連携中ではありません" in page


def test_revoke_consent(owner_client, office, owner, client_record, partnership):
    consent = record_consent(office, owner, client_record, partnership, obtained_on=dt.date(2026, 5, 1))
    response = submit(
        owner_client,
        reverse("partners:consent_detail", args=[consent.pk]),
        {"revocation_reason": "本人からの申し出"},
        button="撤回を記録する",
        follow=True,
    )
    page = response.content.decode()
    assert "同意を撤回しました" in page and "撤回済み" in page and "本人からの申し出" in page
    with office_scope(office):
        consent.refresh_from_db()
        assert consent.revoked_on == timezone.localdate() and consent.revoked_by_name == owner.name
        assert AuditEvent.objects.filter(action="consent_revoked", client=client_record).count() == 1


@pytest.mark.parametrize(
    "revoked_on,message",
    [
        (dt.date(2026, 4, 30), "撤回日（令和8年4月30日）が同意日（令和8年5月1日）より前になっています"),
        (None, "撤回日に未来の日付"),
    ],
)
def test_revocation_dates_that_make_no_sense(
    owner_client, office, owner, client_record, partnership, revoked_on, message
):
    consent = record_consent(office, owner, client_record, partnership, obtained_on=dt.date(2026, 5, 1))
    revoked_on = revoked_on or timezone.localdate() + dt.timedelta(days=3)
    response = revoke(owner_client, consent, revoked_on=revoked_on.isoformat(), revocation_reason="申し出")
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and 'value="申し出"' in page
    with office_scope(office):
        consent.refresh_from_db()
    assert consent.revoked_on is None


def test_revocation_needs_a_reason_and_happens_once(owner_client, office, owner, client_record, partnership):
    consent = record_consent(office, owner, client_record, partnership)
    page = revoke(owner_client, consent, revocation_reason="")
    assert "撤回の理由を入力してください" in page.content.decode()
    opened = owner_client.get(reverse("partners:consent_detail", args=[consent.pk]))  # a second tab
    with office_scope(office):
        services.consent_revoke(consent=consent, membership=owner, revoked_on=timezone.localdate(), reason="申し出")
    page = submit(
        owner_client,
        reverse("partners:consent_detail", args=[consent.pk]),
        {"revocation_reason": "再度"},
        button="撤回を記録する",
        response=opened,
    )
    assert "すでに" in page.content.decode() and "撤回されています" in page.content.decode()


def test_a_care_manager_records_consent(member_client, office, member, client_record, partnership):
    assert post_consent(member_client, form_data(client_record, partnership, member)).status_code == 302
    with office_scope(office):
        assert Consent.objects.get().obtained_by == member


def test_a_third_office_sees_none_of_the_consents(office, owner, client_record, partnership):
    consent = record_consent(office, owner, client_record, partnership)
    third = login_client(MembershipFactory(office=OfficeFactory(name="第三の事業所"), role="admin"))
    for name in ("consent_detail", "consent_document", "consent_revoke"):
        assert third.get(reverse(f"partners:{name}", args=[consent.pk])).status_code in (404, 405)
    assert third.post(reverse("partners:consent_revoke", args=[consent.pk]), {}).status_code == 404
    page = third.get(reverse("partners:consents")).content.decode()
    assert "山田" not in page and "記録された同意はまだありません" in page


def test_consent_form_tells_every_mistake_at_once(owner_client, owner, client_record, partnership):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    data = form_data(client_record, partnership, owner, obtained_on=tomorrow.isoformat())
    data["client"] = ""
    data["document"] = SimpleUploadedFile("scan.png", PNG)
    page = post_consent(owner_client, data).content.decode()
    assert "利用者を選んでください" in page and "同意日に未来の日付" in page and "PDFでもJPEGでもありません" in page


@pytest.mark.parametrize(
    "typed,expected,message",
    [
        ("R8.5.1", dt.date(2026, 5, 1), None),
        ("令和8年5月1日", dt.date(2026, 5, 1), None),
        ("平成32年5月1日", None, "同意日: 「平成32年5月1日」の平成32年は存在しません（平成は平成31年4月30日まで）。"),
        ("R8.2.30", None, "同意日: 「R8.2.30」の2月30日は存在しない日付です（2月は28日まで）。"),
    ],
)
def test_consent_date_typed_in_wareki(
    owner_client, office, owner, client_record, partnership, typed, expected, message
):
    response = post_consent(owner_client, form_data(client_record, partnership, owner, obtained_on=typed))
    with office_scope(office):
        consents = list(Consent.objects.all())
    if expected:
        assert response.status_code == 302 and consents[0].obtained_on == expected
    else:
        assert message in response.content.decode() and not consents
        assert f'value="{typed}"' in response.content.decode()
