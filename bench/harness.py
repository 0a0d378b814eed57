"""Timing helpers for benchmarks: warm up, time N iterations, summarise, print, write JSON.

Every benchmark times the thing under test against a floor measured in the same run (for example the
hand-written SQL that returns the same rows) and reports ratios. Absolute milliseconds depend on the
machine; a ratio against a floor from the same run mostly does not.
"""

from __future__ import annotations

import argparse

import json
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Timing:
    """Wall-clock samples of one operation, in milliseconds, and their summary."""

    name: str
    samples_ms: list[float] = field(repr=False)

    @property
    def n(self) -> int:
        return len(self.samples_ms)

    @property
    def p50(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        return percentile(self.samples_ms, 95)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.samples_ms)

    @property
    def min(self) -> float:
        return min(self.samples_ms)

    @property
    def max(self) -> float:
        return max(self.samples_ms)

    def summary(self) -> dict[str, float | int]:
        return {
            "n": self.n,
            "p50_ms": round(self.p50, 3),
            "p95_ms": round(self.p95, 3),
            "mean_ms": round(self.mean, 3),
            "min_ms": round(self.min, 3),
            "max_ms": round(self.max, 3),
        }


def percentile(samples: list[float], pct: int) -> float:
    """The pct-th percentile (1..99), interpolated between the two nearest samples."""
    if not samples:
        raise ValueError("no samples")
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[pct - 1]


def measure(name: str, fn: Callable[[], object], *, iterations: int, warmup: int = 10) -> Timing:
    """Call fn `warmup` times untimed, then `iterations` times timed."""
    return compare({name: fn}, iterations=iterations, warmup=warmup)[name]


def compare(fns: Mapping[str, Callable[[], object]], *, iterations: int, warmup: int = 10) -> dict[str, Timing]:
    """Time several operations round-robin, so drift (caches, autovacuum, a busy neighbour) hits all alike.

    Each round runs every operation once, rotating which goes first.
    """
    if iterations < 1:
        raise ValueError("iterations must be >= 1")
    names = list(fns)
    for _ in range(warmup):
        for name in names:
            fns[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    for i in range(iterations):
        shift = i % len(names)
        for name in names[shift:] + names[:shift]:
            fn = fns[name]
            start = time.perf_counter_ns()
            fn()
            samples[name].append((time.perf_counter_ns() - start) / 1e6)
    return {name: Timing(name, samples[name]) for name in names}


def ratio(numerator: float, denominator: float) -> float:
    return round(numerator / denominator, 3) if denominator > 0 else float("inf")


def print_table(timings: Mapping[str, Timing], *, floor: str, title: str | None = None) -> None:
    """A readable table: p50, p95, mean and each row's p50/p95 ratio to the floor row."""
    base = timings[floor]
    width = max(len(name) for name in timings) + 2
    if title:
        print(f"\n{title}")
    header = f"{'':<{width}}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'mean ms':>10}{'x p50':>8}{'x p95':>8}"
    print(header)
    print("-" * len(header))
    for name, t in timings.items():
        print(
            f"{name:<{width}}{t.n:>6}{t.p50:>10.2f}{t.p95:>10.2f}{t.mean:>10.2f}"
            f"{ratio(t.p50, base.p50):>8.2f}{ratio(t.p95, base.p95):>8.2f}"
        )
    print(f"(x = ratio to {floor!r}, measured in the same run)")


def timestamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def write_result(name: str, result: Mapping[str, Any], *, results_dir: Path | None = None) -> Path:
    """Write result as JSON to <results_dir>/<name>-<timestamp>.json (default bench/results/)."""
    directory = Path(results_dir) if results_dir is not None else RESULTS_DIR
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}-{timestamp()}.json"
    # Two runs in the same second must not overwrite each other.
    suffix = 1
    while path.exists():
        path = directory / f"{name}-{timestamp()}-{suffix}.json"
        suffix += 1
    path.write_text(json.dumps(_jsonable(result), indent=2, sort_keys=False) + "\n")
    return path


def _jsonable(value: Any) -> Any:
    if isinstance(value, Timing):
        return value.summary()
    if hasattr(value, "__dataclass_fields__"):
        return _jsonable(asdict(value))
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value


def dataset_arguments(description: str, *, admin_url: str, seed: int = 19, argv: list[str] | None = None) -> argparse.Namespace:
    """The options the seeded-clinic benches share (size, repetitions, seed, database, where results go);
    `--small` is the smoke test's size: 200 episodes, one iteration, no warmup."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=20_000)
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--seed", type=int, default=seed)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--admin-url", default=admin_url)
    parser.add_argument("--small", action="store_true", help="200 episodes, 1 iteration, no warmup: the smoke test's size")
    parser.add_argument("--results-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.small:
        args.episodes, args.iterations, args.warmup = 200, 1, 0
    return args

