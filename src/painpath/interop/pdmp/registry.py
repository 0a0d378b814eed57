"""PDMP plugins by name. A clinic's gateway registers itself with `register_pdmp`.

A factory gets the clinician's attestation (None when the check is not manual) and returns the plugin;
a gateway ignores the attestation and asks the state's PDMP itself.
"""

from __future__ import annotations

from collections.abc import Callable

from painpath.interop.pdmp.base import PdmpError, PdmpPlugin
from painpath.interop.pdmp.manual import Attestation, ManualAttestationPdmp


def _manual(attestation: Attestation | None) -> PdmpPlugin:
    if attestation is None:
        raise PdmpError("A manual PDMP check needs the clinician's attestation: when, which state, what it showed")
    return ManualAttestationPdmp(attestation)


_factories: dict[str, Callable[[Attestation | None], PdmpPlugin]] = {"manual_attestation": _manual}
PDMP_PLUGIN_NAMES = ("manual_attestation",)


def register_pdmp(name: str, factory: Callable[[Attestation | None], PdmpPlugin]) -> None:
    _factories[name] = factory


def pdmp_for(name: str, attestation: Attestation | None = None) -> PdmpPlugin:
    factory = _factories.get(name)
    if factory is None:
        raise PdmpError(f"No PDMP plugin called {name!r}; use one of {', '.join(sorted(_factories))}")
    return factory(attestation)
