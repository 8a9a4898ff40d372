"""Errors are tied to their fields (issue 21, item 2): after a failed submit the page shows an error
summary linking to each invalid field; each invalid field has aria-invalid and an aria-describedby whose
ids exist on the page; field errors are not announced as one alert each; page-load messages are one
status region around a real list."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.clients.test_register import register
from tests.forms import submit

pytestmark = pytest.mark.django_db


class _Page(HTMLParser):
    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.elements = []  # (tag, attrs)
        self.summary_links = []
        self._in_summary = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs))
        if "data-error-summary" in attrs:
            self._in_summary = 1
        elif self._in_summary and tag == "a":
            self.summary_links.append(attrs.get("href", ""))

    def handle_endtag(self, tag):
        if self._in_summary and tag == "div":
            self._in_summary = 0

    @property
    def ids(self):
        return {a["id"] for _, a in self.elements if a.get("id")}

    def with_attr(self, name):
        return [(t, a) for t, a in self.elements if name in a]


def assert_errors_tied_to_fields(html, expected_invalid):
    page = _Page(html)
    invalid = {a.get("name") for _, a in page.with_attr("aria-invalid")}
    assert expected_invalid <= invalid, invalid
    for _, attrs in page.with_attr("aria-describedby"):
        for ref in attrs["aria-describedby"].split():
            assert ref in page.ids, f"{attrs.get('name')} is described by missing #{ref}"
    for _, attrs in page.with_attr("aria-invalid"):
        assert any(r.endswith("_error") for r in attrs.get("aria-describedby", "").split()), attrs.get("name")
    # The summary links to every invalid field, and each link lands on a field.
    assert page.summary_links, "no error summary"
    targets = {href[1:] for href in page.summary_links}
    assert targets <= page.ids
    assert {a["id"] for _, a in page.with_attr("aria-invalid")} <= targets
    # The summary is the one thing announced; field errors are not separate alerts.
    assert 'class="error" role="alert"' not in html
    return page


def test_client_form_errors_link_to_their_fields(owner_client, office):
    response = register(
        owner_client,
        **{"client-postal_code": "16-0023", "client-insured_number": "", "svc-0-provider_office_number": "137000001"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert_errors_tied_to_fields(html, {"client-postal_code", "client-insured_number", "svc-0-provider_office_number"})
    assert "1行目の" in html  # the services row error says which row


def test_shared_form_layout_ties_errors_and_help(owner_client):
    response = submit(
        owner_client, reverse("offices:staff_invite"), {"email": "not-an-address"}, button="招待メールを送る"
    )
    assert response.status_code == 200
    assert_errors_tied_to_fields(response.content.decode(), {"email"})


def test_services_rows_have_labels(owner_client):
    page = _Page(owner_client.get(reverse("clients:create")).content.decode())
    labelled = {a.get("for") for t, a in page.elements if t == "label"}
    row_fields = [
        a["id"]
        for t, a in page.elements
        if t in ("input", "select") and a.get("type") != "hidden" and a.get("id", "").startswith("id_svc-0-")
    ]
    assert row_fields
    assert set(row_fields) <= labelled


def test_messages_are_one_status_around_a_list(owner_client):
    response = submit(
        owner_client,
        reverse("offices:staff_invite"),
        {"email": "new.staff@example.jp"},
        button="招待メールを送る",
        follow=True,
    )
    html = response.content.decode()
    assert '<div role="status" data-testid="messages">' in html
    assert '<ul class="messages">' in html
