"""Steps of the browser journeys that start from an empty database (the first month, the monthly close).

Everything goes through the pages as strangers would: two people sign up and register a 居宅介護支援事業所
and a 訪問介護 provider, the operator approves both (Renkei issues their signing certificates), they
become partners, the care manager registers a 利用者 with consent, writes and delivers 第1〜3表, makes
next month's 第6表 and sends it through the real hub; the provider receives it and sends 実績 back.

Real processes (``services_running``): the hub (gunicorn, its own PostgreSQL database), a Celery
worker with beat, a redis-server; the portal runs in the live server. No demo loader, no factories.
Test modules use the fixtures by importing them: ``from tests.e2e.journey import hub, hub_ca,
services_running``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
import re
import time
from dataclasses import dataclass

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from playwright.sync_api import expect

from portal.masters import loader as masters
from tests.e2e.conftest import activate_totp
from tests.e2e.test_signup_journey import PASSWORD, link_in, signup_and_verify
from tests.exchange.processes import CeleryWorker, RedisServer, worker_env
from tests.hub.conftest import hub, hub_ca  # noqa: F401  (the real hub process; re-exported as fixtures)
from tests.hub.process import server_url

CM_NUMBER, PROVIDER_NUMBER = "1310012345", "1370054321"
OPERATOR_EMAIL = "unei@example.jp"


def _reset_producer(app):
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def services_running(settings, live_server, hub, hub_ca, tmp_path):  # noqa: F811
    """The hub trusts the issuing CA; a worker with beat polls it; mails go to the test outbox."""
    from config.celery import app

    masters.reset_loaded_flag()
    masters.ensure_loaded()  # the bundled service-code master the migrations load (flushed between tests)
    key_file = tmp_path / "issuing-ca-key.pem"
    key_file.write_bytes(hub_ca.key_pem("journey-passphrase"))
    settings.SITE_URL = live_server.url
    settings.RENKEI_HUB_URL = hub.url
    settings.RENKEI_TRUSTED_CA_FILE = str(hub_ca.path)
    settings.RENKEI_ISSUING_CA_CERT_FILE = str(hub_ca.path)
    settings.RENKEI_ISSUING_CA_KEY_FILE = str(key_file)
    settings.RENKEI_ISSUING_CA_KEY_PASSPHRASE = "journey-passphrase"
    redis = RedisServer(tmp_path / "redis").start()
    old_broker = app.conf.broker_url
    app.conf.broker_url = redis.url
    _reset_producer(app)
    database_url = server_url(os.environ["DATABASE_URL"], connection.settings_dict["NAME"])
    env = worker_env(
        database_url=database_url,
        redis_url=redis.url,
        hub_url=hub.url,
        ca_file=str(hub_ca.path),
        RENKEI_HUB_POLL_SECONDS="2",
    )
    worker = CeleryWorker(env=env, log_dir=tmp_path / "worker").start()
    yield
    worker.stop()
    redis.kill()
    app.conf.broker_url = old_broker
    _reset_producer(app)
    masters.reset_loaded_flag()


class Shots:
    def __init__(self, screenshot, prefix="journey"):
        self.take, self.n, self.prefix = screenshot, 0, prefix

    def __call__(self, page, name):
        self.n += 1
        self.take(page, f"{self.prefix}-{self.n:02d}-{name}")


def click(page, role_name, role="button"):
    page.get_by_role(role, name=role_name).first.click()
    page.wait_for_load_state()


def reload_until(page, predicate, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page.reload()
        page.wait_for_load_state()
        if predicate():
            return
        time.sleep(1)
    raise AssertionError(f"not seen within {timeout}s on {page.url}")


def register_office(page, *, number, name, kind, display_name):
    page.fill("input[name=office_number]", number)
    page.fill("input[name=name]", name)
    page.fill("input[name=display_name]", display_name)
    page.fill("input[name=address]", "東京都豊島区東池袋1-1-1")
    page.fill("input[name=phone]", "03-1234-5678")
    page.select_option("select[name=regional_grade]", "1")
    page.check(f"input[name=service_type_codes][value='{kind}']")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    # the new office admin must set up an authenticator app before anything else (MFA is mandatory)
    assert "事業所の管理者は2段階認証が必須です" in page.content()
    activate_totp(page, PASSWORD)


def apply_for_verification(page):
    page.check("input[name=method][value=register]")
    page.fill("textarea[name=note]", "介護サービス情報公表システムに掲載されています。")
    click(page, "本人確認を申請する")
    assert "本人確認を申請しました" in page.content()


def operator_signs_in(page, live_server):
    """The operator account is made on deploy with createsuperuser; it signs in (and verifies) like anyone."""
    os.environ["DJANGO_SUPERUSER_PASSWORD"] = PASSWORD
    try:
        call_command("createsuperuser", interactive=False, username=OPERATOR_EMAIL, email=OPERATOR_EMAIL, verbosity=0)
    finally:
        del os.environ["DJANGO_SUPERUSER_PASSWORD"]
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", OPERATOR_EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    sent = [m for m in mail.outbox if OPERATOR_EMAIL in m.to]
    if sent:  # mandatory email verification: confirm from the outbox, then sign in again
        link = link_in(sent[-1], r"https?://\S+/accounts/confirm-email/\S+")
        page.goto(live_server.url + "/accounts/" + link.split("/accounts/", 1)[1])
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        if "/accounts/login" in page.url:
            page.fill("input[name=login]", OPERATOR_EMAIL)
            page.fill("input[name=password]", PASSWORD)
            page.click("main form button[type=submit]")
            page.wait_for_load_state()
    # MFA is mandatory for the operator: the first sign-in sets up the authenticator app
    activate_totp(page, PASSWORD)


def add_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


# --------------------------------------------------------------------------- the steps


@dataclass
class Month:
    """Next month (the one the 第6表 is for) and the days the provider changes in its 実績."""

    today: dt.date
    month: dt.date
    mondays: list[int]
    thursdays: list[int]
    cancelled: int  # the second Monday: planned, not done
    added: int  # a Tuesday after it: done, not planned

    @classmethod
    def next(cls, today: dt.date) -> Month:
        month = add_month(today.replace(day=1))
        days = calendar.monthrange(month.year, month.month)[1]
        weekday = {w: [d for d in range(1, days + 1) if month.replace(day=d).weekday() == w] for w in range(7)}
        cancelled = weekday[0][1]
        added = next(d for d in weekday[1] if d > cancelled)
        return cls(today=today, month=month, mondays=weekday[0], thursdays=weekday[3], cancelled=cancelled, added=added)

    @property
    def actual_visits(self) -> int:
        return len(self.mondays) + len(self.thursdays) - 1 + 1


def offices_signed_up_and_verified(cm, provider, live_server, new_page, shot):
    """1–2. Two people sign up and register their offices; the operator approves both."""
    signup_and_verify(cm, live_server, "kanri@hikari.example.jp")
    register_office(cm, number=CM_NUMBER, name="ひかり居宅介護支援事業所", kind="43", display_name="光 一郎")
    cm.goto(f"{live_server.url}/offices/verification/")
    assert "本人確認" in cm.locator("[data-testid=verification-banner]").inner_text()
    shot(cm, "cm-registered-unverified")
    apply_for_verification(cm)

    signup_and_verify(provider, live_server, "kanri@sora.example.jp")
    register_office(
        provider, number=PROVIDER_NUMBER, name="そら訪問介護ステーション", kind="11", display_name="空 花子"
    )
    provider.goto(f"{live_server.url}/offices/verification/")
    apply_for_verification(provider)
    shot(provider, "provider-applied")

    operator = new_page()
    operator_signs_in(operator, live_server)
    operator.goto(f"{live_server.url}/offices/operator/verifications/")
    queue = operator.locator("[data-testid=verification-queue]")
    expect(queue).to_contain_text("ひかり居宅介護支援事業所")
    expect(queue).to_contain_text("そら訪問介護ステーション")
    shot(operator, "operator-queue")
    for name in ("ひかり居宅介護支援事業所", "そら訪問介護ステーション"):
        operator.locator("[data-testid=verification-queue] tr", has_text=name).get_by_role(
            "link", name="確認する"
        ).click()
        operator.wait_for_load_state()
        shot(operator, "operator-review")
        click(operator, "承認する")
        assert "電子証明書を発行しました" in operator.content()
    cm.goto(f"{live_server.url}/exchange/certificates/")
    expect(cm.locator("[data-testid=certificate-row]").first).to_contain_text("Renkeiが発行")
    assert cm.locator("[data-testid=verification-banner]").count() == 0
    shot(cm, "cm-certificate-issued")


def partners(cm, provider, live_server, shot):
    """3. The care office invites the provider by its number; the provider accepts."""
    cm.goto(f"{live_server.url}/partners/invite/")
    cm.fill("input[name=invitee_office_number]", PROVIDER_NUMBER)
    cm.locator("input[name=service_type_codes][value='11']").check()
    shot(cm, "cm-invite")
    click(cm, "招待を送る")
    assert "連携の招待を送りました" in cm.content()
    provider.goto(f"{live_server.url}/")
    provider.get_by_text("連携の招待が届いています").first.wait_for()
    provider.goto(f"{live_server.url}/partners/")
    provider.locator("[data-testid=received-invitations] tr", has_text="ひかり居宅介護支援事業所").get_by_role(
        "link", name="内容を見て回答する"
    ).click()
    provider.wait_for_load_state()
    shot(provider, "provider-invitation")
    click(provider, "承認して連携を始める")
    assert "との連携を始めました" in provider.content()


def client_registered(cm, live_server, m: Month, shot, *, care_manager: str | None = None) -> int:
    """4. The care manager registers a 利用者 through the form (saved as 利用中) and records consent.
    ``care_manager``: the name of the 担当介護支援専門員 to choose (left 未定 otherwise)."""
    cm.goto(f"{live_server.url}/clients/new/")
    cm.fill("input[name='client-family_name']", "青木")
    cm.fill("input[name='client-given_name']", "良子")
    cm.fill("input[name='client-family_name_kana']", "アオキ")
    cm.fill("input[name='client-given_name_kana']", "ヨシコ")
    cm.check("input[name='client-sex'][value='2']")
    cm.fill("input[name='client-birth_date']", "1939-09-09")
    cm.fill("input[name='client-insurer_number']", "131011")
    cm.fill("input[name='client-insured_number']", "0001234567")
    if care_manager:
        option = cm.locator("select[name='client-care_manager'] option", has_text=care_manager)
        cm.select_option("select[name='client-care_manager']", option.get_attribute("value"))
    cm.select_option("select[name='cert-care_level']", "22")
    cm.fill("input[name='cert-valid_from']", str(m.today.replace(day=1) - dt.timedelta(days=60)))
    cm.fill("input[name='cert-valid_to']", str(m.month + dt.timedelta(days=300)))
    cm.fill("input[name='svc-0-provider_office_number']", PROVIDER_NUMBER)
    cm.select_option("select[name='svc-0-service_type_code']", "11")
    shot(cm, "cm-client-form")
    cm.click("form[data-testid=client-form] button[type=submit]")
    cm.wait_for_load_state()
    assert "青木　良子さん" in cm.content() and "利用終了" not in cm.locator("h1").inner_text()
    client_id = int(re.search(r"/clients/(\d+)/", cm.url).group(1))
    shot(cm, "cm-client-detail")
    cm.goto(f"{live_server.url}/partners/consents/new/?client={client_id}")
    partner = cm.locator("select[name=partnership] option", has_text="そら訪問介護ステーション").get_attribute("value")
    cm.select_option("select[name=partnership]", partner)
    click(cm, "同意を記録する")
    assert "同意を記録しました" in cm.content()
    shot(cm, "cm-consent")
    return client_id


def plan_delivered(cm, live_server, client_id: int, m: Month, shot):
    """5. 第1〜3表 (訪問介護 身体介護 on Mondays and Thursdays), confirmed and delivered."""
    from tests.e2e.test_careplans import _fill_need, _structural

    cm.goto(f"{live_server.url}/careplans/clients/{client_id}/")
    cm.fill("input[name=plan_date]", m.today.isoformat())
    click(cm, "作成を始める")
    cm.fill("textarea[name=user_intentions]", "本人: 自宅で暮らしたい。")
    cm.fill("textarea[name=committee_opinion]", "なし")
    cm.fill("textarea[name=support_policy]", "入浴の機会を確保し、在宅生活を支えます。")
    shot(cm, "cm-table1")
    click(cm, "保存して第2表へ")
    _structural(cm, "/needs/add/", lambda: cm.get_by_role("button", name="＋ 課題（ニーズ）を追加").click())
    _fill_need(
        cm,
        0,
        need="一人で入浴できない",
        long_goal="清潔に暮らせる",
        short_goal="週2回入浴できる",
        service="入浴介助",
        provider="そら訪問介護ステーション",
        number=PROVIDER_NUMBER,
        frequency="週2回",
    )
    shot(cm, "cm-table2")
    cm.wait_for_load_state("networkidle")
    cm.get_by_role("link", name="第3表 週間サービス計画表").click()
    cm.wait_for_load_state("networkidle")
    cm.reload()  # a 第2表 autosave fired on leaving the page can land after this page loaded (stale version)
    cm.wait_for_load_state("networkidle")
    monday = cm.locator(".week-col[data-weekday='1']").bounding_box()
    cm.mouse.click(monday["x"] + monday["width"] / 2, monday["y"] + monday["height"] * 10 / 24 + 2)
    form = cm.locator("#weekly-add-form")
    form.locator("input[name=weekdays][value='4']").check()
    form.locator("input[name=content]").fill("訪問介護（身体介護）")
    form.locator("select[name=service_type_code]").select_option("11")
    form.locator("input[name=service_item_code]").fill("1211")
    form.locator("input[name=provider_office_number]").fill(PROVIDER_NUMBER)
    _structural(cm, "/weekly/add/", lambda: form.get_by_role("button", name="追加する").click())
    shot(cm, "cm-table3")
    assert cm.locator("[data-testid=grid-block]").count() == 2
    cm.get_by_role("link", name="計画書の全体（印刷イメージ）").click()
    cm.wait_for_load_state()
    click(cm, "確定する")
    cm.get_by_role("link", name="交付を記録する").click()
    cm.wait_for_load_state()
    cm.fill("input[name=delivered_to]", "青木 良子（本人）")
    click(cm, "交付を記録する")
    assert cm.locator("[data-testid=plan-status]").inner_text() == "交付済"
    shot(cm, "cm-plan-delivered")


def schedule_sent(cm, live_server, client_id: int, m: Month, shot):
    """6. Next month's 第6表 from the 第3表, then sent through the hub (the preview first)."""
    cm.goto(f"{live_server.url}/schedules/clients/{client_id}/?month={m.month:%Y-%m}")
    cm.wait_for_load_state()
    click(cm, "第3表から作成")
    assert "行を入力しました" in cm.content()
    assert cm.input_value(f"input[name='line-0-d{m.mondays[0]}']") == "1"
    cm.click("[data-testid=save]")
    cm.wait_for_load_state()
    assert "のサービス利用票を保存しました" in cm.content()
    shot(cm, "cm-schedule")
    cm.goto(f"{live_server.url}/exchange/send/month/?month={m.month:%Y-%m}")
    click(cm, "送信内容を確認")
    preview = cm.locator("[data-testid=preview]")
    expect(preview).to_contain_text("そら訪問介護ステーション")
    assert cm.locator("[data-testid=send-blockers]").count() == 0 and cm.locator("[data-testid=refusal]").count() == 0
    shot(cm, "cm-send-preview")
    click(cm, "連携基盤で送信する")
    assert "件の送信を受け付けました" in cm.content()
    reload_until(
        cm,
        lambda: "送信待ち" not in cm.locator("main").inner_text() and "エラー" not in cm.locator("main").inner_text(),
    )
    shot(cm, "cm-sent")


def provider_sends_actuals(provider, live_server, m: Month, shot):
    """7–8. The provider receives the 第6表, matches the new 利用者, records its own consent; 実績:
    copies 予定, cancels one visit, adds an unplanned one and sends them back through the hub."""
    provider.goto(f"{live_server.url}/exchange/inbox/")
    reload_until(provider, lambda: provider.get_by_role("link", name="確認", exact=True).count() > 0)
    shot(provider, "provider-inbox")
    provider.get_by_role("link", name="確認", exact=True).first.click()
    provider.wait_for_load_state()
    provider.select_option("select[name=client_id]", "new")
    click(provider, "決定")
    assert "取り込みました" in provider.content()
    missing = provider.locator("[data-testid=own-consent-missing]")
    expect(missing).to_contain_text("青木")
    shot(provider, "provider-matched-consent-missing")
    missing.get_by_role("link", name="同意を記録する").click()
    provider.wait_for_load_state()
    click(provider, "同意を記録する")
    assert "同意を記録しました" in provider.content()

    provider.goto(f"{live_server.url}/exchange/inbox/")
    provider.get_by_role("link", name="実績を入力・送信").first.click()
    provider.wait_for_load_state()
    assert provider.locator("[data-testid=own-consent-missing]").count() == 0
    click(provider, "予定をすべて実績にコピー")
    provider.locator(f"input.d[name$='_{m.cancelled}']").first.fill("")
    click(provider, "実績を保存")
    assert "実績を保存しました" in provider.content()
    provider.fill("input[name=new_code]", "111211")
    provider.fill("input[name=new_day]", str(m.added))
    provider.fill("input[name=new_start]", "1000")
    provider.fill("input[name=new_end]", "1100")
    click(provider, "追加する")
    assert "予定外の訪問を追加しました" in provider.content()
    shot(provider, "provider-actuals")
    click(provider, "保存して実績を送信")
    assert "件の送信を受け付けました" in provider.content(), provider.locator("main").inner_text()[:500]
    shot(provider, "provider-actuals-sent")


def month_of_actuals_received(new_page, live_server, shot, *, care_manager: str | None = None):
    """Steps 1–8 in order: (cm page, provider page, Month, client id) once the provider has sent 実績."""
    from django.utils import timezone

    m = Month.next(timezone.localdate())
    cm, provider = new_page(), new_page()
    offices_signed_up_and_verified(cm, provider, live_server, new_page, shot)
    partners(cm, provider, live_server, shot)
    client_id = client_registered(cm, live_server, m, shot, care_manager=care_manager)
    plan_delivered(cm, live_server, client_id, m, shot)
    schedule_sent(cm, live_server, client_id, m, shot)
    provider_sends_actuals(provider, live_server, m, shot)
    return cm, provider, m, client_id
