"""The medications slice's obligation providers register here on import (painpath.slices finds this module).

Each provider lives in its own module; importing it registers it with the worklist engine.
"""

from painpath.medications import safety_obligations  # noqa: F401  opioid safety (agreement, PDMP, drug tests, naloxone, follow-up)
from painpath.medications import plan_obligations  # noqa: F401,E402  planned trials (titration, checks, evaluation) and opioid tapers
