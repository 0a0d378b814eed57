"""The referral an accepted offer leads to: the referrals slice's form, prefilled with the specialty, the reason
(the score, its date, the cut-off and its public source) and the question. Only a link: the referral is written
and tracked by the referrals slice."""

from __future__ import annotations

from urllib.parse import urlencode

from painpath.charting.behavioural import rules, service
from painpath.charting.behavioural.models import BehaviouralOfferRow


def referral_link(knowledge, row: BehaviouralOfferRow) -> str | None:  # noqa: ANN001
    """The referral form, prefilled, for an accepted offer that leads to a referral; None otherwise."""
    pack = knowledge.behavioural_health
    offer = pack.offer(row.offer)
    threshold = pack.threshold(row.instrument_id)
    if row.answer != "accepted" or offer is None or offer.referral_specialty is None or threshold is None:
        return None
    reason = (f"{service.score_name(knowledge, threshold)} {rules.score_words(row.score_total)} on {row.score_on:%d %b %Y} is "
              f"{threshold.words()} ({threshold.meaning}; {threshold.cite}). The patient accepted {offer.words} on {row.offered_on:%d %b %Y}.")
    query = {"specialty": offer.referral_specialty, "reason": reason, "urgency": "routine",
             "question": "Assessment and psychologically informed pain management (for example a CBT-based programme)"}
    return f"/episodes/{row.episode_id}/referrals/new?{urlencode(query)}"
