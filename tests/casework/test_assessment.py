"""アセスメント on the 23 課題分析標準項目: versions, a new one starts from the previous one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.casework.models import Assessment
from portal.offices.tenancy import office_scope
from tests.forms import read_form, submit
from tests.isolation_objects import _documents_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_obj(office):
    with office_scope(office):
        return _documents_client(office)


def _assessments(office):
    with office_scope(office):
        return list(Assessment.objects.order_by("pk"))


def test_the_23_items_then_a_new_version_starts_from_the_previous(owner_client, office, client_obj):
    url = reverse("casework:assessment_create", kwargs={"client_id": client_obj.pk})
    page = owner_client.get(url).content.decode()
    for label in ("1. 基本情報（受付、利用者等基本情報）", "9. 今回のアセスメントの理由", "18. 口腔内の状況",
                  "23. その他留意すべき事項・状況"):
        assert label in page
    assert submit(owner_client, url, {"item_9": "初回", "item_18": "上の義歯が合わない。", "problems": "入浴が不安。"},
                  button="保存する").status_code == 302
    form = read_form(owner_client, url, form="assessment-form").form
    values = {c.name: (c.value or c.text) for c in form.controls}
    assert values["item_18"].strip() == "上の義歯が合わない。"
    assert submit(owner_client, url, {"item_9": "区分変更", "assessed_on": "R8.11.1"}, button="保存する").status_code == 302
    first, second = _assessments(office)
    assert second.previous_id == first.pk
    assert second.items["18"] == "上の義歯が合わない。" and second.items["9"] == "区分変更"
    detail = owner_client.get(reverse("casework:assessment_detail", kwargs={"assessment_id": second.pk}))
    assert "上の義歯が合わない。" in detail.content.decode()


def test_the_reason_is_required_and_nothing_is_lost(owner_client, office, client_obj):
    url = reverse("casework:assessment_create", kwargs={"client_id": client_obj.pk})
    response = submit(owner_client, url, {"item_11": "伝い歩き。"}, button="保存する")
    assert response.status_code == 422
    html = response.content.decode()
    assert "9. 今回のアセスメントの理由を入力してください" in html and "伝い歩き。" in html
    assert _assessments(office) == []
