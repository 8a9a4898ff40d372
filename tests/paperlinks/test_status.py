"""Status of the links per paper partner and month, on the outbox and 月次の締め, and the reminder email
a few days before the 実績 deadline (issue 19 item 5)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.offices.tenancy import office_scope
from portal.paperlinks import status, tasks
from portal.paperlinks.models import PaperLink
from portal.partners.models import AuditEvent
from portal.schedules.models import ServiceScheduleLine
from tests.documents.conftest import HOME_HELP, MONTH
from tests.forms import submit
from tests.paperlinks.conftest import new_link, path_of

pytestmark = pytest.mark.django_db

PERSONAL = ("山田", "太郎", "0000012345", "川口", "次郎", "0000067890")
REMINDER_DAY = dt.date(2026, 12, 2)  # 実績 of 2026-11 are asked by 12/5 (default); the reminder goes 3 days before


@pytest.fixture
def no_actuals(office, world):
    """The month before any 実績 arrived."""
    with office_scope(office):
        ServiceScheduleLine.objects.filter(schedule__month=MONTH).update(actual_days=[0] * 31)


def _statuses(page: str) -> str:
    return page.split('data-testid="paper-link-status"')[1].split("</section>")[0]


def _open(new):
    browser = Client()
    submit(browser, path_of(new.url), {"code": new.code}, button="提供票を開く")
    return browser


def _answer(browser, new, schedule):
    return submit(browser, path_of(new.url) + f"answer/{schedule.pk}/", {}, button="実績を送信")


def test_outbox_and_monthly_close_show_each_step_of_the_link(owner_client, office, owner, world, no_actuals):
    close = reverse("claims:close") + "?month=2026-11"
    assert 'data-testid="paper-link-status"' not in owner_client.get(reverse("exchange:outbox")).content.decode()
    new = new_link(office, owner, world["partner"])
    outbox = _statuses(owner_client.get(reverse("exchange:outbox")).content.decode())
    assert "令和8年11月分" in outbox and "送付済" in outbox and "令和8年12月5日" in outbox and "未送信" in outbox
    page = owner_client.get(close).content.decode()
    assert "送付済" in _statuses(page)
    row = page.split(f'id="client-{world["consented"].pk}"')[1].split("</section>")[0]
    assert "未着" in row and "リンク: 送付済" in row  # the unanswered 利用者 shows where its link stands
    other = page.split(f'id="client-{world["other"].pk}"')[1].split("</section>")[0]
    assert "リンク:" not in other  # no consent for that partner: the link does not concern this 利用者

    browser = _open(new)
    assert "閲覧済" in _statuses(owner_client.get(reverse("exchange:outbox")).content.decode())
    assert "リンク: 閲覧済" in owner_client.get(close).content.decode()

    assert _answer(browser, new, world["schedule"]).status_code == 302
    page = owner_client.get(close).content.decode()
    assert "実績回答済" in _statuses(page) and "1/1人" in _statuses(page)
    row = page.split(f'id="client-{world["consented"].pk}"')[1].split("</section>")[0]
    assert "リンクで回答" in row  # the partner's answer counts as arrived


def test_an_expired_link_shows_as_expired(owner_client, office, owner, world, no_actuals):
    new = new_link(office, owner, world["partner"])
    with office_scope(office):
        PaperLink.objects.filter(pk=new.link.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert "期限切れ" in _statuses(owner_client.get(reverse("exchange:outbox")).content.decode())
    assert "リンク: 期限切れ" in owner_client.get(reverse("claims:close") + "?month=2026-11").content.decode()


def test_deadline_is_configurable_with_the_fifth_of_the_next_month_by_default(settings):
    assert status.actual_deadline(MONTH) == dt.date(2026, 12, 5)
    assert status.reminder_day(MONTH) == REMINDER_DAY
    settings.RENKEI_PAPER_LINK_ACTUAL_DAY, settings.RENKEI_PAPER_LINK_REMINDER_DAYS = 3, 2
    assert (status.actual_deadline(MONTH), status.reminder_day(MONTH)) == (dt.date(2026, 12, 3), dt.date(2026, 12, 1))


def test_reminder_goes_once_without_personal_data_and_the_care_office_sees_it(
    owner_client, office, owner, world, django_capture_on_commit_callbacks
):
    new = new_link(office, owner, world["partner"])
    with office_scope(office):  # sent on 11/20 (the reminder never follows the notice on the same day)
        PaperLink.objects.filter(pk=new.link.pk).update(created_at=dt.datetime(2026, 11, 20, 1, tzinfo=dt.UTC))
    mail.outbox.clear()
    assert status.reminders_due(REMINDER_DAY - dt.timedelta(days=1)) == []  # not yet
    assert status.reminders_due(dt.date(2026, 12, 6)) == []  # the deadline has passed
    assert status.reminders_due(REMINDER_DAY) == [new.link.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_reminder(new.link.pk, REMINDER_DAY.isoformat()) is True
        assert tasks.send_reminder(new.link.pk, REMINDER_DAY.isoformat()) is False  # a second run sends nothing
    assert status.reminders_due(REMINDER_DAY) == []
    [message] = mail.outbox
    assert message.to == ["helper@example.jp"]
    assert "令和8年11月分" in message.subject and "令和8年12月5日" in message.body
    for word in PERSONAL:
        assert word not in message.subject + message.body
    assert new.token not in message.body  # the reminder points to the notice; the link is never stored in clear
    with office_scope(office):
        event = AuditEvent.objects.get(action="paper_link_reminded")
    assert event.partner_office_number == HOME_HELP[0]
    listing = owner_client.get(reverse("paperlinks:list")).content.decode()
    assert "送信済（令和" in listing
    assert "送信済（令和" in _statuses(owner_client.get(reverse("exchange:outbox")).content.decode())


def test_no_reminder_when_answered_paper_only_revoked_or_replaced(
    office, owner, world, django_capture_on_commit_callbacks
):
    answered = new_link(office, owner, world["partner"])
    assert _answer(_open(answered), answered, world["schedule"]).status_code == 302
    world["day_care"].paper_only = True
    world["day_care"].save()
    from tests.factories import make_consent

    with office_scope(office):
        make_consent(office, world["consented"], world["day_care"])
    paper = new_link(office, owner, world["day_care"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert paper.link.pk not in status.reminders_due(REMINDER_DAY)  # no address: the care office phones
        assert tasks.send_reminder(answered.link.pk, REMINDER_DAY.isoformat()) is False
    assert mail.outbox == []


def test_the_beat_schedule_runs_the_reminders(settings):
    from config.celery import app

    assert settings.CELERY_BEAT_SCHEDULE["paperlinks-reminders"]["task"] == "paperlinks.send_reminders"
    app.loader.import_default_modules()
    assert {"paperlinks.send_reminders", "paperlinks.send_reminder"} <= set(app.tasks)
