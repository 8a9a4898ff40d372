"""Billing test helpers: issuer settings, an operator, and a licence with its invoice."""

import datetime as dt

import pytest

from portal.billing import services
from portal.billing.models import PaymentMethod
from portal.offices.tenancy import office_scope
from tests.conftest import login_client
from tests.factories import UserFactory, give_totp

ISSUER = "株式会社れんけい運営"
T_NUMBER = "T5010001234567"


@pytest.fixture(autouse=True)
def issuer_settings(settings):
    settings.RENKEI_INVOICE_ISSUER_NAME = ISSUER
    settings.RENKEI_INVOICE_REGISTRATION_NUMBER = T_NUMBER
    settings.RENKEI_INVOICE_ISSUER_ADDRESS = "東京都千代田区丸の内1-1-1"
    settings.RENKEI_INVOICE_ISSUER_CONTACT = "billing@renkei.example.jp"
    settings.RENKEI_INVOICE_PAYMENT_INSTRUCTIONS = "銀行振込（みずほ銀行 丸の内支店 普通 1234567）"
    settings.RENKEI_INVOICE_NUMBER_PREFIX = "RK"
    settings.RENKEI_LICENCE_PRICE = 21000
    settings.RENKEI_LICENCE_GRACE_DAYS = 30
    settings.RENKEI_LICENCE_RENEWAL_NOTICE_DAYS = 30
    settings.RENKEI_INVOICE_PAYMENT_DAYS = 30
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast test users
    return settings


@pytest.fixture
def operator(db):
    user = UserFactory(email="operator@example.jp")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    give_totp(user)  # MFA is mandatory for operators
    return user


@pytest.fixture
def operator_client(operator):
    from django.test import Client

    client = Client()
    client.force_login(operator, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def clerk(office):
    from portal.offices.models import Role
    from tests.factories import MembershipFactory

    return MembershipFactory(office=office, role=Role.CLERK, display_name="高橋 美咲")


@pytest.fixture
def clerk_client(clerk):
    return login_client(clerk)


def paid_licence(office, start: dt.date, *, paid: bool = True, issued_on: dt.date | None = None):
    """A licence from ``start`` with its invoice, paid in full (or not)."""
    with office_scope(office):
        licence = services.licence_apply(office=office, start=start)
        invoice = services.invoice_issue(licence=licence, issued_on=issued_on or start, send_email=False)
        if paid:
            services.payment_record(
                invoice=invoice,
                amount=invoice.amount,
                received_on=issued_on or start,
                method=PaymentMethod.BANK_TRANSFER,
            )
    return licence, invoice


def renew_paid(office, *, on: dt.date, paid: bool = True):
    with office_scope(office):
        licence = services.licence_renew(office=office, on=on)
        invoice = services.invoice_issue(licence=licence, issued_on=on, send_email=False)
        if paid:
            services.payment_record(
                invoice=invoice, amount=invoice.amount, received_on=on, method=PaymentMethod.KOKUHOREN
            )
    return licence, invoice
