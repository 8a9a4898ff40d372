"""Benchmark: one サービス提供票 (第6表 + 第7表) through the portal against bare WeasyPrint on the
same HTML, measured in the same run; then batches of 1, 10 and 100 提供票 as the worker makes them
(chunks of one HTML document each, rendered by several processes side by side: portal.documents.batch),
per 提供票 against the target of 100 in 15 s.

    .venv/bin/python bench/pdf.py [--runs 15] [--sizes 1 10 100] [--lines 5]

"Portal" is the whole request: login session, office scope, loading the schedule, the 第7表
calculation, the template, WeasyPrint, the audit record. "Bare" is ``weasyprint.HTML(string=html)
.write_pdf()`` on exactly the HTML the portal rendered. Targets: ratio ≤ 1.2× and portal ≤ 0.5 s.

Uses a throwaway SQLite database under $RENKEI_VAR_DIR (default var/bench) unless DATABASE_URL is
set; everything it creates is rolled back at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VAR = Path(os.environ.setdefault("RENKEI_VAR_DIR", str(ROOT / "var" / "bench")))
VAR.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{VAR / 'bench-pdf.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("RENKEI_ALLOW_INSECURE_KEY", "1")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
    os.environ.setdefault(name, "0")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def setup():
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def pypdf_pages(data: bytes) -> list:
    import io

    import pypdf

    return pypdf.PdfReader(io.BytesIO(data)).pages


def timed(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) for one call."""
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="*",
        default=[1, 10, 100],
        help="batch sizes to time (per-sheet time for each; none to skip)",
    )
    parser.add_argument(
        "--lines",
        type=int,
        default=5,
        help="lines kept in the schedule (max 5); the measured provider's share of them is printed",
    )
    args = parser.parse_args()
    setup()

    import weasyprint
    from django.conf import settings
    from django.db import transaction
    from django.template.loader import render_to_string
    from django.test import Client as HttpClient
    from django.urls import reverse

    from portal.documents import services, sheets
    from portal.offices.middleware import SESSION_KEY
    from portal.offices.tenancy import office_scope
    from tests.documents.conftest import HOME_HELP, make_client, make_schedule
    from tests.factories import MembershipFactory, OfficeFactory

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            office = OfficeFactory(name="ベンチ居宅介護支援事業所", kinds=["43"])
            member = MembershipFactory(office=office, display_name="計測 花子")
            http = HttpClient()
            http.force_login(member.user, backend="django.contrib.auth.backends.ModelBackend")
            session = http.session
            session[SESSION_KEY] = office.pk
            session.save()
            with office_scope(office):
                schedule = make_schedule(make_client(office, care_manager=member))
                schedule.lines.filter(sort_order__gte=args.lines).delete()
                url = reverse("documents:provision_pdf", kwargs={"schedule_id": schedule.pk})
                loaded = sheets.schedule_queryset().get(pk=schedule.pk)
                sheet = sheets.schedule_sheet(loaded, kind="provision", provider_number=HOME_HELP[0])
                html = render_to_string(services.SCHEDULE_TEMPLATE, {"sheets": [sheet], "title": "bench"})

            from portal.documents.models import SheetPDF

            def portal():
                """A first request for this version of the sheet: it is rendered (then stored)."""
                with office_scope(office):
                    SheetPDF.objects.all().delete()
                response = http.get(url, {"provider": HOME_HELP[0]})
                assert response.status_code == 200 and response.content.startswith(b"%PDF"), response.status_code

            def cached():
                """The same version again: served from storage (portal.documents.cache)."""
                response = http.get(url, {"provider": HOME_HELP[0]})
                assert response.status_code == 200 and response.content.startswith(b"%PDF"), response.status_code

            def bare():
                weasyprint.HTML(string=html).write_pdf()

            # the setup is what it claims before anything is timed
            with office_scope(office):
                kept = schedule.lines.count()
                own = schedule.lines.filter(provider_office_number=HOME_HELP[0]).count()
            assert kept == min(args.lines, kept) and own and len(sheet.lines) == own, (kept, own, len(sheet.lines))
            assert len(pypdf_pages(weasyprint.HTML(string=html).write_pdf())) == 2, "the sheet should be 2 pages"
            portal(), bare()  # warm up: fonts, templates, masters
            # Interleave the two so machine load affects both alike.
            portal_times, bare_times = [], []
            for _ in range(args.runs):
                portal_times.append(timed(portal))
                bare_times.append(timed(bare))
            p, b = (statistics.median(t[0] for t in portal_times), statistics.median(t[0] for t in bare_times))
            pc, bc = (statistics.median(t[1] for t in portal_times), statistics.median(t[1] for t in bare_times))
            lines = len(sheet.lines)
            load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
            print(
                f"one サービス提供票 (第6表+第7表, {lines} lines, 2 pages), median of {args.runs} "
                f"(load average {load:.1f} on {os.cpu_count()} CPUs):"
            )
            print("                          wall            CPU of this process")
            print(
                f"  portal (request → PDF): {p * 1000:7.1f} ms      {pc * 1000:7.1f} ms"
                f"   (min wall {min(t[0] for t in portal_times) * 1000:.1f} ms)"
            )
            print(
                f"  bare WeasyPrint:        {b * 1000:7.1f} ms      {bc * 1000:7.1f} ms"
                f"   (min wall {min(t[0] for t in bare_times) * 1000:.1f} ms)"
            )
            print(
                f"  ratio portal / bare:    {p / b:7.2f}×        {pc / bc:7.2f}×     target ≤ 1.20×  "
                f"{'OK' if max(p / b, pc / bc) <= 1.2 else 'OVER'}"
            )
            print(
                f"  portal time:            {p:7.3f} s       {pc:7.3f} s     target ≤ 0.50 s  "
                f"{'OK' if p <= 0.5 else 'OVER (wall; see the load average)' if pc <= 0.5 else 'OVER'}"
            )
            cached()
            cached_times = [timed(cached) for _ in range(args.runs)]
            c, cc = statistics.median(t[0] for t in cached_times), statistics.median(t[1] for t in cached_times)
            print(
                f"  same version again (stored PDF): {c * 1000:7.1f} ms wall {cc * 1000:7.1f} ms CPU, "
                f"{c / p:.2f}× a first request (target ≤ 0.20×)  {'OK' if c / p <= 0.2 else 'OVER'}"
            )

            if args.sizes:
                import resource

                from portal.documents.batch import processes_default

                sizes = sorted(args.sizes)
                with office_scope(office):
                    clients = [schedule.client] + [
                        make_client(
                            office,
                            care_manager=member,
                            insured=f"{7000000000 + i:010d}",
                            kana=("ベンチ", f"タロウ{i:03d}"),
                        )
                        for i in range(max(sizes) - 1)
                    ]
                print(
                    f"batches of サービス提供票 (one provider, 2 pages each; {processes_default()} rendering "
                    f"processes, chunks of {settings.RENKEI_PDF_CHUNK}); target 15 s for 100 = 150 ms per 提供票:"
                )
                for n, month in zip(sizes, (dt.date(2026, 10 - i, 1) for i in range(len(sizes)))):
                    with office_scope(office):
                        for client in clients[:n]:
                            make_schedule(client, month=month)
                        job = services.document_job_create(
                            office=office, user=member.user, month=month, provider_number=HOME_HELP[0]
                        )
                        assert job.total == n, f"the job has {job.total} sheets, not {n}"
                        children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                        elapsed, cpu = timed(lambda job=job: services.document_job_run(job_id=job.pk))
                        children = resource.getrusage(resource.RUSAGE_CHILDREN)
                        job.refresh_from_db()
                        assert job.status == "done" and not job.skipped, (job.error, job.skipped)
                        size = job.file.size
                        job.file.delete(save=False)
                    assert job.page_count == 2 * n, f"{job.page_count} pages for {n} sheets"
                    cpu += (children.ru_utime + children.ru_stime) - (children0.ru_utime + children0.ru_stime)
                    per_sheet = elapsed / n
                    rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, children.ru_maxrss) / 1024
                    print(
                        f"  batch of {n:3d}: {elapsed:6.1f} s wall, {cpu:6.1f} s CPU (all processes), "
                        f"{per_sheet * 1000:5.0f} ms per 提供票, {elapsed / (n * b):.2f}× {n} × bare single sheet, "
                        f"{size / 1e6:.1f} MB, peak RSS {rss:.0f} MB (target ≤ 150 ms per 提供票, ≤ 500 MB) "
                        f"{'OK' if per_sheet <= 0.15 and rss <= 500 else 'OVER'}"
                    )
            raise Rollback
    except Rollback:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
