"""The command line as an operator runs it: a real subprocess with environment settings."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from painpath.context import build_context
from painpath.core.config import Settings
from painpath.knowledge import PackError

BAD_PACK = """\
pack: {id: clinic.payers, kind: payers, version: 1, effective_date: 2026-01-01, last_verified: 2026-11-01}
payers:
  - id: local_plan
    name: Local Plan
    plan_type: commercial
    decision_clock:
      standard: {amount: -3, unit: calendar_days, source: "contract s.4", evidence: V, verified: true}
      expedited: {amount: 72, unit: hours, source: "contract s.4", evidence: V, verified: true}
    business_calendar: {veterans_day_is_business_day: true, reason: "contract"}
"""


def _run(*args, env_extra, **kw):  # noqa: ANN002, ANN003, ANN201
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAINPATH_")}
    env.update(env_extra)
    return subprocess.run([sys.executable, "-m", "painpath.cli", *args], capture_output=True, text=True, env=env, timeout=120, **kw)


@pytest.fixture
def bad_pack_dir(tmp_path) -> Path:
    folder = tmp_path / "clinic-packs"
    folder.mkdir()
    (folder / "local-payers.yaml").write_text(BAD_PACK)
    return folder


def test_packs_check_passes_on_the_shipped_packs(tmp_path):
    result = _run("packs", "check", env_extra={"PAINPATH_DEMO_MODE": "1"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "packs OK" in result.stdout


def test_packs_check_refuses_a_bad_pack_naming_file_and_path(bad_pack_dir):
    result = _run("packs", "check", env_extra={"PAINPATH_DEMO_MODE": "1", "PAINPATH_EXTRA_PACK_DIRS": json.dumps([str(bad_pack_dir)])})
    assert result.returncode == 2
    out = " ".join(result.stdout.split())
    assert "local-payers.yaml" in out and "payers[0].decision_clock.standard.amount" in out


def test_start_up_refuses_a_bad_pack(bad_pack_dir, database_url):
    with pytest.raises(PackError) as refused:
        build_context(Settings(database_url=database_url, secret_key="k" * 40, extra_pack_dirs=[bad_pack_dir]))
    assert refused.value.file.name == "local-payers.yaml"
    assert refused.value.path == "payers[0].decision_clock.standard.amount"


def test_db_upgrade_then_users_create(tmp_path):
    env = {"PAINPATH_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}", "PAINPATH_SECRET_KEY": "s" * 40}
    assert _run("db", "upgrade", env_extra=env).returncode == 0
    from painpath.core.db import Database
    from painpath.core.tenancy import Clinic

    db = Database(env["PAINPATH_DATABASE_URL"])
    with db.session() as session:
        session.add(Clinic(name="CLI Clinic"))
    db.dispose()
    created = _run("users", "create", "m.manager", "manager", "--password", "a-long-password-1", env_extra=env)
    assert created.returncode == 0, created.stdout + created.stderr
    assert "Created user m.manager (manager)" in created.stdout
    refused = _run("users", "create", "x.wizard", "wizard", "--password", "a-long-password-1", env_extra=env)
    assert refused.returncode == 2 and "Unknown role" in refused.stdout


def test_settings_with_the_demo_secret_outside_demo_mode_stop_the_cli(tmp_path):
    result = _run("db", "upgrade", env_extra={"PAINPATH_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    assert result.returncode == 2 and "Configuration error" in result.stdout


def test_demo_loads_once_and_always_prints_the_logins(tmp_path):
    env = {"PAINPATH_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}", "PAINPATH_DEMO_MODE": "1"}
    assert _run("db", "upgrade", env_extra=env).returncode == 0
    first = _run("demo", "--patients", "12", env_extra=env)  # the default 200 load the same way, only slower
    assert first.returncode == 0, first.stdout + first.stderr
    assert "12 patients" in first.stdout
    assert "coordinator" in first.stdout and "demo-coordinator-2026" in first.stdout
    second = _run("demo", env_extra=env)
    assert second.returncode == 0 and "already has a clinic" in second.stdout
    assert "demo-coordinator-2026" in second.stdout


def test_serve_refuses_several_web_processes_each_with_a_consumer(tmp_path):
    env = {"PAINPATH_DEMO_MODE": "1", "PAINPATH_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "PAINPATH_QUEUE_URL": f"sqlite:///{tmp_path / 'queue.sqlite3'}"}
    result = _run("serve", "--workers", "2", "--with-worker", env_extra=env)
    assert result.returncode == 2
    assert "painpath worker" in " ".join(result.stdout.split())


def test_serve_runs_several_web_processes_without_a_consumer_inside(database_url, tmp_path):
    import httpx

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from bench.live import ServerProcess

    server = ServerProcess(database_url, tmp_path, workers=2).start()
    try:
        assert httpx.get(f"{server.base_url}/healthz", timeout=10).status_code == 200
        log = server.log_tail(10**8)
        assert log.count("Started server process") == 2
        assert "no background consumer" in " ".join(log.split())
    finally:
        server.stop()
