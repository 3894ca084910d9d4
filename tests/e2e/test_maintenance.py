"""Compaction (issue 13, "Maintenance"): a partition that cdc runs grew a file each is
rewritten into one file as an Iceberg "replace" snapshot; every row version stays exactly
once through Iceberg and through the plain folders, and the mark does not move."""
from __future__ import annotations

import json

import iceberg_readers as ir
from conftest import lake_files, run_pgtide
from test_exactly_once import all_versions, assert_exactly_once, cdc, create_events


def _iceberg_versions(lake) -> list[tuple]:
    t = ir.read_pyiceberg_static(ir.iceberg_table_dir(lake, "public", "events"))
    return [(r["id"], r["updated_at"]) for r in t.select(["id", "updated_at"]).to_pylist()]


def _history(lake) -> list[dict]:
    r = run_pgtide("history", "--output", lake, "--table", "public.events", "--json")
    return json.loads(r.stdout)


def _grow(db, lake, runs: int, *extra) -> set:
    committed = set(all_versions(db))
    for i in range(runs):
        db.execute(f"UPDATE events SET payload = 'v{i}', updated_at = now() "
                   f"WHERE id % 7 = {i % 7}")
        db.execute("INSERT INTO events (payload) VALUES ('new')")
        committed |= all_versions(db)
        cdc(db, lake, *extra)
    return committed


def test_maintain_compacts_a_crowded_partition_exactly_once(pg_db, tmp_path):
    db, lake = pg_db, tmp_path / "lake"
    create_events(db, 200)
    cdc(db, lake, "--no-maintenance")
    committed = _grow(db, lake, 10, "--no-maintenance")
    before = len(lake_files(lake, "public", "events"))
    assert before >= 11
    mark = _history(lake)[-1]["mark"]
    run_pgtide("maintain", "--output", lake, "--compact-min-files", "4")
    after = lake_files(lake, "public", "events")
    assert len(after) < before / 3, after
    assert any("/compact-" in f for f in after)
    history = _history(lake)
    assert history[-1]["operation"] == "replace" and history[-1]["mark"] == mark
    # The rewritten files went with the snapshots that read them.
    assert all(h["sequence_number"] >= history[-1]["sequence_number"] for h in history)
    assert_exactly_once(db, lake, "events", committed, all_versions(db))
    iceberg = _iceberg_versions(lake)
    assert len(iceberg) == len(set(iceberg)) and set(iceberg) >= all_versions(db)
    # Loads go on on top of the compaction, and nothing is read twice.
    committed |= _grow(db, lake, 2)
    assert_exactly_once(db, lake, "events", committed, all_versions(db))
    assert sorted(_iceberg_versions(lake)) == sorted(
        (v for v in set(_iceberg_versions(lake))))


def test_runs_compact_at_their_end_unless_disabled(pg_db, tmp_path):
    db, lake = pg_db, tmp_path / "lake"
    create_events(db, 50)
    cdc(db, lake)
    committed = _grow(db, lake, 6, "--compact-min-files", "4")
    ops = [h["operation"] for h in _history(lake)]
    assert "replace" in ops, ops
    assert len(lake_files(lake, "public", "events")) <= 4
    assert_exactly_once(db, lake, "events", committed, all_versions(db))
