"""Compaction (issue 13, "Maintenance"): a partition that cdc runs grew a file each is
rewritten into one file as an Iceberg "replace" snapshot; every row version stays exactly
once through Iceberg and through the plain folders, and the mark does not move."""
from __future__ import annotations

import json
import os
import pathlib
import time

import iceberg_readers as ir
from conftest import lake_files, run_pgtide, table_path
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


def test_snapshots_past_the_retention_expire_and_time_travel_stays_within_it(
        pg_db, tmp_path):
    """cdc snapshots are kept for --snapshot-retention (time travel), then expired with
    the manifest lists only they used; the current rows never change."""
    db, lake = pg_db, tmp_path / "lake"
    create_events(db, 50)
    cdc(db, lake, "--no-maintenance")
    committed = _grow(db, lake, 3, "--no-maintenance")
    md = ir.iceberg_table_dir(lake, "public", "events")
    assert len(ir.snapshots(md)) == 4
    metadata_dir = md / "metadata" if (md / "metadata").is_dir() else md
    lists_before = {p.name for p in metadata_dir.rglob("snap-*.avro")}
    # Within the default retention (5 days) maintain keeps every snapshot.
    run_pgtide("maintain", "--output", lake, "--compact-min-files", "1000")
    assert len(ir.snapshots(md)) == 4
    run_pgtide("maintain", "--output", lake, "--compact-min-files", "1000",
               "--snapshot-retention", "0")
    kept = ir.snapshots(md)
    assert len(kept) == 1, kept
    lists_after = {p.name for p in metadata_dir.rglob("snap-*.avro")}
    assert len(lists_after) < len(lists_before), (lists_before, lists_after)
    assert_exactly_once(db, lake, "events", committed, all_versions(db))
    iceberg = _iceberg_versions(lake)
    assert len(iceberg) == len(set(iceberg)) and set(iceberg) >= all_versions(db)
    # A run's own sweep applies the same retention; the next cdc goes on top.
    committed |= _grow(db, lake, 1, "--snapshot-retention", "0")
    assert len(ir.snapshots(md)) <= 2
    assert_exactly_once(db, lake, "events", committed, all_versions(db))


def test_orphans_are_removed_only_past_the_grace_period(pg_db, tmp_path):
    """Leftovers of a compaction that died (compact-*.parquet) and of a commit that died
    (manifests, metadata) wait out --orphan-grace, since `pgtide maintain` cannot know
    whether a commit is still in progress; then they go. Foreign files stay."""
    db, lake = pg_db, tmp_path / "lake"
    create_events(db, 50)
    committed = _grow(db, lake, 1)
    md = ir.iceberg_table_dir(lake, "public", "events")
    metadata_dir = ir.resolve_metadata(md).parent
    first = sorted(lake_files(lake, "public", "events"))[0]
    partition = (pathlib.Path(table_path(lake, "public", "events")) / first).parent
    leftovers = [partition / "compact-20260101T000000Z-abc123-00000.parquet",
                 metadata_dir / "0badc0de-m0.avro",
                 metadata_dir / "00000-0badc0de.metadata.json"]
    foreign = partition / "written-by-someone-else.parquet"
    for f in leftovers + [foreign]:
        f.write_bytes(b"x")
    run_pgtide("maintain", "--output", lake)
    assert all(f.exists() for f in leftovers), "deleted within the grace period"
    two_days_ago = time.time() - 2 * 86400
    for f in leftovers + [foreign]:
        os.utime(f, (two_days_ago, two_days_ago))
    run_pgtide("maintain", "--output", lake)
    assert not any(f.exists() for f in leftovers)
    assert foreign.exists()
    foreign.unlink()
    assert_exactly_once(db, lake, "events", committed, all_versions(db))
    assert set(_iceberg_versions(lake)) >= all_versions(db)
