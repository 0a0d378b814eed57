"""Which of this slice's ids reach a chart, for the chart-access policy (core/auth/chart_access.py): each
sub-slice registers its own collections (opioids/access.py, trials/access.py, tapers/access.py, other/access.py)."""

from painpath.medications.opioids import access as opioid_access  # noqa: F401
from painpath.medications.other import access as other_access  # noqa: F401
from painpath.medications.tapers import access as taper_access  # noqa: F401
from painpath.medications.trials import access as trial_access  # noqa: F401
