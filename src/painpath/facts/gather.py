"""Gather each episode's `EpisodeFacts` (vocabulary.py) from the fact readers the slices register.

This package sits below the slices, so it never imports one. A slice that records facts the rules read
registers a reader here instead, in its `episode_facts.py` (imported at start-up by
`context.load_providers`, like obligation providers and timeline sources): a function from a batch of
episode ids to each episode's share of the facts, as a few `EpisodeFacts` fields. The shares merge into
one `EpisodeFacts` per episode.

Every reader reads all the episodes asked about in one query (or a fixed few), never one per episode: the
readiness benchmark gathers 20,000 episodes, and a test proves the number of statements does not grow
with the episodes. Readers select the table columns they need (`FactSelect`) and build the plain facts
straight from the rows: no ORM entities, so no identity-map work per row, and little per-row Python, since
gathering is most of what a readiness sweep costs.

Gathering is not audited as a chart read. The audit trail answers "who looked at whose chart": the
criteria engine reading facts to compute eligibility and obligations is no person looking, and one
audit row per episode per sweep would bury the reads that matter. What a person then sees (the case
page, the kit) is audited where it is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import MISSING, dataclass, fields
from datetime import date
from functools import cache
from operator import attrgetter
from typing import Any

from sqlalchemy import ColumnElement, Connection, Dialect, Executable, Row
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from painpath.core.clock import BusinessCalendar
from painpath.core.db import ids_param, memoized_by_episode
from painpath.facts.vocabulary import EpisodeFacts


@dataclass(frozen=True)
class FactQuery:
    """What every reader is told besides the episode ids: the packs, the clinic's calendar and its today."""

    knowledge: Any
    calendar: BusinessCalendar
    today: date


Share = dict[str, Any]  # some of one episode's EpisodeFacts fields, by name
FactReader = Callable[[Session, list[int], FactQuery], Mapping[int, Share]]

# Fields that several readers add to: their values are joined. `care` comes from conservative-care
# entries, medication trials and PT visits, and is ordered by start date once joined; `documents` from
# imaging reports and consult notes (referrals), ordered by date once joined.
JOINED = ("care", "documents")
# The episode's own fields: an episode with none of them is unknown, and left out of the answer.
EPISODE_FIELDS = ("payer_id", "plan_type", "body_region", "laterality", "onset_date", "diagnosis_codes")

_readers: dict[str, FactReader] = {}


def register_reader(name: str) -> Callable[[FactReader], FactReader]:
    """Register a slice's fact reader under a name (called at import, like obligation providers).

    Readers run in the order of their names, so a joined field comes out the same whatever order the
    slices were imported in."""

    def register(reader: FactReader) -> FactReader:
        _readers[name] = reader
        return reader

    return register


def registered_readers() -> list[str]:
    return sorted(_readers)


class FactSelect:
    """A reader's select of table columns, built once per database dialect with the batch's episode ids as
    one bound parameter (`core.db.ids_param`), and run on the session's connection: plain Core rows,
    fetched at once. Against building the select per batch and running it through `session.execute`,
    this saves the select's construction and cache key, the ORM's result set-up, and a fetch call per
    row: more than half of what a small reader costs beyond the driver itself.

    `build(episode_in)` makes the select; `episode_in(column)` is the condition "column is one of the
    batch's episode ids". Other parameters are bound by name at `rows`."""

    def __init__(self, build: Callable[[Callable[[ColumnElement[int]], ColumnElement[bool]]], Executable], *,
                 rows_by_name: bool = False) -> None:
        """`rows_by_name`: the reader reads its rows by column name (`row.start_date`), so they must stay
        SQLAlchemy rows; otherwise they may be the driver's plain tuples, read by position in select order."""
        self._statement = cache(lambda dialect: build(lambda column: ids_param(dialect, column, _EPISODE_IDS)))
        self._rows_by_name = rows_by_name
        self._on_driver: dict[Dialect, _DriverSelect | None] = {}

    def rows(self, session: Session, episode_ids: Sequence[int], **params: object) -> Sequence[Row] | list[tuple]:
        if session.autoflush:  # as session.execute would: facts added but not yet flushed are read
            session.flush()
        connection = session.connection()
        dialect = connection.dialect
        values = {_EPISODE_IDS: list(episode_ids), **params}
        on_driver = self._on_driver.get(dialect, _UNKNOWN)
        if isinstance(on_driver, _DriverSelect):
            return on_driver.rows(connection, values)
        statement = self._statement(dialect.name)
        result = connection.execute(statement, values)
        if on_driver is _UNKNOWN:  # the first run on this dialect tells whether the driver's rows will do
            self._on_driver[dialect] = None if self._rows_by_name else _driver_select(statement, dialect, result.cursor.description)
        return result.all()


_UNKNOWN: Any = object()  # a select not run yet on this dialect


@dataclass(frozen=True)
class _DriverSelect:
    """A fact select run on the driver's own cursor, as the readiness benchmark's floor runs its SQL: no result
    set-up, no cache key, no row objects; about a tenth of a readiness sweep over 20,000 episodes (bench/README.md).
    Only for a select whose rows the driver already gives as SQLAlchemy would (see `_driver_select`). The engine's
    cursor events still hear of the statement, and a driver error is raised as SQLAlchemy raises it."""

    sql: str
    fixed: dict[str, Any]  # the values written into the select itself (`priority == 1`)
    converters: tuple[tuple[str, Callable[[Any], Any]], ...]  # the bound values' converters, as SQLAlchemy applies them

    def rows(self, connection: Connection, values: dict[str, Any]) -> list[tuple]:
        values.update(self.fixed)
        for name, convert in self.converters:
            values[name] = convert(values[name])
        cursor = connection.connection.driver_connection.cursor()
        try:
            connection.dispatch.before_cursor_execute(connection, cursor, self.sql, values, None, False)
            try:
                cursor.execute(self.sql, values)
                rows = cursor.fetchall()
            except connection.dialect.loaded_dbapi.Error as error:
                raise DBAPIError.instance(self.sql, values, error, connection.dialect.loaded_dbapi.Error,
                                          hide_parameters=True, dialect=connection.dialect) from error
            connection.dispatch.after_cursor_execute(connection, cursor, self.sql, values, None, False)
            return rows
        finally:
            cursor.close()


def _driver_select(statement: Executable, dialect: Dialect, description: Sequence[Any]) -> _DriverSelect | None:
    """The select compiled once for `dialect`, when the driver's own rows are what SQLAlchemy returns (no column's
    type converts what the driver gave in `description`, the first run's columns: so on PostgreSQL with psycopg)
    and its parameters are plain named ones; otherwise None (SQLite's dates, for one), and `FactSelect.rows` runs
    the select through SQLAlchemy each time."""
    compiled = statement.compile(dialect=dialect)
    if dialect.paramstyle not in ("pyformat", "named") or compiled.literal_execute_params or compiled.post_compile_params:
        return None
    columns = list(statement.selected_columns)
    if len(columns) != len(description):
        return None
    for column, described in zip(columns, description, strict=True):
        if column.type.dialect_impl(dialect).result_processor(dialect, described[1]) is not None:
            return None
    fixed = {name: bind.effective_value for name, bind in compiled.binds.items() if not bind.required}
    converters = ((name, bind.type.dialect_impl(dialect).bind_processor(dialect)) for name, bind in compiled.binds.items())
    return _DriverSelect(str(compiled), fixed, tuple((name, convert) for name, convert in converters if convert is not None))


_EPISODE_IDS = "fact_episode_ids"


class SharedFacts(dict):
    """A reader's fact objects (frozen dataclasses) by the values they are built from: `shared[values]` is the
    object built from `values` the first time they were seen, built now if they never were.

    A sweep gathers every open episode again and again, and between two sweeps almost no fact changes. Sharing
    the objects saves building them (a frozen dataclass sets each field through `object.__setattr__`), and it
    makes the decision memo's "same facts as last time?" (authorizations/decision_memo.py) a comparison of
    identical objects, which Python settles without calling each fact's `__eq__`. The objects are immutable, so
    sharing one between episodes and passes changes nothing a reader of it sees. A dict, so a fact seen before
    costs one lookup and no Python call. Values must be hashable (tuples, never lists or dicts); past `limit`
    distinct sets of values the store starts again empty, a bound on memory."""

    def __init__(self, build: Callable[..., Any], limit: int = 250_000) -> None:
        super().__init__()
        self._build, self._limit = build, limit

    def __missing__(self, values: tuple) -> Any:
        if len(self) >= self._limit:
            self.clear()
        made = self[values] = self._build(*values)
        return made


def gather_facts(session: Session, *, knowledge, calendar: BusinessCalendar, episode_ids: Sequence[int],
                 today: date) -> dict[int, EpisodeFacts]:
    """The facts of each episode asked about (unknown ids are left out), as of the clinic's `today`. Within a
    read_memo span (the obligation providers of one review pass) each episode is gathered once, however many
    providers ask: an episode's facts do not depend on the others gathered with it."""
    ids = sorted(set(episode_ids))
    if not ids:
        return {}
    if not _readers:
        raise RuntimeError("no fact readers are registered: call painpath.context.load_providers() at start-up")
    return memoized_by_episode(session, ("facts.gather", id(knowledge), id(calendar), today), ids,
                          lambda missing: _gather(session, knowledge, calendar, missing, today))


def _gather(session: Session, knowledge: Any, calendar: BusinessCalendar, ids: list[int], today: date) -> dict[int, EpisodeFacts]:
    query = FactQuery(knowledge=knowledge, calendar=calendar, today=today)
    shares: dict[int, Share] = {}
    for name in sorted(_readers):
        for episode_id, share in _readers[name](session, ids, query).items():
            into = shares.get(episode_id)
            if into is None:
                shares[episode_id] = dict(share)  # a copy: later shares merge into it
            elif into.keys().isdisjoint(share):
                into.update(share)
            else:
                _merge(into, share, name)
    return {episode_id: _facts(episode_id, shares[episode_id]) for episode_id in sorted(shares) if "body_region" in shares[episode_id]}


def _merge(into: Share, share: Share, reader: str) -> None:
    for field, value in share.items():
        if field in JOINED:
            into[field] = (*into.get(field, ()), *value)
        elif field in into:
            raise ValueError(f"fact reader {reader!r} gives {field!r}, which another reader already gave")
        else:
            into[field] = value


_CARE_ORDER = attrgetter("start", "kind")
_DOCUMENT_ORDER = attrgetter("on")  # stable: each reader's order within a day
_FIELDS = {f.name: f for f in fields(EpisodeFacts)}
# The fields an episode's shares may leave out: with a default, or made per episode (`extra`'s dict).
_DEFAULTS = {name: f.default for name, f in _FIELDS.items() if f.default is not MISSING}
_FACTORIES = {name: f.default_factory for name, f in _FIELDS.items() if f.default_factory is not MISSING}
_REQUIRED = frozenset(name for name, f in _FIELDS.items() if f.default is MISSING and f.default_factory is MISSING)


def _facts(episode_id: int, share: Share) -> EpisodeFacts:
    exam = share.get("exam")
    # The episode's codes, then the working diagnosis of its latest exam, each once.
    codes = tuple(dict.fromkeys((*share.get("diagnosis_codes", ()), *(exam.diagnosis_codes if exam else ()))))
    care = share.get("care", ())
    documents = share.get("documents", ())
    return _episode_facts({**share, "episode_id": episode_id, "diagnosis_codes": codes,
                           "care": tuple(sorted(care, key=_CARE_ORDER)) if len(care) > 1 else tuple(care),
                           "documents": tuple(sorted(documents, key=_DOCUMENT_ORDER)) if len(documents) > 1 else tuple(documents)})


def _episode_facts(values: dict[str, Any]) -> EpisodeFacts:
    """`EpisodeFacts(**values)`, checked the same way (no unknown field, none required left out), without the
    frozen dataclass's __init__, which sets its 22 fields one `object.__setattr__` at a time (about 5 µs
    an episode against 1 µs: gathering builds one per open episode on every readiness pass)."""
    if not values.keys() <= _FIELDS.keys() or not _REQUIRED <= values.keys():
        return EpisodeFacts(**values)  # raises the TypeError naming the field
    made = object.__new__(EpisodeFacts)
    state = made.__dict__
    state.update(_DEFAULTS)
    for name, factory in _FACTORIES.items():
        state[name] = factory()
    state.update(values)
    return made
