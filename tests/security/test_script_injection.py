"""Item 3: no script injection — no inline event handlers or inline scripts; a strict CSP on every page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

TEMPLATES = Path(settings.BASE_DIR) / "templates"
HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)


def _templates():
    return sorted(p for p in TEMPLATES.rglob("*.html"))


def test_no_template_has_an_inline_event_handler():
    found = [
        f"{p.relative_to(TEMPLATES)}: {m.group(0).strip()}"
        for p in _templates()
        for m in HANDLER.finditer(p.read_text(encoding="utf-8"))
    ]
    assert not found, "inline event handlers (use data-confirm / data-* and static JS): " + ", ".join(found)


def test_no_template_has_an_inline_script():
    found = [str(p.relative_to(TEMPLATES)) for p in _templates() if INLINE_SCRIPT.search(p.read_text(encoding="utf-8"))]
    assert not found, f"inline <script> blocks (move them to static/js): {found}"


def _csp(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/offices/staff/", "/operator/admin/login/"])
def test_every_page_sends_a_strict_csp(url, owner_client):
    policy = _csp(owner_client.get(url))
    assert policy["script-src"] == "script-src 'self'"
    assert policy["object-src"] == "object-src 'none'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert "unsafe-eval" not in " ".join(policy.values())


def test_a_member_named_like_a_script_is_only_text_in_the_confirmation(office, owner, owner_client):
    """The name sits (escaped) in a data-confirm attribute read by static JS, never in an onsubmit handler."""
    from tests.factories import MembershipFactory

    MembershipFactory(office=office, display_name="'+alert(document.domain)+'")
    page = owner_client.get(reverse("offices:staff")).content.decode()
    assert not HANDLER.search(page)
    assert 'data-confirm="&#x27;+alert(document.domain)+&#x27;をこの事業所から外しますか？"' in page
