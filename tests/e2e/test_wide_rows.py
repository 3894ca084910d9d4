"""Issue 12, item 10: values far larger than --memory-limit-mb round-trip intact.

Memory itself is measured by the benchmark (`make bench`: 100 MB and 300 MB values), not
here; this checks that the wide-row path (a batch of one row, written once the writer is
idle, without dictionary or statistics) loses and changes nothing.
"""

from __future__ import annotations

import hashlib

import pyarrow.parquet as pq

from conftest import lake_files, read_lake_arrow, run_pgtide, table_path

MB = 1 << 20


def _fill(db, table: str, sizes: dict[int, int]) -> None:
    """Rows of a text and a bytea column of the given sizes (id -> bytes), all on one
    date, so the wide rows share a partition (and a file) with narrow ones."""
    db.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, note text, body text, "
               "blob bytea, updated_at timestamptz NOT NULL DEFAULT '2024-05-01 12:00+00')")
    for i, n in sizes.items():
        # md5 hex text: 32 bytes per step, not compressible to nothing.
        db.execute(
            f"INSERT INTO {table} (id, note, body, blob) SELECT %s, 'row ' || %s, "
            "string_agg(md5(g::text || %s::text), ''), "
            "decode(string_agg(md5(g::text || 'b' || %s::text), ''), 'hex') "
            "FROM generate_series(1, greatest(1, %s / 32)) g",
            (i, i, i, i, n))


def test_wide_values_round_trip_under_a_small_memory_limit(pg_db, tmp_path):
    # Narrow rows around two 30 MB values (text and bytea), with a memory limit of 8 MiB:
    # each wide row is a batch of its own and forces a new file.
    sizes = {1: 100, 2: 100, 3: 30 * MB, 4: 100, 5: 12 * MB, 6: 100}
    _fill(pg_db, "wide", sizes)
    out = tmp_path / "lake"
    run_pgtide("run", "--source", pg_db.uri, "--output", out, "--load-type", "full",
               "--memory-limit-mb", "8", "--no-progress")

    expected = {r[0]: r[1:] for r in pg_db.query(
        "SELECT id, note, md5(body), md5(blob), octet_length(body), octet_length(blob) "
        "FROM wide")}
    t = read_lake_arrow(out, "public", "wide")
    assert t.num_rows == len(sizes)
    got = {}
    for row in t.select(["id", "note", "body", "blob"]).to_pylist():
        body, blob = row["body"], row["blob"]
        got[row["id"]] = (row["note"], hashlib.md5(body.encode()).hexdigest(),
                          hashlib.md5(blob).hexdigest(), len(body.encode()), len(blob))
    assert got == expected
    # The wide columns carry no dictionary and no statistics; narrow columns keep theirs.
    files = lake_files(out, "public", "wide")
    assert files
    for f in files:
        md = pq.ParquetFile(f"{table_path(out, 'public', 'wide')}/{f}").metadata
        names = [md.schema.column(i).name for i in range(md.num_columns)]
        for rg in range(md.num_row_groups):
            col = md.row_group(rg).column(names.index("body"))
            if col.total_uncompressed_size > 8 * MB:
                assert not col.is_stats_set
                assert "PLAIN_DICTIONARY" not in col.encodings
                assert "RLE_DICTIONARY" not in col.encodings


def test_wide_values_through_the_interleaved_spill_path(pg_db, tmp_path):
    # Dates interleaved in every batch: narrow rows go through the spill window and back,
    # and a wide row of one of those dates (a batch of its own) joins them at the end.
    pg_db.execute("CREATE TABLE spilled (id int PRIMARY KEY, body text, "
                  "updated_at timestamptz NOT NULL)")
    pg_db.execute("INSERT INTO spilled SELECT g, repeat(md5(g::text), 8), "
                  "'2024-01-01'::timestamptz + (g % 40) * interval '1 day' "
                  "FROM generate_series(1, 20000) g")
    pg_db.execute("INSERT INTO spilled SELECT 0, string_agg(md5(g::text), ''), "
                  "'2024-01-05' FROM generate_series(1, 6 * 1024 * 1024 / 32) g")
    out = tmp_path / "lake"
    run_pgtide("run", "--source", pg_db.uri, "--output", out, "--load-type", "full",
               "--memory-limit-mb", "8", "--no-progress")
    t = read_lake_arrow(out, "public", "spilled")
    assert t.num_rows == 20001
    lake = {r["id"]: hashlib.md5(r["body"].encode()).hexdigest()
            for r in t.select(["id", "body"]).to_pylist()}
    pg = dict(pg_db.query("SELECT id, md5(body) FROM spilled"))
    assert lake == pg
