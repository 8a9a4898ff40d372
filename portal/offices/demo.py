"""Demo offices and staff with known passwords (used by ``manage.py load_demo``)."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from portal.offices.models import Membership, Office, OfficeServiceKind, Role

DEMO_PASSWORD = "renkei-demo-2026"

# (office_number, name, address, phone, regional grade, kinds, [(email, display name, role)])
DEMO_OFFICES = [
    (
        "1310000001",
        "さくら居宅介護支援事業所",
        "東京都新宿区西新宿2-8-1",
        "03-1111-0001",
        "1",
        ["43"],
        [
            ("sakura-admin@example.jp", "佐藤 花子", Role.ADMIN),
            ("sakura-cm@example.jp", "鈴木 一郎", Role.CARE_MANAGER),
            ("sakura-clerk@example.jp", "高橋 美咲", Role.CLERK),
        ],
    ),
    (
        "2710000002",
        "なにわケアプランセンター",
        "大阪府大阪市北区中之島1-3-20",
        "06-2222-0002",
        "2",
        ["43"],
        [
            ("naniwa-admin@example.jp", "田中 健太", Role.ADMIN),
            ("naniwa-cm@example.jp", "伊藤 由美", Role.CARE_MANAGER),
        ],
    ),
    (
        "1370000011",
        "ひまわり訪問介護ステーション",
        "東京都新宿区百人町1-1-1",
        "03-3333-0011",
        "1",
        ["11"],
        [
            ("himawari-admin@example.jp", "渡辺 直子", Role.ADMIN),
            ("himawari-staff@example.jp", "山本 翔太", Role.SERVICE_STAFF),
        ],
    ),
    (
        "1370000012",
        "あおぞらデイサービス",
        "東京都中野区中野4-1-1",
        "03-3333-0012",
        "3",
        ["15", "78"],
        [
            ("aozora-admin@example.jp", "中村 さやか", Role.ADMIN),
        ],
    ),
    (
        "2770000013",
        "みどり訪問看護・福祉用具センター",
        "大阪府大阪市北区梅田3-1-1",
        "06-4444-0013",
        "2",
        ["13", "17"],
        [
            ("midori-admin@example.jp", "小林 誠", Role.ADMIN),
        ],
    ),
]


OPERATOR_EMAIL = "operator@example.jp"


def load_operator():
    """The operator's staff account for the Django admin and the operator dashboard."""
    User = get_user_model()
    user, _ = User.objects.get_or_create(username=OPERATOR_EMAIL, defaults={"email": OPERATOR_EMAIL})
    user.is_staff = True
    user.is_superuser = True
    user.set_password(DEMO_PASSWORD)
    user.save()
    EmailAddress.objects.update_or_create(user=user, email=OPERATOR_EMAIL, defaults={"verified": True, "primary": True})
    return user


def load() -> list[tuple[Office, list[tuple[str, str, str]]]]:
    """Create (or refresh) the demo offices and staff; returns them for printing."""
    User = get_user_model()
    result = []
    for number, name, address, phone, grade, kinds, staff in DEMO_OFFICES:
        office, _ = Office.objects.update_or_create(
            office_number=number,
            defaults={
                "name": name,
                "address": address,
                "phone": phone,
                "regional_grade": grade,
                "verification_status": "verified",
            },  # demo offices are verified (事業所の本人確認)
        )
        for code in kinds:
            OfficeServiceKind.objects.get_or_create(office=office, service_type_code=code)
        people = []
        for email, display, role in staff:
            user, created = User.objects.get_or_create(username=email, defaults={"email": email})
            if created or not user.check_password(DEMO_PASSWORD):
                user.set_password(DEMO_PASSWORD)
                user.save()
            EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
            Membership.objects.update_or_create(
                office=office, user=user, defaults={"role": role, "display_name": display}
            )
            people.append((email, display, Role(role).label))
        result.append((office, people))
    return result
