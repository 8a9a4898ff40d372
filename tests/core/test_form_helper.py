"""The helper that posts what a page renders (tests/forms.py) reads forms as a browser does."""

import pytest

from tests.forms import find_form, form_data, parse_forms

PAGE = """
<form method="get" action="/search"><input name="q"><button>検索</button></form>
<form method="post" action="/save" id="main">
  <input type="hidden" name="csrfmiddlewaretoken" value="tok">
  <input name="name" value="山田">
  <input type="checkbox" name="active" checked>
  <input type="checkbox" name="pick" value="1" checked><input type="checkbox" name="pick" value="2">
  <input type="radio" name="sex" value="1"><input type="radio" name="sex" value="2" checked>
  <select name="level"><option value="">---</option><option value="21" selected>要介護1</option></select>
  <select name="kind"><option value="11">訪問介護</option><option value="15">通所介護</option></select>
  <textarea name="note">
メモ</textarea>
  <input name="off" value="x" disabled>
  <input type="button" name="js" value="JS">
  <button type="submit" name="action" value="draft">下書き保存</button>
  <button type="submit" name="action" value="save">保存する</button>
  <button type="submit" name="gone" value="1" disabled>削除</button>
</form>
<input name="outside" value="o" form="main">
"""


def test_defaults_are_what_a_browser_sends():
    form = find_form(parse_forms(PAGE), button="保存する")
    data = form_data(form, button="保存する")
    assert data == {
        "csrfmiddlewaretoken": "tok",
        "name": "山田",
        "active": "on",
        "pick": "1",
        "sex": "2",
        "level": "21",
        "kind": "11",
        "note": "メモ",
        "outside": "o",
        "action": "save",
    }


def test_typing_ticking_and_choosing():
    form = find_form(parse_forms(PAGE), form="main")
    data = form_data(form, {"name": "佐藤", "active": False, "pick": ["1", "2"], "kind": "通所介護", "sex": "1"})
    assert data["name"] == "佐藤" and "active" not in data and data["pick"] == ["1", "2"]
    assert data["kind"] == "15" and data["sex"] == "1"
    assert data["action"] == "draft"  # Enter presses the first submit button


@pytest.mark.parametrize(
    "values,button,message",
    [
        ({"is_active": "on"}, None, "renders no field"),
        ({"kind": "99"}, None, "offers no option"),
        ({}, "削除", "disabled"),
        ({}, "送信", "no button"),
    ],
)
def test_what_the_page_does_not_offer_fails(values, button, message):
    form = find_form(parse_forms(PAGE), form="main")
    with pytest.raises(AssertionError, match=message):
        form_data(form, values, button=button)
