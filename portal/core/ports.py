"""Ports: what a portal app needs from an app above it, declared by the app that needs it.

The portal apps sit below ``linkage.exchange`` and do not import it (issue 15). When one of them needs
something only the exchange knows (the 実績 it received, the send gate, …), it declares a small typed
port in its own ``ports.py``::

    class ReceivedActuals(Protocol):
        def month_differences(self, office, month, client_ids) -> list[dict]: ...

    received_actuals: Port[ReceivedActuals] = Port("claims.received_actuals")

and calls ``received_actuals.get().month_differences(...)``. The app that knows the answer provides an
implementation in its ``AppConfig.ready`` (``linkage/exchange/ports.py``). Asking a port nobody provided
raises :class:`PortNotProvided` naming the port, unless the port was declared with a ``default``
(the answer the needing app gives on its own, e.g. "did not exchange data" when the exchange is absent).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

T = TypeVar("T")


class PortNotProvided(LookupError):
    """A port was asked before any installed app provided it."""


class Port(Generic[T]):
    """One need of one app, provided by (at most) one other app."""

    def __init__(self, name: str, *, default: T | None = None) -> None:
        self.name = name
        self._default = default
        self._provided: T | None = None

    def provide(self, implementation: T) -> None:
        """Called from the providing app's ``AppConfig.ready`` (again on re-ready: the last one wins)."""
        self._provided = implementation

    @property
    def is_provided(self) -> bool:
        return self._provided is not None

    def get(self) -> T:
        if self._provided is not None:
            return self._provided
        if self._default is not None:
            return self._default
        raise PortNotProvided(
            f"No installed app provides the port {self.name!r} "
            "(it is provided in an AppConfig.ready, e.g. linkage.exchange's)."
        )

    @contextmanager
    def override(self, implementation: T | None) -> Iterator[None]:
        """Tests: answer with ``implementation`` (None: as if nobody provided the port) inside the block."""
        before, self._provided = self._provided, implementation
        try:
            yield
        finally:
            self._provided = before

    def __repr__(self) -> str:
        return f"<Port {self.name} {'provided' if self.is_provided else 'not provided'}>"
