"""Reminders: renewal due, invoice overdue, licence lapsed — each emailed once per event."""

import datetime as dt

import pytest

from portal.billing import services
from portal.billing.models import ReminderSent
from portal.billing.tasks import office_reminders, queue_reminders
from portal.offices.tenancy import office_scope
from tests.billing.conftest import paid_licence, renew_paid

D = dt.date


def reminders(office, on):
    with office_scope(office):
        return services.office_reminders_send(office=office, on=on)


def test_renewal_due_is_sent_once_per_period(office, owner, member, mailoutbox):
    licence, _ = paid_licence(office, D(2025, 4, 1))
    assert reminders(office, D(2026, 2, 28)) == []  # 31 days left: nothing yet
    assert reminders(office, D(2026, 3, 1)) == [f"renewal-due:{licence.pk}"]
    assert reminders(office, D(2026, 3, 2)) == []
    assert reminders(office, D(2026, 3, 20)) == []
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [owner.user.email]
    assert "ライセンス更新のお知らせ" in mail.subject and "令和8年3月31日" in mail.body


def test_overdue_invoice_and_lapse_are_each_sent_once(office, owner, mailoutbox):
    licence, _ = paid_licence(office, D(2025, 4, 1))
    renewal, invoice = renew_paid(office, on=D(2026, 3, 2), paid=False)  # due 2026-04-01
    sent = reminders(office, D(2026, 3, 2))
    assert sent == [f"renewal-due:{licence.pk}"]
    assert reminders(office, D(2026, 4, 1)) == []  # due today: not overdue yet
    assert reminders(office, D(2026, 4, 2)) == [f"invoice-overdue:{invoice.pk}"]
    assert reminders(office, D(2026, 4, 20)) == []
    assert reminders(office, D(2026, 5, 1)) == [f"licence-lapsed:{licence.pk}"]
    assert reminders(office, D(2026, 6, 1)) == []
    subjects = [m.subject for m in mailoutbox]
    assert subjects == [
        "[Renkei] ライセンス更新のお知らせ",
        f"[Renkei] 請求書 {invoice.number} のお支払い期限が過ぎています",
        "[Renkei] ライセンスが失効しました（送信が止まっています）",
    ]
    assert "21,000円" in mailoutbox[1].body
    assert "送信はできません" in mailoutbox[2].body and "閲覧・受信・印刷・CSV出力" in mailoutbox[2].body


def test_a_failed_send_is_retried_next_time(office, owner, mailoutbox, monkeypatch):
    licence, _ = paid_licence(office, D(2025, 4, 1))

    def broken(*args, **kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    with pytest.raises(OSError):
        reminders(office, D(2026, 3, 1))
    with office_scope(office):
        assert not ReminderSent.objects.exists()
    monkeypatch.undo()
    assert reminders(office, D(2026, 3, 2)) == [f"renewal-due:{licence.pk}"]


def test_the_tasks_run_twice_without_harm(office, owner, outsider_office, outsider, mailoutbox, monkeypatch):
    paid_licence(office, D(2025, 4, 1))
    assert office_reminders.apply(args=(office.pk, "2026-03-05")).get() != []
    assert office_reminders.apply(args=(office.pk, "2026-03-05")).get() == []
    assert office_reminders.apply(args=(outsider_office.pk, "2026-03-05")).get() == []  # no licence: nothing
    assert len(mailoutbox) == 1

    queued = []
    monkeypatch.setattr(office_reminders, "apply_async", lambda args: queued.append(args))
    assert queue_reminders.apply().get() == 2
    assert sorted(a[0] for a in queued) == sorted([office.pk, outsider_office.pk])


def test_beat_schedule_has_the_reminders(settings):
    assert settings.CELERY_BEAT_SCHEDULE["billing-reminders"]["task"] == "billing.queue_reminders"
