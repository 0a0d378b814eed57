"""The medications slice's tables live in its sub-slices; importing this registers them all (as charting's do).

trials/models.py: medication history (one drug at one dose over a span of days) and planned trials;
opioids/models.py: prescriptions and opioid-safety facts; tapers/models.py: opioid tapers and their steps;
other/models.py: drugs outside the packs (other medications).
"""

from painpath.medications.opioids import models as opioid_models  # noqa: F401
from painpath.medications.other import models as other_models  # noqa: F401
from painpath.medications.tapers import models as taper_models  # noqa: F401
from painpath.medications.trials import models as trial_models  # noqa: F401
