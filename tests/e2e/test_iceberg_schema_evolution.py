"""Schema changes in PostgreSQL, each followed by a cdc run, read after every change by all
three Iceberg readers (pyiceberg StaticTable, Spark's Hadoop catalog, DuckDB's iceberg_scan)
and compared value by value with the versions PostgreSQL held at each run.

The README's rules ("Schema evolution"): a column keeps its field id; an added column gets a
new id and NULL in the rows written before it; a dropped column leaves the schema; int ->
bigint, real -> double precision, a wider numeric precision and a longer varchar are
promoted in place, so the run after the change appends (no full reload). Old data files
keep their old physical types: the readers must promote them through the field ids.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

import iceberg_readers as ir
from conftest import _norm
from test_exactly_once import cdc
from test_iceberg_readers import read_with

READERS = ["pyiceberg", "spark", "duckdb"]


# --------------------------------------------------------------------------- helpers


class History:
    """Every (id, updated_at) version PostgreSQL showed before a run, with its values: what
    the lake must hold, no more and no less (nothing else writes during the runs, so every
    version is visible to the next run)."""

    def __init__(self, db):
        self.db = db
        self.versions: dict[tuple, dict] = {}

    def record(self) -> None:
        cols = self.db.query("SELECT attname FROM pg_attribute WHERE attrelid = 'events'::regclass"
                             " AND attnum > 0 AND NOT attisdropped ORDER BY attnum")
        names = [c[0] for c in cols]
        for row in self.db.query(f"SELECT {', '.join(names)} FROM events"):
            v = {n: _norm(x) for n, x in zip(names, row)}
            self.versions.setdefault((v["id"], v["updated_at"]), v)

    def expected(self, columns: list[str]) -> list[dict]:
        """The versions seen through the current columns: a column added after a version
        was written is NULL in it, a dropped one is not there."""
        return sorted(({c: v.get(c) for c in columns} for v in self.versions.values()),
                      key=lambda r: (r["id"], r["updated_at"]))


def lake_rows(table: pa.Table) -> list[dict]:
    rows = [{k: _norm(x) for k, x in r.items()} for r in table.to_pylist()]
    return sorted(rows, key=lambda r: (r["id"], r["updated_at"]))


def assert_every_reader_matches(db, lake, history: History, step: str,
                                arrow_types: dict[str, pa.DataType]) -> None:
    columns = [f["name"] for f in ir.current_schema_fields(ir.iceberg_table_dir(
        lake, "public", "events"))]
    pg_columns = [c[0] for c in db.query(
        "SELECT attname FROM pg_attribute WHERE attrelid = 'events'::regclass AND attnum > 0 "
        "AND NOT attisdropped ORDER BY attnum")]
    assert columns == pg_columns, f"after {step}: Iceberg columns {columns}, PG {pg_columns}"
    expected = history.expected(columns)
    for reader in READERS:
        got = read_with(reader, lake, "public", "events")
        assert got.column_names == columns, f"{reader} after {step}: {got.column_names}"
        for name, want in arrow_types.items():
            assert got.schema.field(name).type == want, (
                f"{reader} after {step}: {name} read as {got.schema.field(name).type}, "
                f"the current schema says {want}")
        rows = lake_rows(got)
        if rows != expected:
            diff = [(e, g) for e, g in zip(expected, rows) if e != g][:3]
            pytest.fail(f"{reader} after {step}: {len(rows)} rows, expected {len(expected)}; "
                        f"first differences (expected, read): {diff}")


def assert_appended(lake, step: str) -> None:
    """The run after a change evolved the schema in place: a cdc append, no full reload."""
    snaps = ir.snapshots(ir.iceberg_table_dir(lake, "public", "events"))
    last = snaps[-1]["summary"]
    assert last.get("operation") == "append" and last.get("pgtide.mode") == "cdc", (
        f"after {step} the snapshot is {last}")
    assert snaps[0]["summary"].get("pgtide.mode") == "full" and len(snaps) >= 2, snaps


def field_ids(lake) -> dict[str, int]:
    return {f["name"]: f["id"]
            for f in ir.current_schema_fields(ir.iceberg_table_dir(lake, "public", "events"))}


def field_types(lake) -> dict[str, object]:
    return {f["name"]: f["type"]
            for f in ir.current_schema_fields(ir.iceberg_table_dir(lake, "public", "events"))}


# --------------------------------------------------------------------------- the changes


def _create(db) -> None:
    # r holds quarters: exact in float4, so a value read from an old float file and
    # promoted to double equals what PostgreSQL's real -> double precision cast keeps.
    db.execute("""CREATE TABLE events (id bigserial PRIMARY KEY, n int, r real,
                  d numeric(10,2), v varchar(10), gone text,
                  updated_at timestamptz NOT NULL DEFAULT now());
                  INSERT INTO events (n, r, d, v, gone)
                  SELECT g, g / 4.0, g * 1.25, 'v' || g, 'g' || g FROM generate_series(1, 12) g""")


# (name, ALTER TABLE ..., DML after it that uses the new shape, Iceberg type checks)
CHANGES = [
    ("ADD COLUMN", "ADD COLUMN extra text",
     "UPDATE events SET extra = 'e' || id, updated_at = now() WHERE id IN (1, 2);"
     "INSERT INTO events (n, r, d, v, gone, extra) VALUES (100, 0.5, 1.5, 'new', 'g', 'x')",
     {"extra": "string"}),
    ("DROP COLUMN", "DROP COLUMN gone",
     "UPDATE events SET v = 'dropped', updated_at = now() WHERE id IN (2, 3);"
     "INSERT INTO events (n, r, d, v, extra) VALUES (101, 0.75, 2.5, 'new2', 'y')",
     {}),
    ("int -> bigint", "ALTER COLUMN n TYPE bigint",
     "UPDATE events SET n = n + 3000000000, updated_at = now() WHERE id IN (3, 4);"
     "INSERT INTO events (n, r, d, v) VALUES (-5000000000, 1.25, 3.5, 'big')",
     {"n": "long"}),
    ("real -> double precision", "ALTER COLUMN r TYPE double precision",
     "UPDATE events SET r = r + 0.1, updated_at = now() WHERE id IN (4, 5);"
     "INSERT INTO events (n, r, d, v) VALUES (7, 1e300, 4.5, 'dbl')",
     {"r": "double"}),
    ("numeric(10,2) -> numeric(20,2)", "ALTER COLUMN d TYPE numeric(20,2)",
     "UPDATE events SET d = 123456789012345678.91, updated_at = now() WHERE id IN (5, 6);"
     "INSERT INTO events (n, r, d, v) VALUES (8, 2.25, -999999999999999999.99, 'num')",
     {"d": "decimal(20, 2)"}),
    ("varchar(10) -> varchar(50)", "ALTER COLUMN v TYPE varchar(50)",
     "UPDATE events SET v = repeat('w', 50), updated_at = now() WHERE id IN (6, 7);"
     "INSERT INTO events (n, r, d, v) VALUES (9, 3.25, 5.5, 'a value longer than ten')",
     {"v": "string"}),
]

ARROW_TYPES = {"n": pa.int64(), "r": pa.float64(), "d": pa.decimal128(20, 2)}


def test_each_schema_change_is_read_by_every_reader(pg_db, tmp_path):
    db, lake = pg_db, tmp_path / "lake"
    _create(db)
    history = History(db)
    history.record()
    cdc(db, lake)  # the first run: a full load
    assert_every_reader_matches(db, lake, history, "the first run",
                                {"n": pa.int32(), "r": pa.float32(), "d": pa.decimal128(10, 2)})
    ids = field_ids(lake)
    arrow_types = {"n": pa.int32(), "r": pa.float32(), "d": pa.decimal128(10, 2)}
    widened = {"n": ARROW_TYPES["n"], "r": ARROW_TYPES["r"], "d": ARROW_TYPES["d"]}
    for step, alter, dml, iceberg_types in CHANGES:
        db.execute(f"ALTER TABLE events {alter}")
        db.execute(dml)
        history.record()
        cdc(db, lake)
        assert_appended(lake, step)
        now = field_ids(lake)
        # Old columns keep their ids; an added one gets a new id; a dropped one is gone.
        assert {k: v for k, v in now.items() if k in ids} == {k: ids[k] for k in now if k in ids}
        if step == "ADD COLUMN":
            assert now["extra"] > max(ids.values()), now
        if step == "DROP COLUMN":
            assert "gone" not in now, now
        ids = now
        types = field_types(lake)
        for name, want in iceberg_types.items():
            assert types[name] == want, f"after {step}: {name} is {types[name]}"
        arrow_types.update({k: widened[k] for k in iceberg_types if k in widened})
        assert_every_reader_matches(db, lake, history, step, arrow_types)


def test_a_renamed_column_keeps_its_field_id_and_values(pg_db, tmp_path):
    """Iceberg renames by field id: the column keeps its id under the new name, so rows
    written before the rename show their values under the new name, and the run after the
    rename appends (no full reload)."""
    db, lake = pg_db, tmp_path / "lake"
    _create(db)
    history = History(db)
    history.record()
    cdc(db, lake)
    before = field_ids(lake)
    db.execute("ALTER TABLE events RENAME COLUMN v TO label")
    db.execute("UPDATE events SET label = 'renamed', updated_at = now() WHERE id IN (1, 2);"
               "INSERT INTO events (n, r, d, label, gone) VALUES (50, 0.5, 1.5, 'after', 'g')")
    # Versions recorded before the rename carry their value under the new name.
    for v in history.versions.values():
        v["label"] = v.pop("v")
    history.record()
    cdc(db, lake)
    after = field_ids(lake)
    assert "v" not in after and after["label"] == before["v"], (before, after)
    assert {k: v for k, v in after.items() if k != "label"} == {
        k: v for k, v in before.items() if k != "v"}
    assert_appended(lake, "RENAME COLUMN")
    assert_every_reader_matches(db, lake, history, "RENAME COLUMN", {})
