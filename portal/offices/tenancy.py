"""The one tenancy mechanism: django-scopes with the dimension ``office``.

Every office-owned model declares ``objects = office_scoped("office")`` (or a
path such as ``"plan__office"`` for rows that belong to an office through a
parent). A query on such a model outside ``scope(office=...)`` raises
``ScopeError`` instead of leaking another office's rows.

Where scopes are entered:
- ``OfficeScopeMiddleware`` runs each request inside ``scope(office=request.office)``;
- Celery tasks take primary keys and call ``office_scope(office_id)``;
- operator tools (Django admin) run with scopes disabled explicitly, nowhere else.

``Office`` (the tenant itself) and ``Membership`` (who belongs to which
tenant) are the mechanism's own tables and are not scoped.
"""

from __future__ import annotations

from contextlib import contextmanager

from django_scopes import ScopedManager, scope, scopes_disabled

__all__ = ["office_scoped", "office_scope", "scope", "scopes_disabled"]


def office_scoped(path: str = "office", manager_class=None):
    """A manager that filters by the active office and refuses to run without one."""
    if manager_class is None:
        return ScopedManager(office=path)
    return ScopedManager(_manager_class=manager_class, office=path)


@contextmanager
def office_scope(office):
    """Enter the scope of one office (an ``Office`` or its primary key). Never ``None``."""
    if office is None:
        raise ValueError("office_scope needs an office")
    with scope(office=office):
        yield
