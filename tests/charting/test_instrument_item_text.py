"""Every shipped instrument's form shows each item's text; where the pack records that the licence forbids
reproducing the wording (item_text: paraphrased), the form says so, and only there."""

from __future__ import annotations

from html import escape


def test_every_instrument_form_shows_its_items_and_says_when_the_wording_is_not_reproduced(client_for, ctx, patient_payload, episode_payload):
    nurse = client_for("coordinator")
    patient_id = nurse.post("/api/patients", json=patient_payload).json()["id"]
    episode_id = nurse.post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()["id"]
    instruments = ctx.knowledge.instruments
    assert {i.license.item_text for i in instruments.values()} == {"verbatim", "paraphrased"}
    for instrument in instruments.values():
        page = nurse.get(f"/episodes/{episode_id}/instruments/{instrument.id}")
        assert page.status_code == 200, instrument.id
        for item in instrument.items:
            assert escape(item.text, quote=True) in page.text, (instrument.id, item.id)
        paraphrased = 'id="qform-paraphrased"' in page.text
        assert paraphrased == (instrument.license.item_text == "paraphrased"), instrument.id
