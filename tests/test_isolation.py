"""Walk the URLconf: every office-scoped URL answers 404 to a member of another office."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from portal.offices.tenancy import office_scope
from tests.isolation_objects import EXEMPT, MAKERS

SKIP_NAMESPACES = {"admin"}


def _walk(patterns, namespace=None, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            if ns in SKIP_NAMESPACES or "allauth" in str(p.urlconf_name):
                continue
            full_ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else ns
            yield from _walk(p.url_patterns, full_ns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern) and p.name:
            name = f"{namespace}:{p.name}" if namespace else p.name
            yield name, p


def object_urls():
    found = []
    for name, pattern in _walk(get_resolver().url_patterns):
        kwargs = list(pattern.pattern.converters)
        if kwargs and name not in EXEMPT:
            found.append((name, tuple(kwargs)))
    return sorted(set(found))


def test_every_url_kwarg_has_a_maker():
    missing = {(name, kw) for name, kwargs in object_urls() for kw in kwargs if kw not in MAKERS}
    assert not missing, f"register makers in tests/isolation_objects.py for: {sorted(missing)}"


@pytest.mark.parametrize("name,kwargs", object_urls(), ids=[n for n, _ in object_urls()])
def test_other_office_gets_404(name, kwargs, office, owner, owner_client, outsider_client):
    with office_scope(office):
        values = {kw: MAKERS[kw](office, owner) for kw in kwargs}
    url = reverse(name, kwargs=values)

    def ask(client):
        response = client.get(url)
        if response.status_code == 405:
            response = client.post(url, {})
        return response.status_code

    assert ask(outsider_client) == 404, f"{name} ({url}) must answer 404 to another office"
    assert ask(owner_client) != 404, f"{name} ({url}) must exist for its own office"
