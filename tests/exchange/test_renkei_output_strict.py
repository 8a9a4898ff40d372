"""What Renkei writes never changes under the tolerant reader: every file the demo offices would send
(利用票 units of the month, 計画書 units of every plan, 実績 units) passes the strict validator with
no finding at all, including the cross-file rules and the service code master."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from linkage.exchange import services
from linkage.exchange.importer import service_codes_known
from linkage.standard import validate_files
from portal.careplans.models import CarePlan
from portal.offices.models import Office
from portal.offices.tenancy import office_scope, scopes_disabled

pytestmark = pytest.mark.django_db


def test_every_file_renkei_writes_is_strictly_clean():
    call_command("load_demo", stdout=open("/dev/null", "w"))
    month = timezone.localdate().replace(day=1)
    sequence = dt.datetime(2026, 11, 30, 9, 0, 0)
    written = []
    with scopes_disabled():
        offices = list(Office.objects.all())
    for office in offices:
        with office_scope(office):
            units = []
            if office.is_care_management:
                units += services.month_send_plan(office=office, month=month)
                for plan in CarePlan.objects.filter(client__office=office):
                    units += services.plan_send_plan(office=office, plan=plan)
            for unit in units:
                if unit.clients:
                    built = unit.build(sequence, unit.clients)
                    written.append(built.files)
    assert len(written) >= 8
    kinds = {name.split("_")[0] for files in written for name, _ in files}
    assert {"UPPLAN", "UPSIKYU", "UPHOSOKU", "UP1KYO", "UP2KYO", "UP3KYO"} <= kinds
    for files in written:
        findings = validate_files(files, service_codes=service_codes_known)
        assert findings == [], [str(f) for f in findings]
