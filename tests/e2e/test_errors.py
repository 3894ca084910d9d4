"""Bad input: each case exits with its documented code and a clear message on stderr, and
neither data nor state is written (the run log of a failed run is, by design)."""

from __future__ import annotations

import pathlib
import re

import pytest

from conftest import all_parquet, closed_port, read_state, run_pgtide, snapshot

EXIT_TABLES_FAILED, EXIT_USAGE, EXIT_SOURCE, EXIT_STATE, EXIT_STORAGE = 1, 2, 3, 4, 5


def data_and_state(root: pathlib.Path) -> dict[str, str]:
    """Everything under the output except the run logs."""
    return {k: v for k, v in snapshot(root).items() if not k.startswith("_pgtide/logs/")}


@pytest.fixture
def loaded(pg_db, tmp_path):
    """A database with data and a lake with one committed run: the baseline every failing
    run must leave as it was."""
    pg_db.execute("""
        CREATE TABLE t (id int PRIMARY KEY, v text, updated_at timestamptz DEFAULT now());
        INSERT INTO t (id, v) SELECT g, 'v' || g FROM generate_series(1, 50) g;
        CREATE TABLE u (id int PRIMARY KEY, updated_at timestamptz DEFAULT now());
        INSERT INTO u (id) SELECT generate_series(1, 5);""")
    lake = tmp_path / "lake"
    run_pgtide("run", "--source", pg_db.uri, "--output", lake)
    # Something for a run to pick up if it (wrongly) went ahead.
    pg_db.execute("INSERT INTO t (id, v) VALUES (51, 'new'); UPDATE u SET updated_at = now()")
    return pg_db, lake


def logs_of(lake: pathlib.Path) -> str:
    return "\n".join(p.read_text() for p in sorted((lake / "_pgtide" / "logs").glob("*")))


def assert_failed_cleanly(r, lake, baseline, code, *patterns, secret=None):
    assert r.rc == code, f"exit {r.rc}, expected {code}\n{r.stderr}"
    for p in patterns:
        assert re.search(p, r.stderr), f"stderr lacks /{p}/:\n{r.stderr}"
    assert "ERROR" in r.stderr
    assert data_and_state(lake) == baseline, "a failed run changed data or state"
    if secret:
        for text in (r.stdout, r.stderr, logs_of(lake)):
            assert secret not in text, "the password leaked"


def test_unreachable_server(loaded):
    db, lake = loaded
    baseline = data_and_state(lake)
    port = closed_port()
    uri = f"postgresql://postgres:{db.password}@127.0.0.1:{port}/{db.name}"
    r = run_pgtide("run", "--source", uri, "--output", lake, check=None)
    assert_failed_cleanly(r, lake, baseline, EXIT_SOURCE, r"could not connect to PostgreSQL",
                          str(port), r"HINT: .*server is running", secret=db.password)
    # The failed run still leaves its log, which says why.
    assert re.search(r"could not connect", logs_of(lake))


def test_wrong_password(loaded):
    db, lake = loaded
    baseline = data_and_state(lake)
    uri = db.uri.replace(f":{db.password}@", ":not-the-Password-42@")
    r = run_pgtide("run", "--source", uri, "--output", lake, check=None)
    assert_failed_cleanly(r, lake, baseline, EXIT_SOURCE, r"password authentication failed",
                          r"HINT: Check the user and password", secret="not-the-Password-42")


@pytest.mark.parametrize("dsn", [
    "postgresql://postgres:{pw}@[::1/{db}",          # unterminated IPv6 host
    "postgresql://postgres:{pw}@127.0.0.1:notaport/{db}",
    "host=127.0.0.1 password={pw} dbname={db} bogus_option=1",
    "host=127.0.0.1 password='{pw} dbname={db}",      # unterminated quote
], ids=["ipv6", "port", "keyword", "quote"])
def test_bad_dsn_syntax(loaded, dsn):
    db, lake = loaded
    baseline = data_and_state(lake)
    r = run_pgtide("run", "--source", dsn.format(pw=db.password, db=db.name), "--output", lake,
                   check=None)
    assert_failed_cleanly(r, lake, baseline, EXIT_SOURCE, r"could not connect to PostgreSQL",
                          r"HINT: Check the syntax of --source", secret=db.password)


def test_unknown_schema(loaded):
    db, lake = loaded
    baseline = data_and_state(lake)
    r = run_pgtide("run", "--source", db.uri, "--output", lake, "--schema", "public",
                   "--schema", "no_such_schema", check=None)
    assert_failed_cleanly(r, lake, baseline, EXIT_USAGE,
                          r'schema "no_such_schema" does not exist', secret=db.password)


@pytest.mark.parametrize("args", [
    ["--load-type", "sometimes"],
    ["--jobs", "0"],
    ["--no-such-flag"],
], ids=["load-type", "jobs", "flag"])
def test_bad_arguments(loaded, args):
    db, lake = loaded
    baseline = snapshot(lake)
    r = run_pgtide("run", "--source", db.uri, "--output", lake, *args, check=None)
    assert r.rc == EXIT_USAGE, r.stderr
    assert r.stderr.strip()
    assert snapshot(lake) == baseline


def test_missing_output_is_a_usage_error(pg_db, tmp_path):
    r = run_pgtide("run", "--source", pg_db.uri, check=None)
    assert r.rc == EXIT_USAGE and "--output" in r.stderr, r.stderr


CORRUPT_STATES = {
    "stray-quote": b'table_name,max_updated_at\npublic.t,2024-01-01 00:00:00+00"x\n',
    "unterminated-quote": b'table_name,max_updated_at\n"public.t,2024-01-01 00:00:00+00\n',
    "wrong-header": b"name,last_value\npublic.t,2024-01-01 00:00:00+00\n",
    "field-count": b"table_name,max_updated_at\npublic.t,2024-01-01 00:00:00+00,extra\n",
    "duplicate": (b"table_name,max_updated_at\npublic.t,2024-01-01 00:00:00+00\n"
                  b"public.t,2024-01-02 00:00:00+00\n"),
    "garbage": b"\x00\x01\x02 PK\x03\x04 not a csv at all \xff\xfe",
}


@pytest.mark.parametrize("kind", sorted(CORRUPT_STATES))
def test_corrupt_state_file(pg_db, tmp_path, kind):
    pg_db.execute("CREATE TABLE t (id int PRIMARY KEY, updated_at timestamptz DEFAULT now());"
                  "INSERT INTO t (id) SELECT generate_series(1, 10)")
    lake = tmp_path / "lake"
    state = tmp_path / "state" / "max_timestamps.csv"
    state.parent.mkdir()
    state.write_bytes(CORRUPT_STATES[kind])
    r = run_pgtide("run", "--source", pg_db.uri, "--output", lake, "--state", state, check=None)
    assert r.rc == EXIT_STATE, r.stderr
    assert state.read_bytes() == CORRUPT_STATES[kind], "the corrupt state file was changed"
    assert re.search(r"state file .*max_timestamps\.csv is corrupt", r.stderr), r.stderr
    assert "HINT" in r.stderr
    assert all_parquet(lake) == [] and all_parquet(tmp_path) == []
    assert sorted(p.name for p in state.parent.iterdir()) == ["max_timestamps.csv"]
    # plan refuses it the same way, and writes nothing either.
    p = run_pgtide("plan", "--source", pg_db.uri, "--output", lake, "--state", state, check=None)
    assert p.rc == EXIT_STATE and "corrupt" in p.stderr
    assert state.read_bytes() == CORRUPT_STATES[kind]


def test_unreadable_state_file(loaded, tmp_path):
    db, lake = loaded
    state = tmp_path / "state-is-a-dir"
    state.mkdir()
    r = run_pgtide("run", "--source", db.uri, "--output", lake, "--state", state, check=None)
    assert r.rc == EXIT_STATE, r.stderr
    assert "state-is-a-dir" in r.stderr
    assert list(state.iterdir()) == []


def test_state_from_the_original_job_is_accepted(pg_db, tmp_path):
    """The original job's two-column file (quoted fields, CRLF) is not corrupt: it resumes
    strictly after max_updated_at, and pgtide keeps its columns."""
    pg_db.execute("""
        CREATE TABLE t (id int PRIMARY KEY, updated_at timestamptz);
        INSERT INTO t VALUES (1, '2024-01-01 10:00:00+00'), (2, '2024-01-02 10:00:00+00'),
                             (3, '2024-01-03 10:00:00+00');""")
    state = tmp_path / "max_timestamps.csv"
    state.write_bytes(b'table_name,max_updated_at,owner\r\n"public.t","2024-01-02 10:00:00+00",'
                      b'"team, data"\r\n')
    lake = tmp_path / "lake"
    run_pgtide("run", "--source", pg_db.uri, "--output", lake, "--state", state)
    from conftest import read_lake_arrow
    assert read_lake_arrow(lake, "public", "t").column("id").to_pylist() == [3]
    st = read_state(state.read_text())
    assert st["public.t"]["max_updated_at"] == "2024-01-03 10:00:00+00"
    assert st["public.t"]["owner"] == "team, data"


def test_output_not_writable(loaded, tmp_path):
    db, other_lake = loaded
    baseline = snapshot(other_lake)
    blocker = tmp_path / "a-regular-file"
    blocker.write_text("not a folder\n")
    lake = blocker / "lake"
    r = run_pgtide("run", "--source", db.uri, "--output", lake, check=None)
    assert r.rc == EXIT_STORAGE, r.stderr
    assert str(lake) in r.stderr and "Not a directory" in r.stderr, r.stderr
    assert "HINT" in r.stderr
    assert blocker.read_text() == "not a folder\n"
    assert snapshot(other_lake) == baseline
    assert all_parquet(tmp_path) == all_parquet(other_lake)
    # The log of the failed run is kept locally, and the path is printed.
    m = re.search(r"the log was kept at (\S+)", r.stderr)
    assert m, r.stderr
    kept = pathlib.Path(m.group(1))
    assert kept.exists() and "Not a directory" in kept.read_text()
    assert db.password not in kept.read_text()


def test_state_location_not_writable(loaded, tmp_path):
    """A state file that cannot be written stops the run before any data is loaded: data
    whose marks cannot be committed would only be swept away by the next run."""
    db, lake = loaded
    baseline = data_and_state(lake)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = run_pgtide("run", "--source", db.uri, "--output", lake, "--state",
                   blocker / "max_timestamps.csv", check=None)
    assert_failed_cleanly(r, lake, baseline, EXIT_STORAGE,
                          r"state file .*file/max_timestamps\.csv cannot be written",
                          r"Not a directory", r"HINT")
    assert blocker.read_text() == "x"
