"""The collector tuning every painpath process applies after start-up (core/runtime.py)."""

from __future__ import annotations

import gc

from painpath.core.runtime import GC_THRESHOLDS, settle_after_start_up


def test_settling_freezes_start_up_objects_and_raises_the_thresholds() -> None:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    gc.unfreeze()
    try:
        settle_after_start_up()
        assert gc.get_threshold() == GC_THRESHOLDS
        assert gc.get_freeze_count() > 10_000  # the modules and objects loaded so far
    finally:
        gc.set_threshold(*before)

