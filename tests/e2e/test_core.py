"""Issue 3 acceptance on a local output folder: full and cdc loads compared row by row with
PostgreSQL, read back with pyarrow and DuckDB, under a non-UTC server and client time zone."""

from __future__ import annotations

import datetime as dt
import json
import os
import pathlib
import re

import pytest

from conftest import (REPO, all_parquet, assert_lake_equals_pg, assert_lake_history,
                      lake_files, pg_max_cursor, read_lake_arrow, read_state, run_ids_of,
                      run_pgtide, snapshot, table_path)

ORDERS_SQL = REPO / "tests" / "fixtures" / "orders.sql"

# Every type issue 3 names, plus one without a native mapping (inet -> text, with a warning).
ALL_TYPES_DDL = """
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE customers (
  id          integer PRIMARY KEY,
  small       smallint,
  big         bigint,
  name        text,
  email       varchar(100),
  code        char(3),
  balance     numeric(12,2),
  huge        numeric(40,5),
  anyprec     numeric,
  score       real,
  ratio       double precision,
  active      boolean,
  born        date,
  wakes       time,
  local_ts    timestamp,
  uid         uuid,
  photo       bytea,
  doc         json,
  meta        jsonb,
  feeling     mood,
  tags        text[],
  scores      integer[],
  addr        inet,
  updated_at  timestamptz
);
"""

CUSTOMER_ROW = """
INSERT INTO customers
SELECT g, (g % 300)::smallint, g::bigint * 1000000007, 'name ' || g || ' é ✓', 'user' || g || '@x.org',
       chr(65 + g % 26) || 'bc', (g * 12.34)::numeric(12,2), (g::numeric ^ 7) / 3,
       g / 7.0, g / 3.0::real, g / 9.0::double precision, g % 2 = 0,
       date '1990-01-01' + g, time '00:00:00' + make_interval(mins => g * 7),
       timestamp '2024-03-09 22:00:00' + make_interval(hours => g * 5),
       md5(g::text)::uuid, decode(md5(g::text), 'hex'),
       json_build_object('n', g, 'list', json_build_array(g, 'x')),
       jsonb_build_object('k', g, 'nested', jsonb_build_object('ok', g % 2 = 0)),
       (ARRAY['sad','ok','happy']::mood[])[1 + g % 3],
       ARRAY['t' || g, NULL, 'u,"v'], ARRAY[g, g + 1],
       ('10.0.' || (g % 256) || '.1')::inet,
       -- server TimeZone is America/New_York: 22:30 local is the next UTC day
       timestamptz '2024-03-09 22:30:00' + make_interval(hours => g * 5)
  FROM generate_series(LO, HI) AS g
"""


def customer_rows(lo: int, hi: int) -> str:
    return CUSTOMER_ROW.replace("LO", str(lo)).replace("HI", str(hi))


def setup_core_tables(db) -> None:
    db.execute(ALL_TYPES_DDL)
    db.execute(customer_rows(1, 40))
    # A row of NULLs (every nullable column) and a NULL cursor.
    db.execute("INSERT INTO customers (id) VALUES (41)")
    db.execute("INSERT INTO customers (id, name, updated_at) VALUES (42, 'no cursor yet', NULL)")
    db.execute("""
        CREATE TABLE orders_small (
          id bigint PRIMARY KEY, customer_id int NOT NULL, amount numeric(10,2),
          status text, updated_at timestamptz NOT NULL DEFAULT now());
        INSERT INTO orders_small
        SELECT g, g % 40 + 1, g * 1.25, CASE WHEN g % 3 = 0 THEN 'paid' ELSE 'new' END,
               timestamptz '2024-06-30 20:00:00-04' + make_interval(mins => g * 37)
          FROM generate_series(1, 500) AS g;""")
    # No cursor column: reloaded in full on every run.
    db.execute("""
        CREATE TABLE notes (id int PRIMARY KEY, body text, created timestamptz);
        INSERT INTO notes SELECT g, 'note ' || g, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 day'
          FROM generate_series(1, 25) AS g;""")
    db.execute("CREATE VIEW customer_names AS SELECT id, name FROM customers")


def summary_files(log_dir) -> list[pathlib.Path]:
    return sorted(pathlib.Path(log_dir).glob("*.summary.json"))


def latest_summary(log_dir) -> dict:
    files = summary_files(log_dir)
    assert files, f"no summary json in {log_dir}"
    summaries = [json.loads(f.read_text()) for f in files]
    return max(summaries, key=lambda s: s["started_at"])


def tables_of(summary: dict) -> dict[str, dict]:
    return {t["table"]: t for t in summary["tables"]}


# ------------------------------------------------------------------------------------------


def test_full_then_cdc(pg_db, tmp_path):
    db = pg_db
    setup_core_tables(db)
    lake = tmp_path / "lake"
    state_path = lake / "_pgtide" / "max_timestamps.csv"

    r = run_pgtide("run", "--source", db.uri, "--output", lake, "--load-type", "full",
                   "--jobs", "3")
    assert "public.customers" in r.stdout and "public.notes" in r.stdout

    # Views are not extracted; every table is, each compared row by row.
    assert sorted(p.name for p in (lake / "public").iterdir()) == [
        "customers", "notes", "orders_small"]
    assert_lake_equals_pg(db, lake, "public", "customers", "id")
    assert_lake_equals_pg(db, lake, "public", "orders_small", "id")
    assert_lake_equals_pg(db, lake, "public", "notes", "id")

    # Types as issue 3 specifies them.
    schema = read_lake_arrow(lake, "public", "customers").schema
    t = {f.name: str(f.type) for f in schema}
    assert t["balance"] == "decimal128(12, 2)"
    assert t["huge"] == "string" and t["anyprec"] == "string"  # > 38 digits / unconstrained
    assert t["updated_at"] == "timestamp[us, tz=UTC]"
    assert t["local_ts"] == "timestamp[us]"
    # time is int64 microseconds since midnight, so Spark reads it too (the README type map)
    assert t["born"] == "date32[day]" and t["wakes"] == "int64"
    assert t["tags"] == "list<element: string>" and t["scores"] == "list<element: int32>"
    assert t["addr"] == "string"

    # NULL cursors land in the NULL partition on a full load.
    null_files = [f for f in lake_files(lake, "public", "customers")
                  if f.startswith("updated_at_date=__HIVE_DEFAULT_PARTITION__/")]
    assert null_files, lake_files(lake, "public", "customers")
    # The no-cursor table writes straight into its folder.
    assert all("/" not in f for f in lake_files(lake, "public", "notes"))

    state1 = read_state(state_path.read_text())
    assert set(state1) == {"public.customers", "public.orders_small", "public.notes"}
    for name in ("customers", "orders_small"):
        assert state1[f"public.{name}"]["max_updated_at"] == pg_max_cursor(db, "public", name)
    assert state1["public.notes"]["max_updated_at"] == ""

    log_dir = lake / "_pgtide" / "logs"
    log_text = "\n".join(p.read_text() for p in log_dir.glob("*.log"))
    assert "customers" in log_text and "inet" in log_text  # text-fallback warning names it

    full_run = run_ids_of(lake_files(lake, "public", "customers"))
    assert len(full_run) == 1
    before = {n: set(lake_files(lake, "public", n)) for n in ("customers", "orders_small", "notes")}

    # Changes: inserts, updates (cursor bumped), a new table, changes to the no-cursor table.
    db.execute(customer_rows(100, 104).replace(
        "timestamptz '2024-03-09 22:30:00' + make_interval(hours => g * 5)", "now()"))
    db.execute("UPDATE customers SET balance = balance + 1, meta = meta || '{\"upd\": true}', "
               "updated_at = now() WHERE id IN (3, 7, 41)")
    db.execute("UPDATE customers SET name = 'now has a cursor', updated_at = now() WHERE id = 42")
    db.execute("UPDATE orders_small SET status = 'shipped', updated_at = now() WHERE id % 50 = 0")
    db.execute("INSERT INTO orders_small (id, customer_id, amount, status) VALUES (1001, 1, 9.99, 'new')")
    db.execute("UPDATE notes SET body = body || ' (edited)' WHERE id <= 3")
    db.execute("DELETE FROM notes WHERE id = 25")
    db.execute("""
        CREATE TABLE late_table (id int PRIMARY KEY, v text, updated_at timestamptz DEFAULT now());
        INSERT INTO late_table (id, v) SELECT g, 'v' || g FROM generate_series(1, 15) g;""")
    changed_customers = {(r[0], r[1]) for r in db.query(
        "SELECT id, updated_at FROM customers WHERE id >= 100 OR id IN (3, 7, 41, 42)")}
    changed_orders = {(r[0], r[1]) for r in db.query(
        "SELECT id, updated_at FROM orders_small WHERE id % 50 = 0 OR id = 1001")}
    assert len(changed_customers) == 9 and len(changed_orders) == 11

    r = run_pgtide("run", "--source", db.uri, "--output", lake, "--jobs", "2")  # cdc default
    summary = tables_of(latest_summary(log_dir))
    assert summary["public.customers"]["mode"] == "cdc"
    assert summary["public.customers"]["rows"] == 9
    assert summary["public.orders_small"]["mode"] == "cdc"
    assert summary["public.orders_small"]["rows"] == 11
    assert summary["public.late_table"]["mode"] == "full"  # no stored mark: first run
    assert summary["public.notes"]["mode"] == "full"
    assert all(t["status"] == "ok" for t in summary.values())

    # The cdc run wrote exactly the changed rows, in files of its own.
    for name, changed in (("customers", changed_customers), ("orders_small", changed_orders)):
        new_files = set(lake_files(lake, "public", name)) - before[name]
        assert before[name] <= set(lake_files(lake, "public", name)), "cdc deleted files"
        assert len(run_ids_of(sorted(new_files))) == 1
        import pyarrow.parquet as pq
        written = set()
        for f in new_files:
            tbl = pq.read_table(os.path.join(table_path(lake, "public", name), f))
            for row in tbl.select(["id", "updated_at"]).to_pylist():
                written.add((row["id"], row["updated_at"]))
        assert written == changed, f"{name}: cdc wrote {sorted(written - changed)[:5]} " \
                                   f"and missed {sorted(changed - written)[:5]}"

    # Each (pk, updated_at) version once; the newest version of every row equals PostgreSQL.
    assert_lake_history(db, lake, "public", "customers", "id")
    assert_lake_history(db, lake, "public", "orders_small", "id")
    assert_lake_equals_pg(db, lake, "public", "late_table", "id")
    # The no-cursor table: reloaded in full, the old files replaced.
    assert_lake_equals_pg(db, lake, "public", "notes", "id")
    notes_files = lake_files(lake, "public", "notes")
    assert not set(notes_files) & before["notes"]
    assert len(run_ids_of(notes_files)) == 1
    assert re.search(r"table public\.notes has no column \"updated_at\"", "\n".join(
        p.read_text() for p in log_dir.glob("*.log")))

    state2 = read_state(state_path.read_text())
    assert set(state2) == {"public.customers", "public.orders_small", "public.notes",
                           "public.late_table"}
    for name in ("customers", "orders_small", "late_table"):
        assert state2[f"public.{name}"]["max_updated_at"] == pg_max_cursor(db, "public", name)
        assert state2[f"public.{name}"]["max_updated_at"] > state1.get(
            f"public.{name}", {}).get("max_updated_at", "")

    # Another cdc run right away (same second, often): nothing new, nothing swept away.
    files_after_cdc = {n: lake_files(lake, "public", n) for n in ("customers", "orders_small")}
    state_bytes = state_path.read_bytes()
    run_pgtide("run", "--source", db.uri, "--output", lake, "--exclude", "public.notes")
    assert state_path.read_bytes() == state_bytes
    for name, files in files_after_cdc.items():
        assert lake_files(lake, "public", name) == files
        assert_lake_history(db, lake, "public", name, "id", duck=False)

    # A second full load replaces every earlier file of the table.
    run_pgtide("run", "--source", db.uri, "--output", lake, "--load-type", "full")
    for name in ("customers", "orders_small", "late_table", "notes"):
        assert len(run_ids_of(lake_files(lake, "public", name))) == 1, name
        assert_lake_equals_pg(db, lake, "public", name, "id")


def test_each_run_keeps_its_own_log(pg_db, tmp_path):
    """Runs that start within the same second must not overwrite each other's log."""
    pg_db.execute("CREATE TABLE t (id int PRIMARY KEY, updated_at timestamptz DEFAULT now());"
                  "INSERT INTO t SELECT g FROM generate_series(1, 3) g")
    lake = tmp_path / "lake"
    for _ in range(3):
        run_pgtide("run", "--source", pg_db.uri, "--output", lake)
    logs = sorted((lake / "_pgtide" / "logs").glob("*.log"))
    summaries = summary_files(lake / "_pgtide" / "logs")
    assert len(logs) == 3 and len(summaries) == 3, [p.name for p in logs]
    assert all(p.name.startswith("pgtide-dev-") for p in logs)
    assert len({json.loads(s.read_text())["run_id"] for s in summaries}) == 3


def test_null_cursor_rows_and_no_cursor_table(pg_db, tmp_path):
    db = pg_db
    db.execute("""
        CREATE TABLE items (id int PRIMARY KEY, v text, updated_at timestamptz);
        INSERT INTO items VALUES (1, 'a', NULL), (2, 'b', '2024-02-29 23:59:59.999999-05'),
                                 (3, 'c', NULL), (4, 'd', '2024-03-01 00:00:00+00');
        CREATE TABLE plain (id int PRIMARY KEY, v text);
        INSERT INTO plain SELECT g, 'p' || g FROM generate_series(1, 10) g;""")
    lake = tmp_path / "lake"
    run_pgtide("run", "--source", db.uri, "--output", lake)  # cdc, first run -> full
    files = lake_files(lake, "public", "items")
    parts = sorted({f.split("/")[0] for f in files})
    assert parts == ["updated_at_date=2024-03-01", "updated_at_date=__HIVE_DEFAULT_PARTITION__"]
    tbl = assert_lake_equals_pg(db, lake, "public", "items", "id")
    by_id = {r["id"]: r for r in tbl.to_pylist()}
    assert by_id[1]["updated_at_date"] is None and by_id[3]["updated_at_date"] is None
    assert by_id[2]["updated_at_date"] == "2024-03-01"  # 23:59:59 EST is 04:59:59 UTC
    state = read_state((lake / "_pgtide" / "max_timestamps.csv").read_text())
    assert state["public.items"]["max_updated_at"] == "2024-03-01 04:59:59.999999+00"

    first = lake_files(lake, "public", "plain")
    db.execute("UPDATE plain SET v = v || '!' WHERE id = 5; INSERT INTO plain VALUES (11, 'new')")
    r = run_pgtide("run", "--source", db.uri, "--output", lake)
    assert "has no column \"updated_at\"" in r.stderr
    second = lake_files(lake, "public", "plain")
    assert not set(first) & set(second), "old files of the no-cursor table were not replaced"
    assert_lake_equals_pg(db, lake, "public", "plain", "id")
    # items had no change: nothing written, its line is unchanged.
    assert lake_files(lake, "public", "items") == files
    assert read_state((lake / "_pgtide" / "max_timestamps.csv").read_text())["public.items"] \
        == state["public.items"]


def test_quoted_mixed_case_identifiers(pg_db, tmp_path):
    db = pg_db
    db.execute("""
        CREATE SCHEMA "Sales";
        CREATE TABLE "Sales"."Order Items" (
          "ID" int PRIMARY KEY, "select" text, "Mixed Case" numeric(8,3), "from" int,
          updated_at timestamptz);
        INSERT INTO "Sales"."Order Items"
        SELECT g, 'sel ' || g, g / 8.0, g * 2,
               timestamptz '2024-11-03 01:30:00' + make_interval(hours => g)
          FROM generate_series(1, 30) g;
        CREATE TABLE "Sales"."Quote""d" (id int PRIMARY KEY, "user" text, updated_at timestamptz);
        INSERT INTO "Sales"."Quote""d" VALUES (1, 'x', now() - interval '1 day'), (2, 'y', NULL);
        CREATE TABLE "Sales"."lower" (id int PRIMARY KEY, updated_at timestamptz);
        CREATE TABLE public.not_selected (id int PRIMARY KEY);""")
    lake = tmp_path / "lake"
    run_pgtide("run", "--source", db.uri, "--output", lake, "--schema", "Sales")
    assert sorted(p.name for p in lake.iterdir() if p.name not in ("_pgtide", "_iceberg")) == ["Sales"]
    # ("lower" is empty: it may or may not get a folder)
    assert {p.name for p in (lake / "Sales").iterdir()} - {"lower"} == {"Order Items", 'Quote"d'}
    tbl = assert_lake_equals_pg(db, lake, "Sales", "Order Items", "ID")
    assert "select" in tbl.column_names and "Mixed Case" in tbl.column_names
    assert_lake_equals_pg(db, lake, "Sales", 'Quote"d', "id")
    state_text = (lake / "_pgtide" / "max_timestamps.csv").read_text()
    state = read_state(state_text)
    assert set(state) == {"Sales.Order Items", 'Sales.Quote"d', "Sales.lower"}
    assert state["Sales.Order Items"]["max_updated_at"] == pg_max_cursor(db, "Sales", "Order Items")

    db.execute('UPDATE "Sales"."Order Items" SET "select" = \'changed\', updated_at = now() '
               'WHERE "ID" IN (2, 4)')
    db.execute('UPDATE "Sales"."Quote""d" SET "user" = \'z\', updated_at = now() WHERE id = 2')
    run_pgtide("run", "--source", db.uri, "--output", lake, "--schema", "Sales")
    assert_lake_history(db, lake, "Sales", "Order Items", "ID")
    assert_lake_history(db, lake, "Sales", 'Quote"d', "id")
    s = tables_of(latest_summary(lake / "_pgtide" / "logs"))
    assert s["Sales.Order Items"]["rows"] == 2 and s['Sales.Quote"d']["rows"] == 1
    assert read_state((lake / "_pgtide" / "max_timestamps.csv").read_text())[
        "Sales.Order Items"]["max_updated_at"] == pg_max_cursor(db, "Sales", "Order Items")


def test_partitioned_table_extracted_once(pg_db, tmp_path):
    db = pg_db
    db.execute("""
        CREATE TABLE events (id bigint NOT NULL, kind text NOT NULL, payload jsonb,
                             updated_at timestamptz NOT NULL,
                             PRIMARY KEY (id, kind, updated_at)) PARTITION BY RANGE (updated_at);
        CREATE TABLE events_2024_01 PARTITION OF events
          FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2024-02-01 00:00:00+00');
        CREATE TABLE events_2024_02 PARTITION OF events
          FOR VALUES FROM ('2024-02-01 00:00:00+00') TO ('2024-03-01 00:00:00+00')
          PARTITION BY LIST (kind);
        CREATE TABLE events_2024_02_a PARTITION OF events_2024_02 FOR VALUES IN ('a');
        CREATE TABLE events_2024_02_rest PARTITION OF events_2024_02 DEFAULT;
        CREATE TABLE events_default PARTITION OF events DEFAULT;
        INSERT INTO events
        SELECT g, CASE WHEN g % 2 = 0 THEN 'a' ELSE 'b' END, jsonb_build_object('g', g),
               timestamptz '2024-01-15 00:00:00+00' + make_interval(hours => g * 7)
          FROM generate_series(1, 400) g;
        ANALYZE events;""")
    assert db.scalar("SELECT count(*) FROM events_default") > 0
    lake = tmp_path / "lake"
    p = run_pgtide("plan", "--source", db.uri, "--output", lake)
    assert re.search(r"^public\.events\s", p.stdout, re.M), p.stdout
    assert "events_2024" not in p.stdout and "events_default" not in p.stdout
    assert "1 tables" in p.stdout

    run_pgtide("run", "--source", db.uri, "--output", lake)
    assert sorted(x.name for x in (lake / "public").iterdir()) == ["events"]
    assert_lake_equals_pg(db, lake, "public", "events", ["id", "updated_at"])
    state = read_state((lake / "_pgtide" / "max_timestamps.csv").read_text())
    assert list(state) == ["public.events"]
    assert state["public.events"]["max_updated_at"] == pg_max_cursor(db, "public", "events")

    db.execute("INSERT INTO events VALUES (1000, 'a', NULL, now()), (1001, 'b', '[]', now())")
    run_pgtide("run", "--source", db.uri, "--output", lake)
    s = tables_of(latest_summary(lake / "_pgtide" / "logs"))
    assert s["public.events"]["mode"] == "cdc" and s["public.events"]["rows"] == 2
    assert_lake_equals_pg(db, lake, "public", "events", ["id", "updated_at"])


def test_include_exclude_globs(pg_db, tmp_path):
    db = pg_db
    for name in ("a_one", "a_two", "ab_three", "b_one"):
        db.execute(f"CREATE TABLE {name} (id int PRIMARY KEY, updated_at timestamptz DEFAULT now());"
                   f"INSERT INTO {name} (id) SELECT generate_series(1, 5)")
    db.execute("CREATE SCHEMA other; CREATE TABLE other.a_one (id int PRIMARY KEY);"
               "INSERT INTO other.a_one VALUES (1), (2)")
    lake = tmp_path / "lake"
    run_pgtide("run", "--source", db.uri, "--output", lake, "--schema", "public",
               "--schema", "other", "--include", "public.a*", "--include", "other.*",
               "--exclude", "*two", "--exclude", "public.ab_*")
    assert sorted(x.name for x in (lake / "public").iterdir()) == ["a_one"]
    assert sorted(x.name for x in (lake / "other").iterdir()) == ["a_one"]
    state = read_state((lake / "_pgtide" / "max_timestamps.csv").read_text())
    assert set(state) == {"public.a_one", "other.a_one"}
    assert_lake_equals_pg(db, lake, "public", "a_one", "id")
    assert_lake_equals_pg(db, lake, "other", "a_one", "id")
    # Character classes and '?' work too.
    run_pgtide("run", "--source", db.uri, "--output", lake, "--include", "public.[b]_on?")
    state = read_state((lake / "_pgtide" / "max_timestamps.csv").read_text())
    assert set(state) == {"public.a_one", "other.a_one", "public.b_one"}


def test_glue_style_aliases(pg_db, tmp_path):
    db = pg_db
    db.execute("CREATE TABLE t (id int PRIMARY KEY, v text, updated_at timestamptz);"
               "INSERT INTO t SELECT g, 'v' || g, now() - make_interval(days => g) "
               "FROM generate_series(1, 20) g")
    lake = tmp_path / "lake"
    logs = tmp_path / "glue-logs"
    state = tmp_path / "state" / "max_timestamps.csv"
    # --source names another database; --database_name picks ours, as the Glue job did.
    run_pgtide("run", f"--source={db.cluster.uri}", f"--database_name={db.name}",
               "--JOB_NAME=nightly_copy", "--environment=qa", f"--s3_output_path={lake}",
               f"--csv_file_name={state}", f"--log_folder_path={logs}", "--load_type=full")
    assert_lake_equals_pg(db, lake, "public", "t", "id")
    assert read_state(state.read_text())["public.t"]["max_updated_at"] == \
        pg_max_cursor(db, "public", "t")
    assert not (lake / "_pgtide").exists(), "state/logs went to the default place"
    names = sorted(p.name for p in logs.iterdir())
    assert len(names) == 2 and all(n.startswith("nightly_copy-qa-") for n in names), names
    summary = json.loads(next(logs.glob("*.summary.json")).read_text())
    assert summary["load_type"] == "full" and summary["job_name"] == "nightly_copy"
    assert summary["environment"] == "qa"

    db.execute("UPDATE t SET v = 'changed', updated_at = now() WHERE id = 1")
    run_pgtide("run", "--source", db.cluster.uri, "--database_name", db.name,
               "--JOB_NAME", "nightly_copy", "--s3_output_path", lake, "--csv_file_name", state,
               "--log_folder_path", logs, "--load_type", "cdc")
    assert_lake_history(db, lake, "public", "t", "id")
    s = tables_of(latest_summary(logs))
    assert s["public.t"]["mode"] == "cdc" and s["public.t"]["rows"] == 1


def test_plan_writes_nothing(pg_db, tmp_path):
    db = pg_db
    db.execute("CREATE TABLE t (id int PRIMARY KEY, updated_at timestamptz DEFAULT now());"
               "INSERT INTO t (id) SELECT generate_series(1, 100); ANALYZE t;"
               "CREATE TABLE nc (id int PRIMARY KEY)")
    lake = tmp_path / "lake"
    r = run_pgtide("plan", "--source", db.uri, "--output", lake)
    assert not lake.exists(), "plan created the output folder"
    assert re.search(r"^public\.t\s+full\s+first run\s+updated_at\s+100\s*$", r.stdout, re.M), r.stdout
    assert re.search(r"^public\.nc\s+full\s+no cursor column", r.stdout, re.M), r.stdout
    assert "nothing was written" in r.stdout

    run_pgtide("run", "--source", db.uri, "--output", lake)
    before = snapshot(lake)
    mark = read_state((lake / "_pgtide" / "max_timestamps.csv").read_text())["public.t"][
        "max_updated_at"]
    db.execute("INSERT INTO t (id) VALUES (1000)")
    r = run_pgtide("plan", "--source", db.uri, "--output", lake, "--load-type", "cdc")
    assert re.search(r"^public\.t\s+cdc\s+incremental\s+updated_at\s+\d+\s+" + re.escape(mark),
                     r.stdout, re.M), r.stdout
    r = run_pgtide("plan", "--source", db.uri, "--output", lake, "--load-type", "full")
    assert re.search(r"^public\.t\s+full\s+requested", r.stdout, re.M), r.stdout
    assert snapshot(lake) == before, "plan changed the output folder"


def test_orders_bench_full_then_idle_cdc(pg_db, tmp_path):
    db = pg_db
    db.psql_file(ORDERS_SQL, rows=200000)
    lake = tmp_path / "lake"
    r1 = run_pgtide("run", "--source", db.uri, "--output", lake, "--load-type", "full")
    assert "bench_orders" in r1.stdout

    tbl = read_lake_arrow(lake, "public", "bench_orders")
    assert tbl.num_rows == 200000
    partitions = {f.split("/")[0] for f in lake_files(lake, "public", "bench_orders")}
    want = db.scalar("SELECT count(DISTINCT (updated_at AT TIME ZONE 'UTC')::date) "
                     "FROM bench_orders")
    assert len(partitions) == want
    assert_lake_equals_pg(db, lake, "public", "bench_orders", "id")
    state_path = lake / "_pgtide" / "max_timestamps.csv"
    assert read_state(state_path.read_text())["public.bench_orders"]["max_updated_at"] == \
        pg_max_cursor(db, "public", "bench_orders")

    state_bytes = state_path.read_bytes()
    parquet_before = all_parquet(lake)
    r2 = run_pgtide("run", "--source", db.uri, "--output", lake, "--load-type", "cdc")
    assert state_path.read_bytes() == state_bytes, "cdc without changes rewrote the state"
    assert all_parquet(lake) == parquet_before
    log_dir = lake / "_pgtide" / "logs"
    s = tables_of(latest_summary(log_dir))
    assert s["public.bench_orders"]["mode"] == "cdc"
    assert s["public.bench_orders"]["rows"] == 0 and s["public.bench_orders"]["files"] == 0

    # Logs and summaries exist, name the table, and never hold the password.
    logs = sorted(log_dir.glob("*.log"))
    summaries = summary_files(log_dir)
    assert len(logs) == 2 and len(summaries) == 2
    for f in logs + summaries:
        text = f.read_text()
        assert "public.bench_orders" in text, f
        assert db.password not in text, f"password in {f}"
    for s in summaries:
        json.loads(s.read_text())
    for out in (r1.stdout, r1.stderr, r2.stdout, r2.stderr):
        assert db.password not in out
