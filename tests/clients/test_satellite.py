"""サテライト枝番 of a service the 利用者 uses: entered in the services table of the 利用者 form."""

import pytest
from django.urls import reverse

from portal.clients.models import ClientService
from portal.offices.tenancy import office_scope
from tests.clients.test_register import make_client
from tests.forms import read_form, submit

pytestmark = pytest.mark.django_db


def test_satellite_branch_is_entered_with_the_service(owner_client, office):
    client = make_client(office)
    with office_scope(office):
        ClientService.objects.create(
            client=client, provider_office_number="1370000011", provider_name="ひまわり", service_type_code="11"
        )
    url = reverse("clients:edit", kwargs={"client_id": client.pk})
    form = read_form(owner_client, url, button="保存する")
    assert form.value("svc-0-satellite_branch") == ""
    response = submit(owner_client, url, {"svc-0-satellite_branch": "2"}, button="保存する")
    assert response.status_code == 302
    with office_scope(office):
        assert ClientService.objects.get(client=client).satellite_branch == "2"
    page = submit(owner_client, url, {"svc-0-satellite_branch": "２２２"}, button="保存する").content.decode()
    assert "サテライト枝番は半角英数字2文字以内で入力してください" in page or "2 文字以下" in page
    with office_scope(office):
        assert ClientService.objects.get(client=client).satellite_branch == "2"
