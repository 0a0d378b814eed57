"""A payer's prior-authorization contact in a clinic's payer pack: fax, portal, PAS endpoint, each with its
source, validated when the pack loads (a bad one refuses the pack, naming the place)."""

from __future__ import annotations

from pathlib import Path

import pytest

from painpath.knowledge import PackError, load_knowledge

CONTACT = {"fax": "(555) 010-0177", "portal_url": "https://portal.payer.example/pa",
           "pas_endpoint": "https://pas.payer.example/fhir", "source": "provider manual, section 3", "evidence": "K", "verified": False}


def test_a_payers_contact_loads_with_the_payer(tmp_path: Path, write_pack, payer) -> None:  # noqa: ANN001
    write_pack("clinic.yaml", [payer(prior_auth=CONTACT)])
    contact = load_knowledge(extra_dirs=[tmp_path]).payer("test_payer").prior_auth
    assert (contact.fax, contact.portal_url, contact.pas_endpoint) == (CONTACT["fax"], CONTACT["portal_url"], CONTACT["pas_endpoint"])


@pytest.mark.parametrize(("changes", "said"), [
    ({"fax": "call us"}, "prior_auth.fax"),
    ({"pas_endpoint": "http://pas.payer.example/fhir"}, "https"),  # plain http only on this machine's loopback
    ({"portal_url": "portal.payer.example"}, "https"),
    ({"fax": None, "portal_url": None, "pas_endpoint": None}, "at least one of"),
    ({"verified": True}, "evidence K"),
    ({"source": ""}, "prior_auth.source"),
])
def test_a_bad_contact_refuses_the_pack(tmp_path: Path, write_pack, payer, changes: dict, said: str) -> None:  # noqa: ANN001
    write_pack("clinic.yaml", [payer(prior_auth={**CONTACT, **changes})])
    with pytest.raises(PackError) as refused:
        load_knowledge(extra_dirs=[tmp_path])
    assert said in str(refused.value)
