"""Writing planned rows in bulk: one Core ``INSERT`` per table and batch, ids read back by ``RETURNING``.

The planner's rows name each other (``NewRow``); tables are written in an
order where every row a row refers to is written first, so that each
reference is an id by the time its row is sent. Every column is given (the
model's defaults filled in), as an ``executemany`` needs the same keys in
every row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase

from pathways.imports.planner import NewRow, Update
from pathways.models import (
    AdviserAssignment,
    AuditEntry,
    Checkpoint,
    Contract,
    Diagnostic,
    Employer,
    Immersion,
    InfoSession,
    InfoSessionAttendance,
    OrientationParticipant,
    OrientationWeek,
    Pathway,
    PathwayEvent,
    Person,
    PlannedStep,
    Training,
    TrainingOrganisation,
)

# Referenced before referring: references, persons, pathways, their records, history, audit.
TABLE_ORDER: tuple[type[DeclarativeBase], ...] = (
    Employer,
    TrainingOrganisation,
    InfoSession,
    OrientationWeek,
    Person,
    Pathway,
    InfoSessionAttendance,
    OrientationParticipant,
    Immersion,
    Contract,
    Training,
    Checkpoint,
    Diagnostic,
    AdviserAssignment,
    PlannedStep,
    PathwayEvent,
    AuditEntry,
)


def _table(model: type[DeclarativeBase]) -> sa.Table:
    return model.__table__  # type: ignore[return-value]


def _defaults(table: sa.Table) -> dict[str, Any]:
    """Every column but the id, with the model's default (callables such as ``created_at`` called)."""
    values: dict[str, Any] = {}
    for column in table.columns:
        if column.primary_key:
            continue
        default = column.default
        if default is None:
            values[column.key] = None
        elif default.is_scalar:  # type: ignore[attr-defined]
            values[column.key] = default.arg  # type: ignore[attr-defined]
        elif default.is_callable:  # type: ignore[attr-defined]
            try:
                values[column.key] = default.arg(None)  # type: ignore[attr-defined]
            except AttributeError:
                # Computed from the row's other values (a person's search name): the planner
                # gives it with the row.
                values[column.key] = None
        else:
            values[column.key] = None
    return values


def _resolved(value: Any) -> Any:
    kind = type(value)
    if kind is NewRow:
        assert value.id is not None, "a row is written after the rows it refers to"
        return value.id
    if kind is dict:
        return {key: _resolved(item) for key, item in value.items()}
    if kind is list or kind is tuple:
        return [_resolved(item) for item in value]
    return value


def _columns_of(row: NewRow) -> dict[str, Any]:
    """The row's values, each reference replaced by the id of the row it names."""
    values = {}
    for key, value in row.values.items():
        kind = type(value)
        if kind is NewRow:
            value = value.id
        elif kind is dict or kind is list or kind is tuple:
            value = _resolved(value)
        values[key] = value
    if row.build is not None:
        values = row.build(**values)
    values["id"] = row.id
    return values


def _insert_many(connection: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """One Core ``INSERT`` for ``table``, compiled once, sent with the driver's ``executemany``.

    Each value goes through its column type's bind processing (enums by value,
    UTC timestamps, JSON), as ``connection.execute`` would do it; only the
    per-row bookkeeping of a generic ``execute`` is skipped (two thirds of the
    time of writing 200 000 rows).
    """
    dialect = connection.dialect
    defaults = _defaults(table)
    columns = [
        (c.key, _remembered(c.type.dialect_impl(dialect).bind_processor(dialect)), defaults.get(c.key))
        for c in table.columns
    ]
    if dialect.name == "postgresql":
        _copy(connection, table, rows, columns)
        return
    compiled = (
        sa.insert(table).values({c.key: sa.bindparam(c.key) for c in table.columns}).compile(dialect=dialect)
    )
    assert compiled.positional, "SQLite takes its parameters by position"
    order = {key: index for index, key in enumerate(compiled.positiontup or ())}
    columns.sort(key=lambda column: order[column[0]])
    connection.exec_driver_sql(compiled.string, [_processed(values, columns) for values in rows])


def _remembered(bind: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    """``bind``, computed once per distinct value of the column (a file has few dates, enums, flags).

    Keyed by type and value, as equal values of two types may bind apart
    (``True`` and ``1`` in JSON); unhashable values (JSON) are bound every time.
    """
    if bind is None:
        return None
    seen: dict[tuple[type, Any], Any] = {}

    def remembered(value: Any) -> Any:
        key = (value.__class__, value)
        try:
            return seen[key]
        except KeyError:
            bound = seen[key] = bind(value)
            return bound
        except TypeError:
            return bind(value)

    return remembered


def _processed(values: dict[str, Any], columns: list[tuple[str, Any, Any]]) -> tuple[Any, ...]:
    """One row's values in the columns' order, each as its type binds it."""
    get = values.get
    # A list built then frozen: quicker than a generator for tuple().
    return tuple(
        [get(key, fallback) if bind is None else bind(get(key, fallback)) for key, bind, fallback in columns]
    )


def _copy(
    connection: sa.Connection,
    table: sa.Table,
    rows: list[dict[str, Any]],
    columns: list[tuple[str, Any, Any]],
) -> None:
    """PostgreSQL's bulk insert: ``COPY … FROM STDIN`` on the transaction's own connection."""
    quote = connection.dialect.identifier_preparer.quote
    names = ", ".join(quote(table.c[key].name) for key, _, _ in columns)
    statement = f"COPY {quote(table.name)} ({names}) FROM STDIN"  # names from the models, not from input
    driver_connection = connection.connection.dbapi_connection
    assert driver_connection is not None
    with driver_connection.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[attr-defined]
        for values in rows:
            copy.write_row(_processed(values, columns))


def reserve_ids(connection: sa.Connection, table: sa.Table, count: int) -> list[int]:
    """``count`` ids for new rows of ``table``, taken before the rows are sent.

    PostgreSQL: drawn from the table's sequence (other writers draw others).
    SQLite: the ones after the highest, which is safe because the
    transaction has already written (it holds the database's write lock:
    nobody else inserts until it ends) — the callers' first statement is a
    write (``run_import`` locks the platform row, a chunk writes its journal).
    """
    if count == 0:
        return []
    if connection.dialect.name == "postgresql":
        # The sequence named first: looked up in each of 143 000 ``nextval`` calls, its name cost
        # six times the drawing itself. One array back, not a row per id; ascending, as rows
        # written in order are numbered (the latest contract is the highest id).
        sequence = connection.scalar(
            sa.text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table.name}
        )
        ids = connection.scalar(
            sa.text("SELECT array_agg(nextval(CAST(:sequence AS regclass))) FROM generate_series(1, :count)"),
            {"sequence": sequence, "count": count},
        )
        return sorted(ids)
    highest = connection.scalar(sa.select(sa.func.max(table.c.id))) or 0
    return list(range(highest + 1, highest + 1 + count))


def write_rows(connection: sa.Connection, rows: Iterable[NewRow], updates: Iterable[Update] = ()) -> None:
    """Insert ``rows`` (setting their ids) and apply ``updates``, within ``connection``'s transaction."""
    by_model: dict[type[DeclarativeBase], list[NewRow]] = {}
    for row in rows:
        by_model.setdefault(row.model, []).append(row)
    unknown = set(by_model) - set(TABLE_ORDER)
    assert not unknown, f"no place in TABLE_ORDER for {unknown}"
    # Ids first, so that every reference resolves whatever the order of the rows;
    # then plain executemany inserts (no RETURNING: SQLite would send them one by one).
    for model, batch in by_model.items():
        for row, row_id in zip(batch, reserve_ids(connection, _table(model), len(batch)), strict=True):
            row.id = row_id
    for model in TABLE_ORDER:
        batch = by_model.get(model)
        if batch:
            _insert_many(connection, _table(model), [_columns_of(row) for row in batch])
    for update in updates:
        table = _table(update.model)
        connection.execute(sa.update(table).where(table.c.id == update.id).values(**update.values))


def written_ids(rows: Iterable[NewRow]) -> dict[str, list[int]]:
    """The ids written, per table (the journal an import keeps to undo itself)."""
    ids: dict[str, list[int]] = {}
    for row in rows:
        assert row.id is not None
        ids.setdefault(_table(row.model).name, []).append(row.id)
    return ids


def written_persons(rows: Iterable[NewRow]) -> list[int]:
    """The persons of the pathways ``rows`` wrote (their standing follows: services.standing)."""
    return [_resolved(row.values["person_id"]) for row in rows if row.model is Pathway]
