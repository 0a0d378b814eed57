"""PDMP (prescription drug monitoring program) queries as plugins.

`ManualAttestationPdmp` is the only one shipped: the clinician checked the state PDMP in its own portal
and records that it was done and what it showed. Real state gateways (e.g. through an HIE) register
themselves later with `register_pdmp` and answer the same `query`.
"""

from painpath.interop.pdmp.base import FINDING_FLAGS, PdmpClinician, PdmpError, PdmpPatient, PdmpPlugin, PdmpResult
from painpath.interop.pdmp.manual import Attestation, ManualAttestationPdmp
from painpath.interop.pdmp.registry import PDMP_PLUGIN_NAMES, pdmp_for, register_pdmp

__all__ = [
    "Attestation",
    "FINDING_FLAGS",
    "ManualAttestationPdmp",
    "PDMP_PLUGIN_NAMES",
    "PdmpClinician",
    "PdmpError",
    "PdmpPatient",
    "PdmpPlugin",
    "PdmpResult",
    "pdmp_for",
    "register_pdmp",
]
