"""Ports (``portal/core/ports.py``): what a portal app needs of the exchange, declared in its own
``ports.py`` and provided by ``linkage.exchange`` when the apps are ready."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import get_args

import pytest

from portal.core.ports import Port, PortNotProvided

ROOT = Path(__file__).resolve().parents[2]


def declared_ports() -> list[tuple[str, Port]]:
    found = []
    for path in sorted((ROOT / "portal").glob("*/ports.py")):
        module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
        found += [(f"{module.__name__}.{name}", port) for name, port in vars(module).items() if isinstance(port, Port)]
    return found


def _protocol_of(module_name: str, attribute: str):
    module = importlib.import_module(module_name)
    (protocol,) = get_args(inspect.get_annotations(module, eval_str=True)[attribute])
    return protocol


def test_the_apps_that_need_the_exchange_declare_ports():
    names = {name for name, _ in declared_ports()}
    assert {
        "portal.billing.ports.exchange_use",
        "portal.claims.ports.received_actuals",
        "portal.documents.ports.received_schedules",
        "portal.exports.ports.exchange_export",
        "portal.paperlinks.ports.send_gate",
        "portal.paperlinks.ports.actual_import",
        "portal.partners.ports.exchange_labels",
        "portal.offices.ports.certificates",
        "portal.casework.ports.package_events",
    } <= names


@pytest.mark.parametrize("name,port", declared_ports(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_port_is_provided_with_every_method_of_its_protocol(name, port):
    assert port.is_provided, f"{name} is not provided by any installed app"
    module_name, attribute = name.rsplit(".", 1)
    protocol = _protocol_of(module_name, attribute)
    methods = {m for m, v in vars(protocol).items() if callable(v) and not m.startswith("_")}
    assert methods, protocol
    implementation = port.get()
    for method in methods:
        wanted = [p for p in inspect.signature(getattr(protocol, method)).parameters if p != "self"]
        got = list(inspect.signature(getattr(implementation, method)).parameters)
        assert got == wanted, f"{name}.{method}: {got} != {wanted}"


def test_a_port_nobody_provides_says_so_and_a_default_answers_otherwise():
    port: Port[str] = Port("tests.nobody")
    with pytest.raises(PortNotProvided, match="tests.nobody"):
        port.get()
    with port.override("given"):
        assert port.get() == "given"
    with pytest.raises(PortNotProvided):
        port.get()
    assert Port("tests.default", default="own answer").get() == "own answer"
