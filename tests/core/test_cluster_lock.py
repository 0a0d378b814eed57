"""The cluster lock on real PostgreSQL, real Redis and a real file: one holder at a time, and a dead
holder's lock comes free without anyone's help."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine

from painpath.core.cluster_lock import FileLock, PostgresAdvisoryLock, RedisLock, cluster_lock
from support import create_pg_database, drop_pg_database

pytestmark = pytest.mark.storage
REDIS_URL = "redis://127.0.0.1:6379/15"
SRC = str(Path(__file__).resolve().parents[2] / "src")


@pytest.fixture
def pg_url():
    url = create_pg_database()
    yield url
    drop_pg_database(url)


@pytest.fixture
def redis_client():
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail("Redis is not reachable on 127.0.0.1:6379; `make test` starts it")
    yield client
    client.close()


def _race(lock, name: str, contenders: int = 2) -> list[bool]:
    """`contenders` threads try the same lock at once; each holds what it got until all have tried."""
    ready, tried = threading.Barrier(contenders), threading.Barrier(contenders)
    results: list[bool] = []
    guard = threading.Lock()

    def attempt() -> None:
        ready.wait()
        with lock.hold(name) as held:
            with guard:
                results.append(held)
            tried.wait()  # nobody lets go before everyone has tried

    threads = [threading.Thread(target=attempt) for _ in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _holder_process(code: str) -> subprocess.Popen:
    """A child process that takes the lock, prints HELD and then sleeps until it is killed."""
    script = textwrap.dedent(code) + "\nprint('HELD', flush=True)\nimport time\ntime.sleep(600)\n"
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env={"PYTHONPATH": SRC})
    line = process.stdout.readline().strip()
    if line != "HELD":
        process.kill()
        pytest.fail(f"the holder process did not take the lock: {line!r}")
    return process


def _free_after_kill(process: subprocess.Popen, lock, name: str, *, patience_s: float) -> bool:
    """SIGKILL the holder (no cleanup runs), then try the lock until it comes free or patience runs out."""
    process.kill()
    process.wait()
    deadline = time.monotonic() + patience_s
    while time.monotonic() < deadline:
        with lock.hold(name) as held:
            if held:
                return True
        time.sleep(0.1)
    return False


def test_postgres_one_of_two_at_once_holds_the_lock(pg_url):
    engine = create_engine(pg_url)
    try:
        lock = PostgresAdvisoryLock(engine)
        assert sorted(_race(lock, "sweep_overdue", contenders=4)) == [False, False, False, True]
        # Released at the end of the run: the next run gets it.
        with lock.hold("sweep_overdue") as held:
            assert held
        # Other names are other locks.
        with lock.hold("sweep_overdue") as first, lock.hold("reconcile_all") as second:
            assert first and second
    finally:
        engine.dispose()


def test_postgres_lock_of_a_killed_process_comes_free(pg_url):
    engine = create_engine(pg_url)
    name = f"job-{uuid.uuid4().hex[:6]}"
    try:
        lock = PostgresAdvisoryLock(engine)
        holder = _holder_process(f"""
            from sqlalchemy import create_engine
            from painpath.core.cluster_lock import PostgresAdvisoryLock
            held = PostgresAdvisoryLock(create_engine({pg_url!r})).hold({name!r})
            assert held.__enter__()
        """)
        with lock.hold(name) as held:
            assert not held
        # The server ends the dead client's session when its socket closes, and with it the lock.
        assert _free_after_kill(holder, lock, name, patience_s=30)
    finally:
        engine.dispose()


def test_redis_one_of_two_at_once_holds_the_lock(redis_client):
    lock = RedisLock(redis_client)
    name = f"job-{uuid.uuid4().hex[:6]}"
    assert sorted(_race(lock, name, contenders=4)) == [False, False, False, True]
    with lock.hold(name) as held:
        assert held
    assert redis_client.exists("painpath:cluster-lock:" + name) == 0


def test_redis_lock_outlives_its_ttl_while_the_job_runs(redis_client):
    lock = RedisLock(redis_client, ttl_ms=600)
    name = f"job-{uuid.uuid4().hex[:6]}"
    with lock.hold(name) as held:
        assert held
        time.sleep(1.5)  # longer than the ttl: the holder renews it
        with lock.hold(name) as second:
            assert not second


def test_redis_lock_of_a_killed_process_expires(redis_client):
    name = f"job-{uuid.uuid4().hex[:6]}"
    holder = _holder_process(f"""
        import redis
        from painpath.core.cluster_lock import RedisLock
        held = RedisLock(redis.Redis.from_url({REDIS_URL!r}), ttl_ms=1000).hold({name!r})
        assert held.__enter__()
    """)
    lock = RedisLock(redis_client)
    with lock.hold(name) as held:
        assert not held
    assert _free_after_kill(holder, lock, name, patience_s=30)


def test_file_lock_one_holder_and_a_killed_holder_lets_go(tmp_path):
    lock = FileLock(tmp_path / "locks")
    assert sorted(_race(lock, "sweep_overdue", contenders=4)) == [False, False, False, True]
    holder = _holder_process(f"""
        from pathlib import Path
        from painpath.core.cluster_lock import FileLock
        held = FileLock(Path({str(tmp_path / 'locks')!r})).hold("sweep_overdue")
        assert held.__enter__()
    """)
    with lock.hold("sweep_overdue") as held:
        assert not held
    assert _free_after_kill(holder, lock, "sweep_overdue", patience_s=30)


def test_each_install_gets_the_lock_its_processes_share(pg_url, tmp_path):
    pg = create_engine(pg_url)
    sqlite = create_engine(f"sqlite:///{tmp_path / 'painpath.sqlite3'}")
    try:
        assert isinstance(cluster_lock(pg, REDIS_URL), PostgresAdvisoryLock)
        assert isinstance(cluster_lock(sqlite, REDIS_URL), RedisLock)
        file_lock = cluster_lock(sqlite, f"sqlite:///{tmp_path / 'queue.sqlite3'}")
        assert isinstance(file_lock, FileLock) and file_lock.folder == tmp_path / "locks"
    finally:
        pg.dispose()
        sqlite.dispose()
