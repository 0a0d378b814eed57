"""The words that episode facts and knowledge packs share: spine regions, sides, conservative-care kinds
and imaging modalities.

They live here, at the knowledge layer, because the packs validate against them
(`schemas/authorization_policies.py`) and the episode facts (`painpath.facts.vocabulary`, a layer above)
are typed with them: one list of words for both, and nothing here imports anything.
"""

from __future__ import annotations

from typing import Literal

# Spine regions as payers count them for frequency limits ("per region": cervical/thoracic vs
# lumbar/sacral, research/prior-auth.md "Counting conventions"), plus the joints we inject.
Region = Literal["cervical", "thoracic", "lumbar", "sacral", "sacroiliac", "knee", "hip", "shoulder", "other"]
Side = Literal["left", "right", "bilateral", "none"]

# Conservative-care components a payer may name ("PT, home exercise program, medications").
CareKind = Literal[
    "physical_therapy", "home_exercise", "medication", "chiropractic", "activity_modification", "bracing",
    "weight_loss", "injection", "behavioral_therapy", "other",
]

Modality = Literal["mri", "ct", "xray", "emg_ncs", "ultrasound", "mri_arthrogram", "other"]
