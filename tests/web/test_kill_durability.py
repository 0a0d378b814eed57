"""Every write the server acknowledged survives `kill -9`, on SQLite and on PostgreSQL.

A real `painpath serve` process takes patient registrations from four threads at once; the test kills it
with SIGKILL while they are still arriving, starts a new server on the same database, and reads back every
patient that got a 201. A registration cut off mid-flight may or may not be there; an answered one must.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import select

from support import password_for
from painpath.core.db import Database
from painpath.patients.models import Patient

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.live import ServerProcess, signed_in_client  # noqa: E402

WRITERS = ("front_desk", "coordinator", "front_desk", "coordinator")  # roles that may register patients
RUN_BEFORE_KILL_S = 2.0


def _register_until_refused(client: httpx.Client, prefix: str, acknowledged: dict[str, int], lock: threading.Lock) -> None:
    n = 0
    while True:
        n += 1
        mrn = f"K{prefix}-{n}"
        body = {"mrn": mrn, "given_name": "Kill", "family_name": f"Test{prefix}", "birth_date": "1970-01-01",
                "sex": "female", "phone": "555-0100"}
        try:
            answer = client.post("/api/patients", json=body)
        except httpx.HTTPError:
            return  # the server is gone: this one was never acknowledged
        if answer.status_code != 201:
            return
        with lock:
            acknowledged[mrn] = answer.json()["id"]


def test_acknowledged_registrations_survive_kill_9(ctx, staff, database_url, tmp_path):
    ctx.db.dispose()  # the server processes own the database
    server = ServerProcess(database_url, tmp_path).start()
    clients = [signed_in_client(server.base_url, role, password_for(role), timeout=10) for role in WRITERS]
    acknowledged: dict[str, int] = {}
    lock = threading.Lock()
    threads = [threading.Thread(target=_register_until_refused, args=(c, f"{i}", acknowledged, lock)) for i, c in enumerate(clients)]
    try:
        for thread in threads:
            thread.start()
        time.sleep(RUN_BEFORE_KILL_S)
        server.kill()
        for thread in threads:
            thread.join(timeout=15)
    finally:
        server.kill()
        for client in clients:
            client.close()
    assert not any(t.is_alive() for t in threads)
    assert len(acknowledged) >= 8, f"only {len(acknowledged)} registrations answered before the kill: {server.log_tail()}"

    # A new server starts on what the killed one left (SQLite replays its WAL) and serves it...
    again = ServerProcess(database_url, tmp_path).start()
    try:
        reader = signed_in_client(again.base_url, "front_desk", password_for("front_desk"))
        assert reader.get("/api/patients", params={"q": "Test0"}).status_code == 200
        reader.close()
    finally:
        again.stop()
    # ...and every acknowledged registration is in it, under the id the server answered with.
    db = Database(database_url)
    try:
        with db.session() as session:
            stored = dict(session.execute(select(Patient.mrn, Patient.id).where(Patient.mrn.like("K%"))).all())
    finally:
        db.dispose()
    missing = {mrn: pid for mrn, pid in acknowledged.items() if stored.get(mrn) != pid}
    assert missing == {}, f"{len(missing)} of {len(acknowledged)} acknowledged registrations are gone: {sorted(missing)[:5]}"
