"""Issue 12, end to end: S3 endpoints that stall or refuse, passwords in malformed DSNs,
control characters in table names, DNS / TLS / full-disk connection and storage failures,
and the AWS shared config file. Each failing case checks the exit code, that the message
names the object and the fix, that data and state are untouched, and that the next normal
run loads every row exactly once."""

from __future__ import annotations

import json
import os
import pathlib
import re
import socket
import subprocess
import time
import uuid

import pytest
from psycopg import sql

from conftest import (all_parquet, assert_lake_equals_pg, closed_port, read_state, run_pgtide,
                      snapshot)

EXIT_SOURCE, EXIT_STORAGE = 3, 5


def make_table(db, name: str = "t", rows: int = 40) -> None:
    db.execute(sql.SQL("CREATE TABLE {} (id int PRIMARY KEY, v text, "
                       "updated_at timestamptz DEFAULT now())").format(sql.Identifier(name)))
    db.execute(sql.SQL("INSERT INTO {} (id, v) SELECT g, 'v' || g FROM generate_series(1, %s) g")
               .format(sql.Identifier(name)), (rows,))


def log_folder_text(folder: pathlib.Path) -> str:
    """Every run log and JSON summary in a local log folder."""
    return "\n".join(p.read_text(errors="replace") for p in sorted(folder.glob("*"))
                     if p.is_file())


def s3_args(bucket, lake="lake", endpoint=True):
    args = ["--output", bucket.url(lake), "--state", bucket.url("state/max_timestamps.csv"),
            "--log-folder", bucket.url("logs")]
    return args + (["--s3-endpoint", bucket.endpoint] if endpoint else [])


# --------------------------------------------------------------------------- item 2: S3


@pytest.fixture
def stalled_endpoint():
    """A socket that listens (the kernel completes TCP handshakes) but is never accepted or
    answered: an S3 endpoint that takes the connection and then says nothing."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(128)  # room for every connection the client opens: all are "accepted"
    try:
        yield f"http://127.0.0.1:{s.getsockname()[1]}"
    finally:
        s.close()


@pytest.mark.parametrize("kind", ["stalled", "closed"])
def test_s3_endpoint_stalled_or_closed(kind, pg_db, s3_bucket, tmp_path, stalled_endpoint):
    make_table(pg_db)
    endpoint = stalled_endpoint if kind == "stalled" else f"http://127.0.0.1:{closed_port()}"
    state = tmp_path / "state.csv"
    state.write_text("table_name,max_updated_at\n")
    logs = tmp_path / "logs"
    start = time.time()
    r = run_pgtide("run", "--source", pg_db.uri, "--output", "s3://some-bucket/lake",
                   "--state", state, "--log-folder", logs, "--s3-endpoint", endpoint,
                   check=None, timeout=170)
    elapsed = time.time() - start
    assert r.rc == EXIT_STORAGE, r.stderr
    assert elapsed < 90, f"gave up only after {elapsed:.0f}s"
    assert endpoint.split("://")[1] in r.stderr, r.stderr
    assert "s3://some-bucket/lake" in r.stderr, r.stderr
    assert "--s3-connect-timeout" in r.stderr and "--s3-request-timeout" in r.stderr, r.stderr
    assert state.read_text() == "table_name,max_updated_at\n"
    assert "s3://some-bucket/lake" in log_folder_text(logs)
    # The next run against a working endpoint loads every row once.
    run_pgtide("run", "--source", pg_db.uri, *s3_args(s3_bucket))
    assert_lake_equals_pg(pg_db, f"{s3_bucket.name}/lake", "public", "t", "id",
                          fs=s3_bucket.fs)


# --------------------------------------------------------------------------- item 8: secrets

PASSWORD = "zq@Xv/9 Kp!w"


def password_fragments(pw: str = PASSWORD, n: int = 4) -> set[str]:
    return {pw[i:i + n] for i in range(len(pw) - n + 1)}


@pytest.fixture
def pw_role(pg_db):
    name = f"pw_{uuid.uuid4().hex[:8]}"
    with pg_db.conn.cursor() as c:
        c.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
            sql.Identifier(name), sql.Literal(PASSWORD)))
        c.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}").format(
            sql.Identifier(name)))
    yield name
    pg_db.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
    pg_db.execute(sql.SQL("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE usename = {}").format(sql.Literal(name)))
    for _ in range(50):
        try:
            pg_db.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
            break
        except Exception:
            time.sleep(0.1)


@pytest.mark.parametrize("dsn", [
    "host=ret-pw99@127.0.0.1 port={port} user={user} password={pw} dbname={db}",
    "host=127.0.0.1 port={port} user={user} password={pw} dbname={db}",
    "postgresql://{user}:{pw}@127.0.0.1:{port}/{db}",
    "postgresql://{user}:{pw}@ss w/rd@127.0.0.1:{port}/{db}",
    "host=127.0.0.1 port={port} user={user} password='{pw} dbname={db}",
], ids=["at-in-host", "unquoted-space", "raw-uri", "uri-two-ats", "unterminated-quote"])
def test_password_never_leaks_from_malformed_dsn(dsn, pg_db, pw_role, tmp_path):
    make_table(pg_db)
    pg_db.execute(sql.SQL("GRANT SELECT ON t TO {}").format(sql.Identifier(pw_role)))
    lake, logs = tmp_path / "lake", tmp_path / "logs"
    source = dsn.format(port=pg_db.cluster.port, user=pw_role, pw=PASSWORD, db=pg_db.name)
    r = run_pgtide("run", "--source", source, "--output", lake, "--log-folder", logs,
                   check=None)
    assert r.rc == EXIT_SOURCE, r.stderr
    assert "HINT:" in r.stderr
    assert all_parquet(lake) == []
    texts = {"stdout": r.stdout, "stderr": r.stderr, "log folder": log_folder_text(logs)}
    assert any(p.name.endswith(".summary.json") for p in logs.glob("*")), list(logs.glob("*"))
    for where, text in texts.items():
        for frag in password_fragments():
            assert frag not in text, f"{frag!r} of the password in {where}:\n{text}"


def test_password_with_specials_works_when_quoted(pg_db, pw_role, tmp_path):
    """The same password, quoted correctly, connects; and still never appears."""
    make_table(pg_db)
    pg_db.execute(sql.SQL("GRANT SELECT ON t TO {}").format(sql.Identifier(pw_role)))
    lake, logs = tmp_path / "lake", tmp_path / "logs"
    source = (f"host=127.0.0.1 port={pg_db.cluster.port} user={pw_role} "
              f"password='{PASSWORD}' dbname={pg_db.name}")
    r = run_pgtide("run", "--source", source, "--output", lake, "--log-folder", logs)
    assert_lake_equals_pg(pg_db, lake, "public", "t", "id")
    for text in (r.stdout, r.stderr, log_folder_text(logs)):
        for frag in password_fragments():
            assert frag not in text


# --------------------------------------------------------------------------- item 9: names

WEIRD = "we\nird\x1b[31mred"
WEIRD_FOLDER = "we%0Aird%1B[31mred"  # control characters percent-encoded (README "Writes")


def test_table_name_with_newline_and_ansi_escape(pg_db, tmp_path):
    make_table(pg_db, WEIRD, rows=25)
    lake, logs = tmp_path / "lake", tmp_path / "logs"
    r = run_pgtide("run", "--source", pg_db.uri, "--output", lake, "--log-folder", logs)
    assert [p.name for p in (lake / "public").iterdir()] == [WEIRD_FOLDER]
    # The lake folder holds the encoded name; compare its rows with the real table.
    pg_db.execute(sql.SQL("CREATE VIEW {} AS SELECT * FROM {}").format(
        sql.Identifier(WEIRD_FOLDER), sql.Identifier(WEIRD)))
    # pyarrow only: DuckDB's glob would read "[31m" as a character class.
    assert_lake_equals_pg(pg_db, lake, "public", WEIRD_FOLDER, "id", duck=False)
    assert pg_db.scalar(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(WEIRD))) == 25
    log = "\n".join(p.read_text() for p in logs.glob("*.log"))
    for where, text in {"stderr": r.stderr, "stdout": r.stdout, "run log": log}.items():
        assert "\x1b" not in text, f"raw ESC in {where}:\n{text!r}"
        assert "\x9b" not in text
        assert r"we\nird\x1b[31mred" in text, f"escaped name missing in {where}:\n{text}"
        # The name's newline never starts a line of its own.
        assert not any(line.startswith("ird") for line in text.splitlines()), text
    summary = json.loads(next(logs.glob("*.summary.json")).read_text())
    assert summary["status"] == "ok"


# --------------------------------------------------------------------------- item 11


@pytest.fixture
def loaded(pg_db, tmp_path):
    make_table(pg_db)
    lake = tmp_path / "lake"
    run_pgtide("run", "--source", pg_db.uri, "--output", lake)
    pg_db.execute("INSERT INTO t (id, v) VALUES (1000, 'new')")
    return pg_db, lake


def data_and_state(root: pathlib.Path) -> dict[str, str]:
    return {k: v for k, v in snapshot(root).items() if not k.startswith("_pgtide/logs/")}


def test_dns_failure_hint(loaded):
    db, lake = loaded
    baseline = data_and_state(lake)
    source = f"host=no-such-host.invalid port={db.cluster.port} dbname={db.name} user=postgres"
    r = run_pgtide("run", "--source", source, "--output", lake, check=None)
    assert r.rc == EXIT_SOURCE, r.stderr
    assert "no-such-host.invalid" in r.stderr
    assert re.search(r"HINT: .*host name does not resolve", r.stderr), r.stderr
    assert "Check the syntax" not in r.stderr
    assert data_and_state(lake) == baseline
    run_pgtide("run", "--source", db.uri, "--output", lake)
    assert_lake_equals_pg(db, lake, "public", "t", "id")


def test_tls_failure_hint(loaded):
    db, lake = loaded
    baseline = data_and_state(lake)
    source = db.uri + ("&" if "?" in db.uri else "?") + "sslmode=require"
    r = run_pgtide("run", "--source", source, "--output", lake, check=None)
    assert r.rc == EXIT_SOURCE, r.stderr
    assert re.search(r"HINT: .*TLS", r.stderr), r.stderr
    assert "sslmode" in r.stderr
    assert "Check the syntax" not in r.stderr
    assert db.password not in r.stderr
    assert data_and_state(lake) == baseline


@pytest.fixture
def small_tmpfs(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mnt = tmp_path / "full"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    mounted = [True]

    def unmount():
        if mounted[0]:
            subprocess.run(["umount", str(mnt)], check=True)
            mounted[0] = False

    try:
        yield mnt, unmount
    finally:
        if mounted[0]:
            subprocess.run(["umount", "-l", str(mnt)])


def test_full_disk_output(pg_db, tmp_path, small_tmpfs):
    mnt, unmount = small_tmpfs
    # ~4 MB of random bytes: Parquet cannot compress it below the 2 MB of the tmpfs.
    pg_db.execute("""
        CREATE TABLE big (id int PRIMARY KEY, b bytea, updated_at timestamptz DEFAULT now());
        INSERT INTO big (id, b)
        SELECT g, decode(md5(random()::text) || md5(random()::text) || md5(random()::text)
                         || md5(random()::text), 'hex')
          FROM generate_series(1, 60000) g;""")
    state = tmp_path / "state.csv"
    logs = tmp_path / "logs"
    args = ["--source", pg_db.uri, "--state", state, "--log-folder", logs]
    r = run_pgtide("run", "--output", mnt, *args, check=None)
    # A table lost to a full disk: exit 5 ("free space"), not 1 (README "Exit codes").
    assert r.rc == EXIT_STORAGE, r.stderr
    assert re.search(r"[Nn]o space left", r.stderr), r.stderr
    assert re.search(r"HINT: .*free space", r.stderr), r.stderr
    assert "permission" not in r.stderr.lower()
    assert "public.big" in r.stderr or str(mnt) in r.stderr, r.stderr
    summary = json.loads(next(logs.glob("*.summary.json")).read_text())
    assert [t["error_class"] for t in summary["tables"]] == ["storage_full"], summary
    assert summary["exit_code"] == EXIT_STORAGE
    # Nothing was committed: no state line for the table, no published data file.
    assert [f for f in all_parquet(mnt) if "/." not in f] == []
    assert "public.big" not in read_state(state.read_text() if state.exists() else "")
    unmount()
    # The mount point (now the roomy disk below) gets every row exactly once.
    run_pgtide("run", "--output", mnt, *args)
    assert_lake_equals_pg(pg_db, mnt, "public", "big", "id")
    assert "public.big" in read_state(state.read_text())


# --------------------------------------------------------------------------- item 13


def test_aws_shared_config_profile_endpoint(pg_db, s3_bucket, tmp_path):
    make_table(pg_db)
    config = tmp_path / "aws-config"
    config.write_text("[default]\nregion = eu-west-3\n\n"
                      f"[profile lake]\nregion = us-east-1\nendpoint_url = {s3_bucket.endpoint}\n")
    env = {"AWS_CONFIG_FILE": str(config), "AWS_PROFILE": "lake", "AWS_REGION": None,
           "AWS_ENDPOINT_URL": None, "AWS_ENDPOINT_URL_S3": None,
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials")}
    run_pgtide("run", "--source", pg_db.uri, *s3_args(s3_bucket, endpoint=False), env=env)
    assert_lake_equals_pg(pg_db, f"{s3_bucket.name}/lake", "public", "t", "id",
                          fs=s3_bucket.fs)
    state = read_state(s3_bucket.get("state/max_timestamps.csv"))
    assert "public.t" in state
    assert s3_bucket.keys("logs/")
