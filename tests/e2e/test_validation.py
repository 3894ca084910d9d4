"""Mistakes that used to pass silently or fail late (issue 12, items 5, 6, 7 and 15): each
is stopped before the first table with its documented exit code and a message naming the
object and the fix, leaving the lake and the state as they were."""

from __future__ import annotations

import datetime as dt
import json
import re
import pathlib

import pytest

from conftest import (assert_lake_equals_pg, assert_lake_history, read_lake_arrow, read_state, run_pgtide,
                      snapshot)
from test_errors import EXIT_STATE, EXIT_USAGE, assert_failed_cleanly, data_and_state, loaded  # noqa: F401


def state_path(lake):
    return lake / "_pgtide" / "max_timestamps.csv"


def forget_iceberg(lake):
    """Makes the lake one written before it had Iceberg metadata (by the Glue job or an
    older pgtide): only then does max_timestamps.csv govern the marks."""
    import shutil
    shutil.rmtree(pathlib.Path(lake) / "_iceberg")


def edit_state(lake, table, **fields):
    """Rewrites fields of one line of the state file (as a person with an editor would)."""
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(state_path(lake).read_text())))
    for r in rows:
        if r["table_name"] == table:
            r.update(fields)
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    state_path(lake).write_text(out.getvalue())


def fails_before_loading(db, lake, code, *args_and_patterns, plan_too=True):
    """Runs `run` (and `plan`) with args; both must fail with `code` and the patterns."""
    args, patterns = args_and_patterns
    baseline = data_and_state(lake)
    r = run_pgtide("run", "--source", db.uri, "--output", lake, *args, check=None)
    assert_failed_cleanly(r, lake, baseline, code, *patterns, secret=db.password)
    if plan_too:
        p = run_pgtide("plan", "--source", db.uri, "--output", lake, *args, check=None)
        assert p.rc == code, p.stderr
        for pat in patterns:
            assert re.search(pat, p.stderr), f"plan stderr lacks /{pat}/:\n{p.stderr}"
        assert data_and_state(lake) == baseline
    return r


# ------------------------------------------------------------------------- item 5


def test_cursor_column_in_no_table(loaded):
    db, lake = loaded
    fails_before_loading(db, lake, EXIT_USAGE, ["--cursor-column", "updatd_at"], [
        r'--cursor-column "updatd_at" exists in none of the 2 selected table',
        r"did you mean updated_at\?", r"HINT: Fix the column name"])


def test_configured_cursor_column_missing(loaded, tmp_path):
    db, lake = loaded
    cfg = tmp_path / "job.json"
    cfg.write_text(json.dumps({"tables": {"public.u": {"cursor_column": "changed_at"}}}))
    fails_before_loading(db, lake, EXIT_USAGE, ["--config", cfg], [
        r'cursor column "changed_at" configured for table public.u does not exist'])


@pytest.mark.parametrize("flag,pattern,near", [
    ("--include", "public.tt", r"did you mean public\.t, public\.u\?"),
    ("--include", "nothing_like_it", r"\(2 tables\)\nHINT"),
    ("--exclude", "public.uu", r"did you mean public\.u"),
], ids=["include", "include-far", "exclude"])
def test_pattern_matching_nothing(loaded, flag, pattern, near):
    db, lake = loaded
    fails_before_loading(db, lake, EXIT_USAGE, [flag, pattern], [
        rf'{flag} "{re.escape(pattern)}" matches no table in schema\(s\) public', near,
        r"HINT: Fix the pattern"])


def test_pattern_without_schema_folds_like_postgresql(loaded):
    db, lake = loaded
    db.execute('CREATE TABLE "T" (id int PRIMARY KEY, updated_at timestamptz DEFAULT now());'
               'INSERT INTO "T" (id) VALUES (1)')
    before_u = read_state(state_path(lake).read_text())["public.u"]
    # T folds to t: the table t, not "T", and not u.
    run_pgtide("run", "--source", db.uri, "--output", lake, "--include", "T")
    state = read_state(state_path(lake).read_text())
    assert set(state) == {"public.t", "public.u"}
    assert state["public.u"] == before_u
    assert_lake_equals_pg(db, lake, "public", "t", "id")
    # Quoted, it keeps its case.
    run_pgtide("run", "--source", db.uri, "--output", lake, "--include", '"T"')
    assert set(read_state(state_path(lake).read_text())) == {"public.t", "public.u", "public.T"}
    assert_lake_equals_pg(db, lake, "public", "T", "id")


def test_missing_cursor_policies(loaded, tmp_path):
    db, lake = loaded
    db.execute("CREATE TABLE plain (id int PRIMARY KEY); INSERT INTO plain VALUES (1), (2)")
    fails_before_loading(db, lake, EXIT_USAGE, ["--missing-cursor", "fail"], [
        r'1 table\(s\) have no cursor column "updated_at" and missing_cursor is fail: '
        r"public.plain", r"HINT: .*--missing-cursor reload or skip"])
    r = run_pgtide("run", "--source", db.uri, "--output", lake, "--missing-cursor", "skip")
    assert re.search(r'table public.plain has no column "updated_at": skipped', r.stderr)
    assert not (lake / "public" / "plain").exists()
    assert "public.plain" not in read_state(state_path(lake).read_text())
    # Per table in the job file; the run-wide default (reload) for the others.
    cfg = tmp_path / "job.yaml"
    cfg.write_text("tables:\n  public.plain:\n    missing_cursor: fail\n")
    fails_before_loading(db, lake, EXIT_USAGE, ["--config", cfg], [r"public.plain"])
    r = run_pgtide("run", "--source", db.uri, "--output", lake)
    assert re.search(r"public.plain has no column .* reloaded in full", r.stderr)
    assert_lake_equals_pg(db, lake, "public", "plain", "id")


@pytest.mark.parametrize("name,text,patterns", [
    ("job.json", {"tables": {"public.u": {"skipp": True}}},
     [r'tables\."public\.u"\.skipp: unknown key; did you mean skip\?']),
    ("job.json", {"tables": {"public.uu": {"skip": True}}},
     [r'tables\."public\.uu": no such table in schema\(s\) public; did you mean public\.u']),
    ("job.json", {"tables": {"public.u": {"skip": "yes"}}},
     [r'tables\."public\.u"\.skip: expected true or false, got the string "yes"']),
    ("job.json", [{"tables": {}}], [r"the top level must be a mapping"]),
    ("job.json", {"tabels": {}}, [r"tabels: unknown key; did you mean tables\?"]),
    ("job.yaml", "tables:\n  public.u:\n    load_type: delta\n",
     [r'tables\."public\.u"\.load_type: expected one of full, cdc, got the string "delta"']),
    ("job.toml", '[tables."public.u"]\nskip = 1\n',
     [r'tables\."public\.u"\.skip: expected true or false, got the number 1']),
    ("job.toml", "tables = [\n", [r"not valid TOML"]),
], ids=["unknown-key", "unknown-table", "wrong-type", "array", "top-key", "yaml-choice",
        "toml-type", "toml-syntax"])
def test_config_is_validated_strictly(loaded, tmp_path, name, text, patterns):
    db, lake = loaded
    cfg = tmp_path / name
    cfg.write_text(text if isinstance(text, str) else json.dumps(text))
    fails_before_loading(db, lake, EXIT_USAGE, ["--config", cfg],
                         [rf"config file.*{p}" if i == 0 else p for i, p in enumerate(patterns)]
                         + [r"HINT: Fix the"])


@pytest.mark.parametrize("name,text", [
    ("job.yaml", "tables:\n  public.u:\n    skip: true\n  public.t:\n    load_type: full\n"),
    ("job.toml", '[tables."public.u"]\nskip = true\n[tables."public.t"]\nload_type = "full"\n'),
], ids=["yaml", "toml"])
def test_config_in_yaml_and_toml(loaded, tmp_path, name, text):
    db, lake = loaded
    cfg = tmp_path / name
    cfg.write_text(text)
    before_u = read_state(state_path(lake).read_text())["public.u"]
    r = run_pgtide("run", "--source", db.uri, "--output", lake, "--config", cfg)
    assert re.search(r"public\.t\s+full", r.stdout), r.stdout
    assert read_state(state_path(lake).read_text())["public.u"] == before_u
    assert_lake_equals_pg(db, lake, "public", "t", "id")


# ------------------------------------------------------------------------- item 6


@pytest.mark.parametrize("args,patterns", [
    (["--lookback", "5 minuts"], [r'--lookback "5 minuts" is not a PostgreSQL interval',
                                  r"HINT: .*--lookback '5 minutes'"]),
    (["--lookback", "-10 minutes"], [r'--lookback "-10 minutes" is negative',
                                     r"HINT: Give a positive interval"]),
    (["--lookback", "10 minutes ago"], [r"is negative"]),
    (["--cursor-timezone", "Europe/Pariss"],
     [r'--cursor-timezone "Europe/Pariss" is not a time zone PostgreSQL knows; did you mean '
      r"Europe/Paris", r"HINT: Use a name from pg_timezone_names"]),
    (["--compression-level", "99"], [r"--compression-level 99 is out of range for zstd",
                                     r"HINT: Use a level from"]),
    (["--compression", "snappy", "--compression-level", "3"],
     [r"the snappy codec has no levels"]),
], ids=["lookback-syntax", "lookback-negative", "lookback-ago", "timezone",
        "compression-level", "snappy-level"])
def test_option_values_checked_before_any_table(loaded, args, patterns):
    db, lake = loaded
    fails_before_loading(db, lake, EXIT_USAGE, args, patterns)


@pytest.mark.parametrize("field", ["max_updated_at", "resume_from"])
def test_unparsable_mark_is_a_state_error(loaded, field):
    db, lake = loaded
    forget_iceberg(lake)
    edit_state(lake, "public.t", **{field: "yesterday-ish"})
    fails_before_loading(db, lake, EXIT_STATE, [], [
        rf'table public.t: the stored {field} "yesterday-ish" is not a valid timestamptz',
        r"HINT: Correct the value in the state file .* --load-type full --include "
        r"'public.t'"])
    # The fix the hint names works: a full reload rewrites the line.
    run_pgtide("run", "--source", db.uri, "--output", lake, "--load-type", "full",
               "--include", "public.t")
    assert_lake_equals_pg(db, lake, "public", "t", "id")


def test_resume_point_in_the_future_is_warned_and_kept(loaded):
    db, lake = loaded
    future = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)).strftime(
        "%Y-%m-%d %H:%M:%S+00")
    forget_iceberg(lake)
    edit_state(lake, "public.t", resume_from=future, boundary="")
    later = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3)).strftime(
        "%Y-%m-%d %H:%M:%S+00")
    db.execute(f"INSERT INTO t (id, v, updated_at) VALUES (60, 'ahead', '{later}')")
    r = run_pgtide("run", "--source", db.uri, "--output", lake)
    assert re.search(rf"table public.t: the stored resume point {re.escape(future)} is ahead "
                     r"of the database clock", r.stderr), r.stderr
    assert "HINT: If the mark is wrong" in r.stderr
    line = read_state(state_path(lake).read_text())["public.t"]
    assert line["resume_from"] == future, "the resume point moved back"
    # Run again: the future row is recognised, never written twice.
    run_pgtide("run", "--source", db.uri, "--output", lake)
    assert read_state(state_path(lake).read_text())["public.t"]["resume_from"] == future
    ids = read_lake_arrow(lake, "public", "t").column("id").to_pylist()
    assert ids.count(60) == 1 and ids.count(1) == 1
    assert 51 not in ids  # committed below the future point: not read, as documented
    # The documented fix: a full reload re-bases the table.
    run_pgtide("run", "--source", db.uri, "--output", lake, "--load-type", "full",
               "--include", "public.t")
    assert_lake_equals_pg(db, lake, "public", "t", "id")


def test_state_file_with_a_byte_order_mark(loaded):
    db, lake = loaded
    state_path(lake).write_bytes(b"\xef\xbb\xbf" + state_path(lake).read_bytes())
    r = run_pgtide("run", "--source", db.uri, "--output", lake)
    assert re.search(r"public\.t\s+cdc", r.stdout), r.stdout
    assert not state_path(lake).read_bytes().startswith(b"\xef\xbb\xbf")
    assert_lake_equals_pg(db, lake, "public", "t", "id")


# ------------------------------------------------------------------------- item 7


def test_tables_whose_names_collide_keep_separate_marks(pg_db, tmp_path):
    db = pg_db
    db.execute('''
        CREATE SCHEMA "a.b"; CREATE SCHEMA a;
        CREATE TABLE "a.b".c (id int PRIMARY KEY, updated_at timestamptz DEFAULT now());
        CREATE TABLE a."b.c" (id int PRIMARY KEY, updated_at timestamptz DEFAULT now());
        INSERT INTO "a.b".c (id) SELECT generate_series(1, 3);
        INSERT INTO a."b.c" (id) SELECT generate_series(1, 4);''')
    lake = tmp_path / "lake"
    args = ("--source", db.uri, "--output", lake, "--schema", "a.b", "--schema", "a")
    run_pgtide("run", *args)
    state = read_state(state_path(lake).read_text())
    assert set(state) == {'"a.b".c', 'a."b.c"'}
    # Only one of them changes: the other's mark must not move, nor the row be lost.
    db.execute('INSERT INTO a."b.c" (id) VALUES (5); UPDATE "a.b".c SET updated_at = now() '
               "WHERE id = 2")
    r = run_pgtide("run", *args)
    assert re.search(r'a\."b\.c"\s+cdc', r.stdout), r.stdout
    assert_lake_history(db, lake, "a.b", "c", "id")
    assert_lake_equals_pg(db, lake, "a", "b.c", "id")
    # In a lake of the original job (no Iceberg metadata yet), its ambiguous form is not
    # used for either table: both reload in full and get lines of their own.
    forget_iceberg(lake)
    state_path(lake).write_text("table_name,max_updated_at\na.b.c,2999-01-01 00:00:00+00\n")
    r = run_pgtide("run", *args)
    assert r.stderr.count("could belong to more than one table") == 2, r.stderr
    state = read_state(state_path(lake).read_text())
    assert set(state) == {'"a.b".c', 'a."b.c"', "a.b.c"}
    assert_lake_equals_pg(db, lake, "a", "b.c", "id")


def test_original_job_line_of_a_dotted_name_is_read_and_renamed(pg_db, tmp_path):
    db = pg_db
    db.execute('''
        CREATE SCHEMA "x.y";
        CREATE TABLE "x.y".z (id int PRIMARY KEY, updated_at timestamptz);
        INSERT INTO "x.y".z VALUES (1, '2024-01-01 00:00:00+00'), (2, '2024-03-01 00:00:00+00');''')
    lake = tmp_path / "lake"
    lake.mkdir()
    (lake / "_pgtide").mkdir()
    state_path(lake).write_text("table_name,max_updated_at\nx.y.z,2024-02-01 00:00:00+00\n")
    r = run_pgtide("run", "--source", db.uri, "--output", lake, "--schema", "x.y")
    assert re.search(r'"x\.y"\.z\s+cdc', r.stdout), r.stdout
    assert read_lake_arrow(lake, "x.y", "z").column("id").to_pylist() == [2]
    assert set(read_state(state_path(lake).read_text())) == {'"x.y".z'}


# ------------------------------------------------------------------------- item 15


def test_glue_runtime_arguments_are_ignored(loaded):
    db, lake = loaded
    glue = ["--JOB_ID", "j_0123", "--JOB_RUN_ID", "jr_0123", "--JOB_NAME", "nightly",
            "--TempDir", "s3://aws-glue-temporary/admin", "--job-bookmark-option",
            "job-bookmark-disable", "--job-language", "python", "--enable-metrics",
            "--enable-continuous-cloudwatch-log", "true", "--enable-spark-ui", "false",
            "--spark-event-logs-path", "s3://logs/", "--enable-glue-datacatalog", "",
            "--extra-py-files", "s3://x/y.py", "--additional-python-modules", "boto3==1.0",
            "--enable-job-insights", "false", "--enable-observability-metrics", "true"]
    r = run_pgtide("run", "--source", db.uri, "--output", lake, "-v", *glue)
    assert "ignoring --JOB_RUN_ID, an argument of the AWS Glue runtime" in r.stderr
    assert "ignoring --TempDir" in r.stderr and "ignoring --JOB_NAME" not in r.stderr
    assert list((lake / "_pgtide" / "logs").glob("nightly-*")), "--JOB_NAME still names the job"
    assert_lake_equals_pg(db, lake, "public", "t", "id")
    # A genuinely unknown flag is still refused.
    baseline = snapshot(lake)
    r = run_pgtide("run", "--source", db.uri, "--output", lake, *glue, "--JOB_FOO", "1",
                   check=None)
    assert r.rc == EXIT_USAGE and "--JOB_FOO" in r.stderr, r.stderr
    assert snapshot(lake) == baseline
