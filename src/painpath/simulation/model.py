"""The simulated clinic: SimPy processes that write facts through the real services and work the real worklist.

Contract (kept by the report and the CLI): `run_replication` runs one replication of a scenario from its
seed in a throwaway database and returns its `ReplicationResult`; `run_scenario` runs the replications
(seed, seed+1, ...) and returns the `ScenarioResult`. The same scenario, weeks and seed give the same result.
"""

from __future__ import annotations

from painpath.simulation.results import ReplicationResult, ScenarioResult
from painpath.simulation.scenario import Scenario


def run_replication(scenario: Scenario, *, weeks: int, seed: int) -> ReplicationResult:
    """One replication: a fresh throwaway database, the scenario's clinic for `weeks` weeks, its measures."""
    raise NotImplementedError("simulation model: being built (issue 20)")


def run_scenario(scenario: Scenario, *, weeks: int, replications: int, seed: int, processes: int = 1) -> ScenarioResult:
    """`replications` replications seeded seed, seed+1, ...; `processes` > 1 runs them in parallel processes."""
    raise NotImplementedError("simulation model: being built (issue 20)")
