"""Invoice numbers under concurrent issue, against PostgreSQL: no gaps, no duplicates."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from portal.billing import services
from portal.billing.models import Invoice, InvoiceNumberSequence
from portal.offices.tenancy import office_scope, scopes_disabled
from tests.factories import OfficeFactory

ISSUED_ON = dt.date(2026, 1, 10)


def run_together(jobs):
    """Start every job at the same moment in its own thread (own DB connection); return results/errors."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def worker(i, job):
        try:
            barrier.wait(timeout=30)
            results[i] = job()
        except Exception as exc:  # noqa: BLE001 — reported to the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def issue(office, licence):
    def job():
        with office_scope(office):
            return services.invoice_issue(licence=licence, issued_on=ISSUED_ON, send_email=False).number

    return job


@pytest.mark.django_db(transaction=True)
def test_concurrent_issue_gives_gapless_unique_numbers():
    offices = [OfficeFactory() for _ in range(12)]
    licences = []
    for office in offices:
        with office_scope(office):
            licences.append(services.licence_apply(office=office, start=dt.date(2026, 1, 1)))
    results = run_together([issue(o, lic) for o, lic in zip(offices, licences)])
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    assert sorted(results) == [f"RK-2026-{n:06d}" for n in range(1, 13)]
    with scopes_disabled():
        assert Invoice.objects.count() == 12
        assert sorted(Invoice.objects.values_list("sequence", flat=True)) == list(range(1, 13))
    assert InvoiceNumberSequence.objects.get(series="RK-2026").last_value == 12


@pytest.mark.django_db(transaction=True)
def test_two_operators_issuing_the_same_licence_at_once_get_one_invoice():
    office = OfficeFactory()
    with office_scope(office):
        licence = services.licence_apply(office=office, start=dt.date(2026, 1, 1))
    results = run_together([issue(office, licence) for _ in range(4)])
    numbers = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert numbers == ["RK-2026-000001"]
    assert len(refused) == 3 and all("すでに請求書 RK-2026-000001 が発行されています" in str(e) for e in refused)


@pytest.mark.django_db(transaction=True)
def test_an_issue_that_rolls_back_leaves_no_gap():
    office = OfficeFactory()
    with office_scope(office):
        first = services.licence_apply(office=office, start=dt.date(2025, 1, 1))
        second = services.licence_apply(office=office, start=dt.date(2026, 1, 1))
        with pytest.raises(RuntimeError), transaction.atomic():
            services.invoice_issue(licence=first, issued_on=ISSUED_ON, send_email=False)
            raise RuntimeError("e.g. the request failed after the number was taken")
        numbers = [
            services.invoice_issue(licence=lic, issued_on=ISSUED_ON, send_email=False).number for lic in (first, second)
        ]
    assert numbers == ["RK-2026-000001", "RK-2026-000002"]
