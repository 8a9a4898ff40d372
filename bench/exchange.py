"""Benchmark: a 300-利用者 month sent to 20 partners, end to end.

build (6表/7表/補足 from the portal models) → sign → encrypt to the recipient → hub (a real gunicorn
process over HTTP) → fetch → decrypt → verify → validate → import on each of the 20 provider offices.

Uses its own PostgreSQL databases (recreated on every run):

    .venv/bin/python bench/exchange.py [--clients 300] [--partners 20] \\
        [--database postgres://postgres@127.0.0.1:5432/renkei_bench_exchange]

Prints the time of each phase, the total and the throughput. Target: total ≤ 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(database_url: str, var_dir: str) -> None:
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "0",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-secret-key-not-for-production"),
            "RENKEI_ENCRYPTION_KEYS": os.environ.get(
                "RENKEI_ENCRYPTION_KEYS", "dGVzdC1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcy0wMDA="
            ),
            "ALLOWED_HOSTS": "localhost",
            "RENKEI_VAR_DIR": var_dir,
            "LOG_LEVEL": "WARNING",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "CELERY_BROKER_URL": "memory://",
            "REDIS_URL": "",
        }
    )
    import django

    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=300)
    parser.add_argument("--partners", type=int, default=20)
    parser.add_argument(
        "--database",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/renkei_bench_exchange"),
    )
    args = parser.parse_args()
    var_dir = tempfile.mkdtemp(prefix="renkei-bench-exchange-")

    from tests.hub.process import HubProcess, recreate_database

    dbname = args.database.rpartition("/")[2]
    recreate_database(args.database, dbname)
    hub_url = recreate_database(args.database, dbname + "_hub")
    setup_django(args.database, var_dir)

    from django.core.management import call_command
    from django.test.utils import override_settings

    from linkage.exchange import services
    from linkage.exchange.models import InboxStatus, Package, ReceivedPackage
    from linkage.signing import pki

    print("preparing databases and the hub …", flush=True)
    call_command("migrate", verbosity=0)
    ca = pki.create_test_ca()
    ca_file = Path(var_dir) / "ca.pem"
    ca_file.write_bytes(ca.pem())
    hub = HubProcess(
        database_url=hub_url,
        storage_dir=Path(var_dir) / "hub",
        ca_file=ca_file,
        log_dir=Path(var_dir) / "logs",
        workers=2,
    ).start()
    try:
        with override_settings(
            RENKEI_HUB_URL=hub.url, RENKEI_TRUSTED_CA_FILE=str(ca_file), CELERY_TASK_ALWAYS_EAGER=False
        ):
            cm, providers = make_data(ca, args.clients, args.partners)
            run(cm, providers, services, Package, ReceivedPackage, InboxStatus, args)
    finally:
        hub.stop()


def make_data(ca, n_clients: int, n_partners: int):
    from django.utils import timezone

    from linkage.exchange import certificates
    from linkage.signing import pki
    from portal.clients.models import Certification, Client
    from portal.offices.models import Membership, Office, OfficeServiceKind, Role
    from portal.offices.tenancy import office_scope
    from portal.partners.models import Consent, Partnership
    from portal.schedules.models import ServiceSchedule, ServiceScheduleLine

    month = dt.date(2026, 4, 1)
    started = timezone.localdate() - dt.timedelta(days=30)
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("bench@example.jp", "bench@example.jp", "x")

    def office(number, name, kind):
        o = Office.objects.create(
            office_number=number,
            name=name,
            address="東京都",
            phone="03-0000-0000",
            regional_grade="1",
            verification_status="verified",
        )
        OfficeServiceKind.objects.create(office=o, service_type_code=kind)
        key, cert = pki.issue_office_certificate(ca, office_number=number, name=name)
        with office_scope(o):
            certificates.certificate_install(office=o, key=key, cert=cert)
            certificates.certificate_publish(office=o)  # senders encrypt to it (the worker's task does this)
        return o

    cm = office("1310000001", "ベンチ居宅介護支援事業所", "43")
    admin = Membership.objects.create(office=cm, user=user, role=Role.ADMIN, display_name="ベンチ 太郎")
    providers = []
    half = max(1, n_partners // 2)
    for i in range(n_partners):
        kind, code = ("11", "1211") if i < half else ("15", "1121")
        p = office(f"13200{i:05d}", f"ベンチ事業所{i + 1}", kind)
        p.code = kind + code
        with office_scope(cm):
            p.cm_side = Partnership.objects.create(
                office=cm,
                partner_office=p,
                partner_office_number=p.office_number,
                partner_name=p.name,
                service_type_codes=[kind],
                started_on=started,
            )
        with office_scope(p):
            p.own_side = Partnership.objects.create(
                office=p,
                partner_office=cm,
                partner_office_number=cm.office_number,
                partner_name=cm.name,
                service_type_codes=[kind],
                started_on=started,
            )
        providers.append(p)

    def clients_for(o, numbers):
        with office_scope(o):
            made = Client.objects.bulk_create(
                [
                    Client(
                        office=o,
                        family_name="利用",
                        given_name=f"者{n}",
                        family_name_kana="リヨウ",
                        given_name_kana="シャ",
                        sex="1",
                        birth_date=dt.date(1940, 1, 1),
                        insurer_number="131011",
                        insured_number=f"{n:010d}",
                    )
                    for n in numbers
                ]
            )
            Certification.objects.bulk_create(
                [
                    Certification(
                        client=c,
                        status="2",
                        care_level="23",
                        valid_from=dt.date(2025, 10, 1),
                        valid_to=dt.date(2027, 9, 30),
                        benefit_limit_units=27048,
                    )
                    for c in made
                ]
            )
            return made

    numbers = list(range(1, n_clients + 1))
    cm_clients = clients_for(cm, numbers)
    uses = {n: [providers[n % half], providers[half + n % (n_partners - half)]] for n in numbers}
    with office_scope(cm):
        schedules = ServiceSchedule.objects.bulk_create(
            [ServiceSchedule(client=c, month=month, created_on=month) for c in cm_clients]
        )
        lines, consents = [], []
        for c, s, n in zip(cm_clients, schedules, numbers):
            for j, p in enumerate(uses[n]):
                days = [0] * 31
                for d in range(1 + j, 31, 4):
                    days[d - 1] = 1
                lines.append(
                    ServiceScheduleLine(
                        schedule=s,
                        sort_order=j,
                        provider_office_number=p.office_number,
                        provider_name=p.name,
                        service_type_code=p.code[:2],
                        service_item_code=p.code[2:],
                        start_time="1000",
                        end_time="1100",
                        planned_days=days,
                    )
                )
                consents.append(
                    Consent(office=cm, client=c, partnership=p.cm_side, obtained_on=started, method="written")
                )
        ServiceScheduleLine.objects.bulk_create(lines)
        Consent.objects.bulk_create(consents)
    for p in providers:
        mine = [n for n in numbers if p in uses[n]]
        made = clients_for(p, mine)
        with office_scope(p):
            Consent.objects.bulk_create(
                [
                    Consent(office=p, client=c, partnership=p.own_side, obtained_on=started, method="written")
                    for c in made
                ]
            )
    cm.admin = admin
    return cm, providers


def run(cm, providers, services, Package, ReceivedPackage, InboxStatus, args) -> None:
    from portal.offices.tenancy import office_scope
    from portal.schedules.models import ServiceSchedule, ServiceScheduleLine

    # the setup is what it claims before anything is timed
    with office_scope(cm):
        made = ServiceSchedule.objects.filter(client__office=cm, month=dt.date(2026, 4, 1)).count()
        made_lines = ServiceScheduleLine.objects.filter(
            schedule__client__office=cm, schedule__month=dt.date(2026, 4, 1)
        ).count()
    assert made == args.clients and made_lines == 2 * args.clients, (made, made_lines)
    print(f"sending a month of {args.clients} 利用者 to {len(providers)} partners …", flush=True)
    t0 = time.perf_counter()
    with office_scope(cm):
        units = services.month_send_plan(office=cm, month=dt.date(2026, 4, 1))
        batch = services.units_send(office=cm, actor=cm.admin, units=units, label="bench")
        packages = list(Package.objects.filter(batch=batch).values_list("pk", "size", "file_names"))
    t1 = time.perf_counter()
    with office_scope(cm):
        outcomes = [services.package_deliver(package_pk=pk).outcome for pk, _, _ in packages]
    t2 = time.perf_counter()
    imported = clients = 0
    for p in providers:
        with office_scope(p):
            result = services.office_sync(office=p)
            imported += result["imported"]
            clients += sum(
                ReceivedPackage.objects.filter(status=InboxStatus.IMPORTED).values_list("client_count", flat=True)
            )
    t3 = time.perf_counter()
    total = t3 - t0
    size = sum(s for _, s, _ in packages)
    units_clients = sum(len(u.clients) for u in units)
    assert outcomes.count("sent") == len(packages) and imported == len(packages), "not everything went through"
    print(f"packages: {len(packages)} ({size / 1e6:.1f} MB signed ZIPs), 利用者 per unit summed: {units_clients}")
    print(f"build + validate + sign + store : {t1 - t0:6.1f} s")
    print(f"encrypt + deliver to hub (HTTP)  : {t2 - t1:6.1f} s   ({outcomes.count('sent')} sent)")
    print(
        f"fetch+decrypt+verify+validate+import: {t3 - t2:6.1f} s   ({imported} packages, {clients} 利用者-months imported)"
    )
    print(f"TOTAL                            : {total:6.1f} s   target ≤ 60 s  {'OK' if total <= 60 else 'OVER'}")
    print(
        f"throughput: {args.clients / total:.1f} 利用者/s, {units_clients / total:.1f} 利用者-units/s, "
        f"{len(packages) / total:.2f} packages/s"
    )


if __name__ == "__main__":
    main()
