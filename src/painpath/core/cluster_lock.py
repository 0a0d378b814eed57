"""One run at a time across every process and machine: the lock periodic jobs take before they run.

Every consumer (`painpath worker` on each machine, the one inside `painpath serve`) schedules the periodic
jobs on its own, so each job would run once per consumer. A run first tries this lock; a run that does not
get it skips (the holder is doing the same work right now). No one ever waits for the lock, and a holder
that dies lets go of it without anyone's help:

- PostgreSQL database: a transaction-level advisory lock (`pg_try_advisory_xact_lock`) on a connection of
  its own, held while the job runs. The database is the one thing every web process and worker shares, so
  no other service is needed. PostgreSQL releases the lock when the transaction ends, and when the
  connection dies with its process; a pooled connection is rolled back when returned, which also ends it.
- SQLite database with a Redis queue: `SET key token NX PX ttl` in Redis, released only by its own token
  (a Lua compare-and-delete) and renewed while the job runs; a dead holder stops renewing and the key
  expires after `ttl`.
- SQLite database with the SQLite queue (the embedded install): an OS file lock (`flock`) on a file
  beside the database. A SQLite database lives on one machine's disk, so every process that can run a job
  on it sees the same file, and the kernel drops the lock the moment the holder's process ends. A lock row
  in the database would need an expiry clock and a write to the database every minute to achieve the same.
"""

from __future__ import annotations

import fcntl
import hashlib
import threading
import uuid
from collections.abc import Iterator
from functools import lru_cache
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Protocol

import redis
from sqlalchemy import text
from sqlalchemy.engine import Engine

NAMESPACE = "painpath:cluster-lock:"


class ClusterLock(Protocol):
    def hold(self, name: str) -> AbstractContextManager[bool]:
        """Enter with True when this caller holds the lock named `name` (until exit), False when another does."""


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for pg_try_advisory_xact_lock(bigint), the same in every process."""
    digest = hashlib.sha256((NAMESPACE + name).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PostgresAdvisoryLock:
    def __init__(self, engine: Engine):
        self.engine = engine

    @contextmanager
    def hold(self, name: str) -> Iterator[bool]:
        # A connection of its own: the job's own sessions commit as they go; this transaction stays open,
        # idle, until the job ends, and its end (commit, rollback, or a dead connection) frees the lock.
        with self.engine.connect() as connection, connection.begin():
            got = connection.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": advisory_key(name)}).scalar_one()
            yield bool(got)


# Delete or extend the key only while it still holds our token: a lock that expired and was taken by
# another holder is theirs.
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
_EXTEND = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"


class RedisLock:
    def __init__(self, client: redis.Redis, *, ttl_ms: int = 60_000):
        self.client = client
        self.ttl_ms = ttl_ms

    @contextmanager
    def hold(self, name: str) -> Iterator[bool]:
        key, token = NAMESPACE + name, uuid.uuid4().hex
        if not self.client.set(key, token, nx=True, px=self.ttl_ms):
            yield False
            return
        stop = threading.Event()
        renewer = threading.Thread(target=self._renew, args=(key, token, stop), name=f"lock-renew-{name}", daemon=True)
        renewer.start()
        try:
            yield True
        finally:
            stop.set()
            renewer.join()
            self.client.eval(_RELEASE, 1, key, token)

    def _renew(self, key: str, token: str, stop: threading.Event) -> None:
        # A job that runs longer than ttl keeps its lock; a process that dies stops renewing it.
        while not stop.wait(self.ttl_ms / 3000):
            self.client.eval(_EXTEND, 1, key, token, self.ttl_ms)


class FileLock:
    def __init__(self, folder: Path):
        self.folder = folder

    @contextmanager
    def hold(self, name: str) -> Iterator[bool]:
        self.folder.mkdir(parents=True, exist_ok=True)
        # One open file per attempt: flock belongs to the open file, so two threads of one process exclude
        # each other too.
        with open(self.folder / f"{name}.lock", "a+b") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


@lru_cache
def _redis_client(url: str) -> redis.Redis:
    # One client (and connection pool) per process, not one per job run.
    return redis.Redis.from_url(url)


def cluster_lock(engine: Engine, queue_url: str) -> ClusterLock:
    """The lock every process of one install agrees on (see the module docstring for why each)."""
    if engine.dialect.name == "postgresql":
        return PostgresAdvisoryLock(engine)
    if queue_url.startswith("redis://"):
        return RedisLock(_redis_client(queue_url))
    database = engine.url.database
    if not database or database == ":memory:":
        raise ValueError("a cluster lock needs a SQLite database file (or PostgreSQL, or a Redis queue)")
    return FileLock(Path(database).resolve().parent / "locks")
