"""Database engine, sessions and the declarative base shared by every slice."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from sqlalchemy import (
    JSON,
    ColumnElement,
    DateTime,
    Integer,
    MetaData,
    any_,
    bindparam,
    create_engine,
    event,
    literal,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    declared_attr,
    mapped_column,
    sessionmaker,
)

from painpath.core.clock import utcnow

T = TypeVar("T")

# Stable constraint names so Alembic (batch mode on SQLite) can find them again.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Portable JSON: JSONB on PostgreSQL, JSON text elsewhere.
JSONType = JSON().with_variant(JSONB(), "postgresql")


def ids_in(session: Session, column: ColumnElement[int], ids: Iterable[int]) -> ColumnElement[bool]:
    """`column IN ids` for a batch read of many ids. On PostgreSQL it is `column = ANY(array)`: one bound
    array instead of one parameter per id, so a 500-id batch is not 500 placeholders to render and parse
    on every query. Elsewhere (SQLite) a plain IN list."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(list(ids), ARRAY(Integer)))
    return column.in_(list(ids))


def ids_param(dialect_name: str, column: ColumnElement[int], name: str) -> ColumnElement[bool]:
    """`ids_in` with the ids bound at execution (`{name: ids}`) rather than built into the statement, so a
    statement built once per dialect serves every batch: building and cache-keying a select each time
    costs more than running it on the driver, for a small batch read."""
    if dialect_name == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(Integer)))
    return column.in_(bindparam(name, expanding=True))


_READ_MEMO = "painpath.read_memo"  # session.info: answers of batch reads while nothing is written


_SCOPE = "painpath.read_memo.scope"  # in the memo: the episodes the span is about, when it says


@contextmanager
def read_memo(session: Session, *, episode_ids: Iterable[int] | None = None) -> Iterator[None]:
    """A span of pure reads (the obligation providers gathering their facts): within it, `memoized` reads
    answer a second ask for the same episodes from the first, instead of asking the database again. Only
    for spans that write nothing, or the second answer would miss what was written in between.

    `episode_ids`: the episodes the span is about (a review chunk). A `memoized_by_episode` read then reads
    them all at its first ask, so the next reader asking about others of them finds them read."""
    if _READ_MEMO in session.info:  # already inside one
        yield
        return
    session.info[_READ_MEMO] = {} if episode_ids is None else {_SCOPE: frozenset(episode_ids)}
    try:
        yield
    finally:
        session.info.pop(_READ_MEMO, None)


def memoized(session: Session, key: tuple, read: Callable[[], list[T]]) -> list[T]:
    """`read()`, or within a `read_memo` span its first answer for `key` (a new list each time: callers may
    change theirs)."""
    memo = session.info.get(_READ_MEMO)
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return list(memo[key])


_ABSENT = object()


def memoized_by_episode(session: Session, key: tuple, episode_ids: Sequence[int],
                        read: Callable[[list[int]], Mapping[int, T]]) -> dict[int, T]:
    """`read(episode_ids)` for a batch read whose answer for one episode does not depend on the others asked
    with it; within a `read_memo` span each episode's first answer for `key`, so only the episodes not asked
    about yet are read, together with those of the span's episodes not read yet (one statement set for the
    chunk, not one per reader: the plans and the authorizations providers both gather the episodes' facts,
    for different episodes of the chunk). Episodes with no answer are left out, as `read` leaves them out;
    the answers are shared, so callers must not change them."""
    memo = session.info.get(_READ_MEMO)
    wanted = sorted(set(episode_ids))
    if memo is None:
        return dict(read(wanted))
    known: dict[int, object] = memo.setdefault(key, {})
    missing = {i for i in wanted if i not in known}
    if missing:
        missing.update(i for i in memo.get(_SCOPE, ()) if i not in known)
        ids = sorted(missing)
        found = read(ids)
        for i in ids:
            known[i] = found.get(i, _ABSENT)
    return {i: known[i] for i in wanted if known[i] is not _ABSENT}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: DateTime(timezone=False)}


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class VersionedMixin:
    """Rows that staff edit: SQLAlchemy bumps `version` on every update and refuses a stale flush."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}


# Execution option that starts a SQLite transaction deferred (reads first) instead of BEGIN IMMEDIATE.
READS_FIRST = "painpath_reads_first"
_SNAPSHOT = "painpath.read_snapshot"  # connection.info: data_version of the open read-first transaction
_HAS_READ = "painpath.has_read"  # connection.info: that transaction has run a query of its own
_WRITE_WORDS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER", "SAVEPOINT")


class WriteConflict(Exception):
    """A read-first transaction came to write, but another connection committed after its reads began.

    What it read may be stale, so its writes must not be based on it: the whole unit of work runs again,
    this time holding the write lock from the start (web/retry.py does this for GET requests)."""


def _is_write(statement: str, context) -> bool:
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):
        return True
    # A savepoint opens only around a write; promoting inside one would lose it (COMMIT releases it).
    return statement.lstrip().upper().startswith(_WRITE_WORDS)


def _configure_sqlite(engine: Engine) -> None:
    """WAL, a busy timeout, and transactions that hold the write lock exactly when they need it.

    A plain SQLite transaction that reads and then writes cannot wait for the write lock (SQLite answers
    "database is locked" at once, to avoid a deadlock), so a writer starts with BEGIN IMMEDIATE and queues
    on the busy timeout. That is the default (every POST, background job and CLI command). A request that
    mostly reads (GET) starts deferred instead, so readers run side by side under WAL; at its first write
    (an audit row for a chart read, say) it ends its read snapshot, queues for the write lock with BEGIN
    IMMEDIATE, and checks with `PRAGMA data_version` that nobody committed in between. If someone did,
    what it read may be stale and it raises WriteConflict, and the request runs again as a writer."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.info.pop(_SNAPSHOT, None)
        connection.info.pop(_HAS_READ, None)
        if connection.get_execution_options().get(READS_FIRST):
            connection.exec_driver_sql("BEGIN")
            # Reading data_version starts the read snapshot and tells which committed state it sees.
            connection.info[_SNAPSHOT] = connection.exec_driver_sql("PRAGMA data_version").scalar()
        else:
            # Take the write lock up front so two writers queue instead of failing mid-transaction.
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine, "before_cursor_execute")
    def _promote_before_first_write(conn, _cursor, statement, _parameters, context, _executemany):
        snapshot = conn.info.get(_SNAPSHOT)
        if snapshot is None:
            return
        if not _is_write(statement, context):
            conn.info[_HAS_READ] = True
            return
        del conn.info[_SNAPSHOT]
        raw = conn.connection.driver_connection
        raw.execute("COMMIT")  # nothing written yet: this only lets go of the read snapshot
        raw.execute("BEGIN IMMEDIATE")  # queue for the write lock on the busy timeout
        # A transaction that read nothing yet (it writes first) has nothing that could be stale.
        if conn.info.pop(_HAS_READ, False) and raw.execute("PRAGMA data_version").fetchone()[0] != snapshot:
            raise WriteConflict("another writer committed after this transaction's reads")

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _forget_snapshot(connection):
        connection.info.pop(_SNAPSHOT, None)
        connection.info.pop(_HAS_READ, None)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("sqlite:///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, echo=echo, hide_parameters=True, connect_args={"check_same_thread": False, "timeout": 10}
        )
        _configure_sqlite(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return create_engine(url, echo=echo, hide_parameters=True, pool_pre_ping=True, pool_size=10, max_overflow=10)


class Database:
    """An engine and its session factory. The app holds one; tests make their own."""

    def __init__(self, url: str, *, echo: bool = False):
        self.url = url
        self.engine = make_engine(url, echo=echo)
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)
        # Same pool; on SQLite its transactions start deferred and take the write lock at the first write.
        self.reads_first_factory = sessionmaker(self.engine.execution_options(**{READS_FIRST: True}), expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self, *, reads_first: bool = False) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on any error, always closes.

        `reads_first` (a GET request) lets SQLite readers run side by side; its first write may raise
        WriteConflict, so use it only where the whole unit of work can be run again."""
        session = (self.reads_first_factory if reads_first else self.session_factory)()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
