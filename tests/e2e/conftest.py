"""Browser fixtures: Playwright (sync API) driving Debian's /usr/bin/chromium.

Never `playwright install`: the browser is the system package installed by bin/setup.
Screenshots go to var/screenshots/ (set SCREENSHOT_DIR to change).
"""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", Path(__file__).resolve().parents[2] / "var" / "screenshots"))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """Make pages in fresh contexts (separate cookies = separate people)."""
    contexts = []

    def make(**kwargs):
        context = browser.new_context(locale="ja-JP", viewport={"width": 1366, "height": 900}, **kwargs)
        context.set_default_timeout(15000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take


def login(page, live_server, email, password, totp_secret=None):
    """Sign in; admins and operators (MFA mandatory) then type the code of their authenticator app."""
    from tests.factories import TOTP_SECRET, totp_code

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    if "/accounts/2fa/authenticate/" in page.url:
        page.fill("input[name=code]", totp_code(totp_secret or TOTP_SECRET))
        page.click("main form button[type=submit]")
        page.wait_for_load_state()


def activate_totp(page, password=None):
    """On the 2段階認証 setup page (where an admin is sent first): read the secret, type the code.

    allauth first asks for the password again (アクセス確認) when the sign-in was not recent."""
    from tests.factories import totp_code

    if "/accounts/reauthenticate/" in page.url and password:
        page.fill("input[name=password]", password)
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
    assert "/accounts/2fa/totp/activate/" in page.url, page.url
    secret = page.input_value("#authenticator_secret")
    page.fill("input[name=code]", totp_code(secret))
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    return secret
