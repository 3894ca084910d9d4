"""How rows reach their files: dates interleaved through the whole table (spilled to local
disk, grouped by date, written as one file per date and spill generation), and many small tables committed as
groups by the committer thread. Every row is compared with PostgreSQL."""

from __future__ import annotations

import pyarrow.parquet as pq

from conftest import (assert_lake_equals_pg, lake_files, pg_max_cursor, read_state,
                      run_pgtide, table_path)


def test_interleaved_dates_spill_and_come_back_whole(pg_db, tmp_path):
    db = pg_db
    # 120,000 rows whose dates cycle through 40 days in physical order: every batch touches
    # every date, as in a table after years of updates.
    db.execute("""
        CREATE TABLE events (id bigint PRIMARY KEY, kind text, amount numeric(12,2),
                             payload jsonb, updated_at timestamptz NOT NULL);
        INSERT INTO events
        SELECT g, (ARRAY['a','b','c'])[1 + g % 3], g / 100.0,
               jsonb_build_object('g', g, 'tag', md5(g::text)),
               timestamptz '2024-05-01 00:00:00+00' + make_interval(days => g % 40, secs => g / 40)
          FROM generate_series(1, 120000) AS g;""")
    lake = tmp_path / "lake"
    # The smallest budget, 8 MiB: windows of 2 MiB, so the table goes through several
    # spill files.
    r = run_pgtide("run", "--source", db.uri, "--output", lake, "--load-type", "full",
                   "--memory-limit-mb", "8", "--verbose")
    assert r.stderr.count("spilled a window") + r.stdout.count("spilled a window") >= 3, (
        r.stdout + r.stderr)
    assert_lake_equals_pg(db, lake, "public", "events", "id")
    files = lake_files(lake, "public", "events")
    # One file per date, each with its rows together (no tiny row groups per window), and
    # no spill file left behind.
    assert len(files) == 40 and len({f.split("/")[0] for f in files}) == 40
    root = table_path(lake, "public", "events")
    for f in files:
        meta = pq.ParquetFile(f"{root}/{f}").metadata
        assert meta.num_row_groups == 1 and meta.num_rows == 3000, (f, meta)
    leftovers = [p for p in (lake / "public" / "events").rglob("*") if p.name.startswith(".")]
    assert leftovers == []

    # A cdc run afterwards sees the same lake and adds only the changed rows.
    db.execute("UPDATE events SET amount = -1, updated_at = now() WHERE id % 97 = 0")
    run_pgtide("run", "--source", db.uri, "--output", lake, "--load-type", "cdc",
               "--memory-limit-mb", "8")
    state = read_state((lake / "_pgtide" / "max_timestamps.csv").read_text())
    assert state["public.events"]["max_updated_at"] == pg_max_cursor(db, "public", "events")


def test_interleaved_spill_is_written_out_in_generations(pg_db, tmp_path):
    # Issue 16: the spill of interleaved dates is bounded. With --memory-limit-mb 8 a
    # generation holds at most 24 MiB of (uncompressed) spill files; ~45 MiB of rows
    # make at least two, each written out while the scan goes on as one
    # file per date. Every row comes back once, each date's files hold its rows in order,
    # and no spill file is left behind.
    db = pg_db
    db.execute("""
        CREATE TABLE wide_events (id bigint PRIMARY KEY, body text, updated_at timestamptz NOT NULL);
        INSERT INTO wide_events
        SELECT g, md5(g::text) || md5((g + 1)::text) || md5((g + 2)::text) || md5((g + 3)::text),
               timestamptz '2024-05-01 00:00:00+00' + make_interval(days => g % 30, secs => g / 30)
          FROM generate_series(1, 300000) AS g;""")
    lake = tmp_path / "lake"
    r = run_pgtide("run", "--source", db.uri, "--output", lake, "--load-type", "full",
                   "--memory-limit-mb", "8", "--verbose")
    log = r.stdout + r.stderr
    generations = log.count("writing out a spill generation")
    assert generations >= 1, log
    assert_lake_equals_pg(db, lake, "public", "wide_events", "id")
    files = lake_files(lake, "public", "wide_events")
    by_date = {}
    for f in files:
        by_date.setdefault(f.split("/")[0], []).append(f)
    assert len(by_date) == 30
    root = table_path(lake, "public", "wide_events")
    for date, date_files in by_date.items():
        # One file per generation that held the date: the sealed ones and the last one.
        assert 2 <= len(date_files) <= generations + 1, (date, date_files)
        assert sum(pq.ParquetFile(f"{root}/{f}").metadata.num_rows for f in date_files) == 10000
    leftovers = [p for p in (lake / "public" / "wide_events").rglob("*")
                 if p.name.startswith(".")]
    assert leftovers == []


def test_many_small_tables_commit_in_groups(pg_db, tmp_path):
    db = pg_db
    stmts = []
    for i in range(60):
        stmts.append(f"""
            CREATE TABLE t{i:02d} (id int PRIMARY KEY, v text, updated_at timestamptz NOT NULL);
            INSERT INTO t{i:02d} SELECT g, 'v' || g || '-{i}',
                   timestamptz '2024-01-01 00:00:00+00' + make_interval(hours => g * {i + 1})
              FROM generate_series(1, {50 + i}) AS g;""")
    db.execute("\n".join(stmts))
    lake = tmp_path / "lake"
    state_path = lake / "_pgtide" / "max_timestamps.csv"
    for jobs in ("1", "3"):
        run_pgtide("run", "--source", db.uri, "--output", lake, "--load-type", "full",
                   "--jobs", jobs)
        state = read_state(state_path.read_text())
        assert len(state) == 60
        for i in range(60):
            name = f"t{i:02d}"
            assert state[f"public.{name}"]["max_updated_at"] == pg_max_cursor(db, "public", name)
            assert_lake_equals_pg(db, lake, "public", name, "id", duck=(i % 10 == 0))
