from __future__ import annotations

import datetime as dt

from django.utils import timezone

from portal.offices.tenancy import office_scope
from tests.claims.conftest import make_client, make_month


def test_the_dashboard_shows_the_deadline_of_last_months_close(owner_client, office, owner):
    today = timezone.localdate()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    with office_scope(office):
        make_month(make_client(office, care_manager=owner), month=last_month)
    page = owner_client.get("/dashboard/").content.decode()
    assert "月次の締め" in page and "実績確定 0/1人" in page and "給付管理票のファイル 未作成" in page
    assert "提出期限" in page
