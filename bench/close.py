"""Benchmark: closing a month of N 利用者 (default 300) — build the close page's data, confirm each
利用者, run the checks and write the 給付管理票 file, then the 居宅介護支援費 claim file (and with
``--pdf`` its 請求書・明細書 PDF) — with the time and queries of each step and the peak memory.

    .venv/bin/python bench/close.py [--clients 300]

Uses a throwaway SQLite database under $RENKEI_VAR_DIR (default var/bench) unless DATABASE_URL is
set; everything it creates is rolled back at the end. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VAR = Path(os.environ.setdefault("RENKEI_VAR_DIR", str(ROOT / "var" / "bench")))
VAR.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{VAR / 'bench-close.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("RENKEI_ALLOW_INSECURE_KEY", "1")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("LOG_LEVEL", "WARNING")

MONTH = dt.date(2026, 10, 1)


class Rollback(Exception):
    pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=300)
    parser.add_argument(
        "--pdf",
        action="store_true",
        help="also render the 請求書・明細書 PDF of the claim file (in the worker: job claims.file_pdf)",
    )
    args = parser.parse_args()
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from linkage import kokuho
    from linkage.exchange.models import ActualSource
    from portal.claims import services
    from portal.claims.models import CareManagerNumber
    from portal.clients.models import Certification, Client
    from portal.masters import loader as masters
    from portal.offices.models import Membership, Office, OfficeServiceKind
    from portal.offices.tenancy import office_scope
    from portal.schedules.models import ServiceSchedule, ServiceScheduleLine

    masters.ensure_loaded()
    plan = [1 if d % 3 == 0 else 0 for d in range(1, 32)]
    try:
        with transaction.atomic():
            office = Office.objects.create(office_number="1399999991", name="ベンチ居宅", address="東京都", phone="03")
            OfficeServiceKind.objects.create(office=office, service_type_code="43")
            user = get_user_model().objects.create(username="bench-close@example.jp", email="bench-close@example.jp")
            cm = Membership.objects.create(office=office, user=user, role="admin", display_name="ベンチ")
            with office_scope(office):
                CareManagerNumber.objects.create(office=office, membership=cm, number="13999999")
                for n in range(args.clients):
                    client = Client.objects.create(
                        office=office,
                        family_name="試験",
                        given_name=f"{n}",
                        family_name_kana="シケン",
                        given_name_kana="タロウ",
                        sex="1",
                        birth_date=dt.date(1940, 1, 1),
                        insurer_number="131011",
                        insured_number=f"{1000000000 + n:010d}",
                        care_manager=cm,
                    )
                    Certification.objects.create(
                        client=client, care_level="22", valid_from=dt.date(2026, 4, 1), valid_to=dt.date(2028, 3, 31)
                    )
                    schedule = ServiceSchedule.objects.create(client=client, month=MONTH, created_on=MONTH)
                    for i, (number, kind, item) in enumerate(
                        (("1370000011", "11", "1211"), ("1370000022", "15", "1321"))
                    ):
                        ServiceScheduleLine.objects.create(
                            schedule=schedule,
                            sort_order=i,
                            provider_office_number=number,
                            provider_name="事業所",
                            service_type_code=kind,
                            service_item_code=item,
                            start_time="0900",
                            end_time="1000",
                            planned_days=plan,
                            actual_days=plan,
                        )
                        ActualSource.objects.create(
                            office=office,
                            client=client,
                            month=MONTH,
                            provider_office_number=number,
                            service_type_code=kind,
                            sequence="20261102000000",
                        )
                # the setup is what it claims before anything is timed
                made = ServiceSchedule.objects.filter(client__office=office, month=MONTH).count()
                made_lines = ServiceScheduleLine.objects.filter(
                    schedule__client__office=office, schedule__month=MONTH
                ).count()
                assert made == args.clients and made_lines >= args.clients, (made, made_lines)
                from django.db import connection
                from django.test.utils import CaptureQueriesContext

                t0 = time.perf_counter()
                with CaptureQueriesContext(connection) as build_queries:
                    rows = services.month_close(office, MONTH)
                t1 = time.perf_counter()
                assert len(rows) == args.clients, f"month_close gave {len(rows)} rows for {args.clients} 利用者"
                for row in rows:
                    services.confirmation_create(
                        office=office, client=row.client, month=MONTH, membership=cm, base_version=0
                    )
                t2 = time.perf_counter()
                with CaptureQueriesContext(connection) as check_queries:
                    check, pending = services.benefit_file_check(office, MONTH)
                t3 = time.perf_counter()
                file = services.benefit_file_make(office=office, month=MONTH, membership=cm, today=dt.date(2026, 11, 5))
                t4 = time.perf_counter()
                kokuho.read(bytes(file.content))
                t5 = time.perf_counter()
                claim = services.claim_file_make(office=office, month=MONTH, membership=cm, today=dt.date(2026, 11, 5))
                t6 = time.perf_counter()
                if args.pdf:
                    from portal.claims.file_pdf import file_pdf_render

                    pdf = file_pdf_render(claim)  # what the worker's claims.file_pdf job renders
                t7 = time.perf_counter()
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
                print(f"利用者 {len(rows)} / records {file.record_count} / file {len(file.content):,} bytes")
                print(f"build (月次の締め)       {t1 - t0:7.2f} s  ({len(build_queries)} queries)")
                print(f"confirm each 利用者      {t2 - t1:7.2f} s  ({(t2 - t1) / len(rows) * 1000:.0f} ms each)")
                print(
                    f"check before the file  {t3 - t2:7.2f} s  ({len(check_queries)} queries, errors {len(check.errors)})"
                )
                print(f"make the file (incl. check, write, read back) {t4 - t3:7.2f} s")
                print(f"read the file          {t5 - t4:7.2f} s")
                print(f"居宅介護支援費 file     {t6 - t5:7.2f} s  ({claim.record_count} records)")
                if args.pdf:
                    print(f"請求書・明細書 PDF       {t7 - t6:7.2f} s  ({len(pdf):,} bytes)")
                print(f"peak RSS of the process {peak / 1024:6.1f} MiB (Django, masters and the data included)")
            raise Rollback
    except Rollback:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
