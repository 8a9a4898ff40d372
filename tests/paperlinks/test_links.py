"""提供票 by secure link (issue 19 items 1–2): sending, the access code, what the partner sees, audit."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.hashers import check_password
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.offices.tenancy import office_scope
from portal.paperlinks.models import PaperLink
from portal.partners.models import AuditEvent
from tests.forms import submit
from tests.paperlinks.conftest import new_link, path_of

pytestmark = pytest.mark.django_db

PERSONAL = ("山田", "太郎", "0000012345", "川口", "次郎", "0000067890")


def _enter(browser: Client, url: str, code: str):
    return submit(browser, path_of(url), {"code": code}, button="提供票を開く")


def test_external_partner_form_records_contact_email_and_paper_only(owner_client, office):
    response = submit(
        owner_client,
        reverse("partners:external_create"),
        {
            "partner_office_number": "1370000099",
            "partner_name": "紙の訪問介護",
            "service_type_codes": ["11"],
            "contact_email": "kami@example.jp",
            "paper_only": True,
        },
        button="登録する",
    )
    assert response.status_code == 302
    with office_scope(office):
        partner = office.partnerships.get(partner_office_number="1370000099")
    assert (partner.contact_email, partner.paper_only, partner.is_external) == ("kami@example.jp", True, True)


def test_send_shows_the_code_once_and_emails_a_notice_without_personal_data(
    owner_client, office, world, django_capture_on_commit_callbacks
):
    url = reverse("paperlinks:send", kwargs={"partnership_id": world["partner"].pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(owner_client, url, {"month": "2026-11"}, button="送る")
    assert response.status_code == 200
    page = response.content.decode()
    code = re.search(r'data-testid="access-code">(\d{6})<', page).group(1)
    link_url = re.search(r"(http://[^\s<\"]+/l/[^\s<\"/]+/)", page).group(1)
    assert "<svg" in page  # the QR code on the printable cover sheet
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["helper@example.jp"]
    assert link_url in message.body and "令和8年11月分" in message.body
    assert code not in message.body
    assert not any(word in message.body + message.subject for word in PERSONAL)
    assert not any(word in link_url for word in PERSONAL)
    with office_scope(office):
        link = PaperLink.objects.get()
        events = list(AuditEvent.objects.filter(action="paper_link_sent"))
    token = link_url.rstrip("/").rsplit("/", 1)[1]
    assert token not in link.token_hash and code not in link.code_hash
    assert check_password(code, link.code_hash)
    assert (link.expires_at - link.created_at).days == 45
    assert len(events) == 1 and events[0].partner_office_number == "1370000011"


def test_paper_only_partner_gets_no_email(owner_client, office, world, django_capture_on_commit_callbacks):
    partner = world["partner"]
    partner.paper_only = True
    with office_scope(office):
        partner.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(
            owner_client,
            reverse("paperlinks:send", kwargs={"partnership_id": partner.pk}),
            {"month": "2026-11"},
            button="送る",
        )
    assert "メールは送っていません" in response.content.decode()
    assert mail.outbox == []


def test_unverified_office_cannot_send(owner_client, office, world):
    office.verification_status = "unverified"
    office.save()
    response = submit(
        owner_client,
        reverse("paperlinks:send", kwargs={"partnership_id": world["partner"].pk}),
        {"month": "2026-11"},
        button="送る",
    )
    assert response.status_code == 200
    assert "本人確認" in response.content.decode()
    with office_scope(office):
        assert not PaperLink.objects.exists()


def test_month_without_consented_lines_is_refused_with_a_message(owner_client, office, world):
    response = submit(
        owner_client,
        reverse("paperlinks:send", kwargs={"partnership_id": world["partner"].pk}),
        {"month": "2026-12"},
        button="送る",
    )
    assert "令和8年12月分に、この連携先の予定があり同意のある利用者がいません" in response.content.decode()


def test_partner_sees_only_its_own_lines_of_consenting_clients(office, owner, world):
    new = new_link(office, owner, world["partner"])
    browser = Client()
    assert browser.get(path_of(new.url) + "sheet/").status_code == 404  # no code yet
    response = _enter(browser, new.url, new.code)
    assert response.status_code == 302
    page = browser.get(response["Location"]).content.decode()
    assert "山田\u3000太郎" in page
    assert "川口" not in page  # no consent to this partner
    assert "身体" in page  # 訪問介護 lines
    assert "通所" not in page  # the other provider's lines are not shown
    with office_scope(office):
        assert AuditEvent.objects.filter(action="paper_link_opened").count() == 1
        assert PaperLink.objects.get().status_label == "閲覧済"


def test_pdf_download_is_the_partners_copy_and_is_audited(office, owner, world):
    new = new_link(office, owner, world["partner"])
    browser = Client()
    _enter(browser, new.url, new.code)
    response = browser.get(path_of(new.url) + f"pdf/{world['schedule'].pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "1370000011" in response["Content-Disposition"] and "山田" not in response["Content-Disposition"]
    assert browser.get(path_of(new.url) + f"pdf/{world['other_schedule'].pk}/").status_code == 404
    with office_scope(office):
        event = AuditEvent.objects.get(action="paper_link_downloaded")
    assert event.client_id == world["consented"].pk and event.actor_name.startswith("連携先")


def test_wrong_codes_count_down_and_the_fifth_locks_the_link(office, owner, world):
    new = new_link(office, owner, world["partner"])
    wrong = "000000" if new.code != "000000" else "111111"
    browser = Client()
    for left in (4, 3, 2, 1):
        response = _enter(browser, new.url, wrong)
        assert response.status_code == 422
        assert f"確認コードが違います。あと{left}回" in response.content.decode()
    response = _enter(browser, new.url, wrong)
    assert response.status_code == 410
    assert "ロックされました" in response.content.decode()
    # even the right code does not open a locked link, from any browser
    fresh = Client()
    assert fresh.get(path_of(new.url)).status_code == 410
    assert fresh.post(path_of(new.url), {"code": new.code}).status_code == 410
    assert fresh.get(path_of(new.url) + "sheet/").status_code == 404
    with office_scope(office):
        assert AuditEvent.objects.filter(action="paper_link_code_failed").count() == 4
        assert AuditEvent.objects.filter(action="paper_link_locked").count() == 1


def test_expired_link_says_so_and_shows_nothing(office, owner, world):
    new = new_link(office, owner, world["partner"])
    browser = Client()
    _enter(browser, new.url, new.code)
    with office_scope(office):
        PaperLink.objects.filter(pk=new.link.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert browser.get(path_of(new.url) + "sheet/").status_code == 404
    response = browser.get(path_of(new.url))
    assert response.status_code == 410 and "有効期限が切れています" in response.content.decode()


def test_revoked_consent_makes_the_link_show_nothing(office, owner, world):
    new = new_link(office, owner, world["partner"])
    browser = Client()
    _enter(browser, new.url, new.code)
    consent = world["consent"]
    with office_scope(office):
        consent.revoked_on = timezone.localdate()
        consent.save()
    page = browser.get(path_of(new.url) + "sheet/").content.decode()
    assert "山田" not in page and "表示できる提供票がありません" in page
    assert browser.get(path_of(new.url) + f"pdf/{world['schedule'].pk}/").status_code == 404


def test_the_code_of_one_link_never_opens_another(office, owner, world, outsider_office):
    from tests.factories import MembershipFactory

    first = new_link(office, owner, world["partner"])
    second = new_link(office, owner, world["day_care"])
    browser = Client()
    assert _enter(browser, first.url, first.code).status_code == 302
    assert browser.get(path_of(second.url) + "sheet/").status_code == 404
    page = browser.get(path_of(first.url) + "sheet/").content.decode()
    assert "通所" not in page
    del MembershipFactory, outsider_office


def test_withdrawn_link_says_it_was_withdrawn_and_shows_nothing(owner_client, office, owner, world):
    new = new_link(office, owner, world["partner"])
    browser = Client()
    _enter(browser, new.url, new.code)
    page = owner_client.get(reverse("paperlinks:list")).content.decode()
    assert "取り下げる" in page
    response = submit(
        owner_client, reverse("paperlinks:revoke", kwargs={"paper_link_id": new.link.pk}), {}, button="取り下げる"
    )
    assert response.status_code == 302
    assert browser.get(path_of(new.url) + "sheet/").status_code == 404
    response = browser.get(path_of(new.url))
    assert response.status_code == 410
    assert "令和8年11月分）の提供票を取り下げました" in response.content.decode()
    with office_scope(office):
        assert PaperLink.objects.get().status_label == "取消"
        assert AuditEvent.objects.filter(action="paper_link_revoked").count() == 1
