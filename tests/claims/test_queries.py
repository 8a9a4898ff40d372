"""The close page and the checks before the file use a constant number of queries (3 or 30 利用者)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.claims import services
from portal.offices.tenancy import office_scope
from tests.claims.conftest import DAY_CARE, OCT, days, make_client, make_month, received

CLOSE = "/claims/?month=2026-10"


def _clients(office, owner, start, count):
    with office_scope(office):
        for n in range(start, start + count):
            client = make_client(office, care_manager=owner, insured=f"{1000000000 + n:010d}")
            make_month(client, day_actual=days(2, 7, 9, 14, 16, 21, 23, 28))
            received(office, client)
            received(office, client, provider=DAY_CARE[0], kind="15")
            if n % 2:
                services.confirmation_create(office=office, client=client, month=OCT, membership=owner, base_version=0)


def _count(func):
    with CaptureQueriesContext(connection) as queries:
        func()
    return len(queries), [q["sql"][:160] for q in queries.captured_queries]


def test_the_close_page_and_the_checks_do_not_query_per_client(owner_client, office, owner, care_manager):
    _clients(office, owner, 0, 3)
    owner_client.get(CLOSE)  # warm the per-process caches (masters, session)
    few_page, _ = _count(lambda: owner_client.get(CLOSE))
    with office_scope(office):
        few_check, _ = _count(lambda: services.benefit_file_check(office, OCT))
    _clients(office, owner, 3, 27)
    page = owner_client.get(CLOSE).content.decode()
    assert page.count('data-testid="close-row"') == 30
    many_page, sqls = _count(lambda: owner_client.get(CLOSE))
    assert many_page == few_page, "\n".join(sqls)
    with office_scope(office):
        many_check, sqls = _count(lambda: services.benefit_file_check(office, OCT))
    assert many_check == few_check, "\n".join(sqls)
