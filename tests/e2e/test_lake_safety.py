"""The scenarios of issue 13's "Why", each of which lost or doubled rows when
max_timestamps.csv and host clocks were the lake's truth. With the lake's own Iceberg
metadata as the truth, every current (pk, cursor) version stays present exactly once,
through Iceberg and through the plain folders."""
from __future__ import annotations

import os

import iceberg_readers as ir
import pytest
from conftest import lake_files, run_pgtide, start_pgtide
from test_validation import state_path
from test_exactly_once import all_versions, assert_exactly_once, cdc, create_events

FAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"


def _iceberg_versions(lake, table="events") -> list[tuple]:
    t = ir.read_pyiceberg_static(ir.iceberg_table_dir(lake, "public", table))
    return [(r["id"], r["updated_at"]) for r in t.select(["id", "updated_at"]).to_pylist()]


def assert_both_ways_exactly_once(db, lake, committed, table="events"):
    assert_exactly_once(db, lake, table, committed, all_versions(db, table))
    iceberg = _iceberg_versions(lake, table)
    assert len(iceberg) == len(set(iceberg)), "a version is twice in the Iceberg table"
    assert set(iceberg) >= all_versions(db, table)
    plain = set(_plain(lake, table))
    assert set(iceberg) == plain, "Iceberg and the plain folders disagree"


def _plain(lake, table):
    from test_exactly_once import lake_versions
    return lake_versions(lake, table)


def _change(db, i: int) -> None:
    db.execute(f"UPDATE events SET payload = 'v{i}', updated_at = now() WHERE id % 5 = {i % 5}")
    db.execute("INSERT INTO events (payload) SELECT 'n' FROM generate_series(1, 3)")


def test_a_restored_older_state_file_loses_nothing(pg_db, tmp_path):
    db, lake = pg_db, tmp_path / "lake"
    create_events(db, 300)
    cdc(db, lake)
    committed = all_versions(db)
    old = state_path(lake).read_text()
    for i in range(2):
        _change(db, i)
        committed |= all_versions(db)
        cdc(db, lake)
    state_path(lake).write_text(old)  # as the old corrupt-state hint suggested
    _change(db, 2)
    committed |= all_versions(db)
    cdc(db, lake)
    assert_both_ways_exactly_once(db, lake, committed)


def test_a_run_with_the_state_elsewhere_loses_nothing(pg_db, tmp_path):
    db, lake = pg_db, tmp_path / "lake"
    create_events(db, 300)
    cdc(db, lake)
    committed = all_versions(db)
    _change(db, 0)
    committed |= all_versions(db)
    cdc(db, lake, "--csv_file_name", tmp_path / "elsewhere" / "max_timestamps.csv")
    _change(db, 1)
    committed |= all_versions(db)
    cdc(db, lake)
    assert_both_ways_exactly_once(db, lake, committed)


def test_a_deleted_state_file_while_a_table_is_unreadable_keeps_its_files(
        pg_db, pg_reader_role, tmp_path):
    db, lake = pg_db, tmp_path / "lake"
    create_events(db, 100)
    create_events(db, 100, table="other")
    cdc(db, lake)
    before = sorted(lake_files(lake, "public", "other"))
    state_path(lake).unlink()
    db.execute(f"REVOKE SELECT ON other FROM {pg_reader_role.name}")
    r = run_pgtide("run", "--source", pg_reader_role.uri, "--output", lake, "--no-progress",
                   check=None)
    assert r.rc != 0
    assert sorted(lake_files(lake, "public", "other")) == before
    assert len(_iceberg_versions(lake, "other")) == 100


@pytest.mark.skipif(not os.path.exists(FAKETIME), reason="libfaketime (Debian faketime) "
                    "is installed by scripts/install-deps.sh")
def test_a_run_from_a_host_with_a_clock_ahead_loses_nothing(pg_db, tmp_path):
    db, lake = pg_db, tmp_path / "lake"
    create_events(db, 300)
    cdc(db, lake)
    committed = all_versions(db)
    _change(db, 0)
    committed |= all_versions(db)
    # A full load from a host whose clock is 10 minutes ahead (run ids and snapshot times
    # from it), then normal cdc runs.
    env = {"LD_PRELOAD": FAKETIME, "FAKETIME": "+10m", "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
    run_pgtide("run", "--source", db.uri, "--output", lake, "--load-type", "full",
               "--no-progress", env=env)
    for i in range(1, 3):
        _change(db, i)
        committed |= all_versions(db)
        cdc(db, lake)
    assert_both_ways_exactly_once(db, lake, committed)


def test_schema_changes_evolve_the_iceberg_schema(pg_db, tmp_path):
    db, lake = pg_db, tmp_path / "lake"
    db.execute("""CREATE TABLE events (id bigserial PRIMARY KEY, n int, r real,
                  d numeric(6,2), v varchar(5), updated_at timestamptz NOT NULL DEFAULT now());
                  INSERT INTO events (n, r, d, v) SELECT g, g / 2.0, g / 4.0, 'x'
                    FROM generate_series(1, 20) g""")
    cdc(db, lake)
    md = ir.iceberg_table_dir(lake, "public", "events")
    ids = {f["name"]: f["id"] for f in ir.current_schema_fields(md)}
    db.execute("""ALTER TABLE events ADD COLUMN extra text;
                  ALTER TABLE events ALTER COLUMN n TYPE bigint;
                  ALTER TABLE events ALTER COLUMN r TYPE double precision;
                  ALTER TABLE events ALTER COLUMN d TYPE numeric(10,2);
                  ALTER TABLE events ALTER COLUMN v TYPE varchar(50);
                  UPDATE events SET extra = 'e', n = n + 3000000000, updated_at = now()
                   WHERE id <= 5""")
    r = cdc(db, lake)
    assert "cdc" in r.stdout
    fields = {f["name"]: f for f in ir.current_schema_fields(md)}
    # Same ids for the old columns (evolved in place), a new one for the new column.
    assert all(fields[n]["id"] == i for n, i in ids.items()), (ids, fields)
    assert fields["n"]["type"] == "long" and fields["r"]["type"] == "double"
    assert fields["d"]["type"] == "decimal(10, 2)"
    assert fields["extra"]["id"] > max(ids.values())
    t = ir.read_pyiceberg_static(md)
    newest = {}
    for row in t.to_pylist():
        if row["id"] not in newest or row["updated_at"] > newest[row["id"]]["updated_at"]:
            newest[row["id"]] = row
    pg = {r[0]: r for r in db.query("SELECT id, n, extra FROM events")}
    assert {k: (v["n"], v["extra"]) for k, v in newest.items()} == {
        k: (v[1], v[2]) for k, v in pg.items()}


def _newest_by_id(table) -> dict:
    newest = {}
    for row in table.to_pylist():
        if row["id"] not in newest or row["updated_at"] > newest[row["id"]]["updated_at"]:
            newest[row["id"]] = row
    return newest


def test_renamed_columns_keep_their_field_ids(pg_db, tmp_path):
    """RENAME COLUMN keeps the attnum in PostgreSQL and the field id in Iceberg: old rows'
    values appear under the new name, with no reload; swapped names follow the columns,
    and a column dropped and added again under its old name is a new field."""
    db, lake = pg_db, tmp_path / "lake"
    db.execute("""CREATE TABLE events (id bigserial PRIMARY KEY, a int, b int, c text,
                  updated_at timestamptz NOT NULL DEFAULT now());
                  INSERT INTO events (a, b, c) SELECT g, -g, 'c' || g
                    FROM generate_series(1, 20) g""")
    cdc(db, lake)
    md = ir.iceberg_table_dir(lake, "public", "events")
    ids = {f["name"]: f["id"] for f in ir.current_schema_fields(md)}
    db.execute("""ALTER TABLE events RENAME COLUMN a TO tmp;
                  ALTER TABLE events RENAME COLUMN b TO a;
                  ALTER TABLE events RENAME COLUMN tmp TO b;
                  ALTER TABLE events RENAME COLUMN c TO label;
                  UPDATE events SET label = 'new', updated_at = now() WHERE id <= 3""")
    r = cdc(db, lake)
    assert "renamed" in r.stderr + r.stdout, r.stderr
    fields = {f["name"]: f["id"] for f in ir.current_schema_fields(md)}
    assert fields["b"] == ids["a"] and fields["a"] == ids["b"], (ids, fields)
    assert fields["label"] == ids["c"]
    assert ir.snapshots(md)[-1]["summary"]["operation"] == "append", "reloaded in full"
    pg = {r[0]: r[1:] for r in db.query("SELECT id, a, b, label FROM events")}
    newest = _newest_by_id(ir.read_pyiceberg_static(md))
    assert {k: (v["a"], v["b"], v["label"]) for k, v in newest.items()} == pg

    db.execute("""ALTER TABLE events DROP COLUMN label;
                  ALTER TABLE events ADD COLUMN label text;
                  UPDATE events SET label = 'again', updated_at = now() WHERE id = 4""")
    cdc(db, lake)
    fields = {f["name"]: f["id"] for f in ir.current_schema_fields(md)}
    assert fields["label"] > max(ids.values()), "a re-added column took the old field id"
    newest = _newest_by_id(ir.read_pyiceberg_static(md))
    pg = {r[0]: r[1] for r in db.query("SELECT id, label FROM events")}
    # Rows not rewritten since: NULL, as in PostgreSQL, not their old label.
    assert {k: v["label"] for k, v in newest.items()} == pg


def test_four_processes_committing_to_one_lake_double_nothing(pg_db, tmp_path):
    db, lake = pg_db, tmp_path / "lake"
    tables = ["events", "t2", "t3"]
    for t in tables:
        create_events(db, 200, table=t)
    committed = {t: all_versions(db, t) for t in tables}
    for round_ in range(2):
        for t in tables:
            db.execute(f"UPDATE {t} SET updated_at = now() WHERE id % 4 = {round_}")
            db.execute(f"INSERT INTO {t} (payload) VALUES ('r{round_}')")
            committed[t] |= all_versions(db, t)
        procs = [start_pgtide("run", "--source", db.uri, "--output", lake, "--no-progress",
                              "--lock-wait", "60s") for _ in range(4)]
        for p in procs:
            out, err = p.communicate(timeout=180)
            assert p.returncode == 0, err
    for t in tables:
        assert_both_ways_exactly_once(db, lake, committed[t], t)
