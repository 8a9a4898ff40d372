"""factory_boy factories shared by every test module."""

import datetime as dt
import itertools

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone

from portal.offices.models import Membership, Office, OfficeServiceKind, Role
from portal.offices.tenancy import office_scope

PASSWORD = "correct-horse-battery-9"
# The authenticator-app secret every factory-made admin has (MFA is mandatory for office admins);
# tests compute the current code with ``totp_code()``.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code(secret: str = TOTP_SECRET) -> str:
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def give_totp(user, secret: str = TOTP_SECRET):
    """Activate an authenticator app for ``user`` (stored encrypted, as the real flow does)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, secret)


_numbers = itertools.count(1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.jp")
    username = factory.SelfAttribute("email")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.get_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office
        skip_postgeneration_save = True

    office_number = factory.LazyFunction(lambda: f"13{next(_numbers):08d}")
    name = factory.Sequence(lambda n: f"テスト事業所{n}")
    address = "東京都千代田区霞が関1-2-2"
    phone = "03-0000-0000"
    regional_grade = "1"
    verification_status = "verified"  # 事業所の本人確認 done; tests of unverified offices say so

    @factory.post_generation
    def kinds(self, create, extracted, **kwargs):
        if create:
            for code in extracted or ["43"]:
                OfficeServiceKind.objects.create(office=self, service_type_code=code)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership
        skip_postgeneration_save = True

    office = factory.SubFactory(OfficeFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.CARE_MANAGER
    display_name = factory.Sequence(lambda n: f"職員{n}")

    @factory.post_generation
    def mfa(self, create, extracted, **kwargs):
        """Admins have an authenticator app unless ``mfa=False`` (MFA is mandatory for them)."""
        if create and (extracted if extracted is not None else self.role == Role.ADMIN):
            give_totp(self.user)


def make_partnership(a, b, kinds):
    """Both sides of an active partnership between offices ``a`` and ``b`` (service kinds of the provider)."""
    from portal.partners.models import Partnership

    today = timezone.localdate() - dt.timedelta(days=30)
    with office_scope(a):
        pa = Partnership.objects.create(
            office=a,
            partner_office=b,
            partner_office_number=b.office_number,
            partner_name=b.name,
            service_type_codes=kinds,
            started_on=today,
        )
    with office_scope(b):
        pb = Partnership.objects.create(
            office=b,
            partner_office=a,
            partner_office_number=a.office_number,
            partner_name=a.name,
            service_type_codes=kinds,
            started_on=today,
            counterpart=pa,
        )
    with office_scope(a):
        pa.counterpart = pb
        pa.save(update_fields=["counterpart"])
    return pa, pb


def make_consent(office, client, partnership, **scopes):
    from portal.partners.models import Consent

    with office_scope(office):
        return Consent.objects.create(
            office=office,
            client=client,
            partnership=partnership,
            obtained_on=timezone.localdate() - dt.timedelta(days=10),
            method="written",
            **scopes,
        )


def make_external_partnership(office, number, name, kinds):
    """An outside partner (other care software; exchange by files)."""
    from portal.partners.models import Partnership

    with office_scope(office):
        return Partnership.objects.create(
            office=office,
            partner_office_number=number,
            partner_name=name,
            is_external=True,
            service_type_codes=kinds,
            started_on=timezone.localdate() - dt.timedelta(days=30),
        )
