"""PostgreSQL faults (issue 12, items 2 and 3): bounded waits and recovery.

Real faults only: a port that accepts TCP and never answers, a network black hole in the
middle of a COPY (tcp_proxy.py), a server restarted or stopped for good in the middle of a
run (pg_ctl on a cluster of this module's own, so the session cluster is never touched),
and a role whose CONNECTION LIMIT is lower than --jobs. Timeouts are lowered by their
flags to keep each test to seconds; the defaults are documented in the README.
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import tempfile
import time
import uuid

import psycopg
import pytest
from psycopg import sql

from conftest import (REPO, SERVER_TZ, PgCluster, PgDatabase, all_parquet,
                      assert_lake_equals_pg, read_lake_arrow, read_state, run_pgtide, snapshot, start_pgtide)
from tcp_proxy import TcpProxy

EXIT_OK, EXIT_SOURCE = 0, 3
# Small bounds for the tests (the defaults are 10 s, 60 s, 600 s, 5 retries from 2 s).
FAST = ["--connect-timeout", "2", "--stall-timeout", "3", "--retry-wait", "0.5"]


def data_and_state(root: pathlib.Path) -> dict[str, str]:
    return {k: v for k, v in snapshot(root).items() if not k.startswith("_pgtide/logs/")}


# --------------------------------------------------------------------------- own cluster

PGBIN = sorted(pathlib.Path("/usr/lib/postgresql").glob("*/bin"),
               key=lambda p: int(p.parent.name))[-1] if pathlib.Path(
                   "/usr/lib/postgresql").exists() else None


def pg_ctl(cluster: PgCluster, *args: str) -> None:
    cmd = [str(PGBIN / "pg_ctl"), "-D", os.path.join(cluster.dir, "data"), "-w", "-t", "60",
           "-l", os.path.join(cluster.dir, "server.log"), *args]
    if os.getuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    assert r.returncode == 0, f"pg_ctl {' '.join(args)} failed:\n{r.stdout}\n{r.stderr}"


def ensure_running(cluster: PgCluster) -> None:
    try:
        psycopg.connect(cluster.uri, connect_timeout=5).close()
    except psycopg.OperationalError:
        pg_ctl(cluster, "start")


@pytest.fixture(scope="module")
def own_cluster():
    """A cluster for destructive tests (restarts, stops), started once for this module."""
    base = tempfile.mkdtemp(prefix="pgtide-faults-", dir="/tmp")
    os.chmod(base, 0o755)
    cluster_dir = os.path.join(base, "pg")
    script = str(REPO / "scripts" / "pg-cluster.sh")
    r = subprocess.run([script, "start", cluster_dir, SERVER_TZ], capture_output=True,
                       text=True, timeout=180)
    if r.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"could not start a PostgreSQL cluster:\n{r.stdout}\n{r.stderr}",
                    pytrace=False)
    env = dict(re.findall(r"export (\w+)='?([^'\n]*)'?", pathlib.Path(cluster_dir, "env")
                          .read_text()))
    uri = env["PGTIDE_TEST_PG_URI"]
    cluster = PgCluster(dir=cluster_dir, uri=uri, port=int(env["PGTIDE_TEST_PG_PORT"]),
                        password=re.match(r"postgresql://[^:]+:([^@]+)@", uri).group(1))
    try:
        yield cluster
    finally:
        subprocess.run([script, "stop", cluster_dir], capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def own_db(own_cluster):
    """A fresh database of the module's own cluster, which is running again afterwards."""
    ensure_running(own_cluster)
    name = f"faults_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(own_cluster.uri, autocommit=True) as c:
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    db = PgDatabase(own_cluster, name)
    try:
        yield db
    finally:
        db.close()
        ensure_running(own_cluster)
        with psycopg.connect(own_cluster.uri, autocommit=True) as c:
            c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))


def make_tables(db: PgDatabase, count: int, rows: int) -> list[str]:
    names = [f"t{i:02d}" for i in range(count)]
    for n in names:
        db.execute(sql.SQL("CREATE TABLE {} (id int PRIMARY KEY, v text, "
                           "updated_at timestamptz DEFAULT now())").format(sql.Identifier(n)))
        db.execute(sql.SQL("INSERT INTO {} (id, v) SELECT g, repeat(md5(g::text), 2) "
                           "FROM generate_series(1, %s) g").format(sql.Identifier(n)), (rows,))
    return names


def assert_rows_once(db: PgDatabase, lake: pathlib.Path, tables: list[str]) -> None:
    """Every row of every table is in the lake exactly once: the ids of each table, read
    with pyarrow, equal PostgreSQL's; the first table is also compared column by column."""
    for t in tables:
        lake_ids = read_lake_arrow(lake, "public", t).column("id").to_pylist()
        pg_ids = [r[0] for r in db.query(sql.SQL("SELECT id FROM {}").format(
            sql.Identifier(t)))]
        assert sorted(lake_ids) == sorted(pg_ids), (
            f"{t}: lake has {len(lake_ids)} ids ({len(set(lake_ids))} distinct), "
            f"PostgreSQL {len(pg_ids)}")
    assert_lake_equals_pg(db, lake, "public", tables[0], "id")


def wait_for_copy(cluster: PgCluster, dbname: str, proc: subprocess.Popen,
                  committed_tables: pathlib.Path | None = None, timeout: float = 60) -> None:
    """Waits until pgtide runs a COPY in `dbname` (and, if given, the state file holds a
    line: at least one table is committed, so the fault hits a run half way)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert proc.poll() is None, "pgtide finished before the fault was injected"
        state_ok = committed_tables is None or (
            committed_tables.exists() and len(read_state(committed_tables.read_text())) > 0)
        if state_ok:
            with psycopg.connect(cluster.uri, autocommit=True) as c:
                n = c.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                              "AND application_name = 'pgtide' AND query LIKE 'COPY%%' "
                              "AND state = 'active'", (dbname,)).fetchone()[0]
            if n:
                return
        time.sleep(0.02)
    pytest.fail("pgtide never ran a COPY")


def finish(proc: subprocess.Popen, timeout: float) -> tuple[int, str, str, float]:
    start = time.time()
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"pgtide did not exit within {timeout} s:\n{err[-3000:]}")
    return proc.returncode, out, err, time.time() - start


# --------------------------------------------------------------------------- item 2: hangs


def test_port_that_never_answers_exits_3_within_a_minute(tmp_path):
    """Default settings: the login times out after --connect-timeout (10 s), exit 3."""
    with TcpProxy("127.0.0.1", 9) as proxy:
        proxy.mode = "silent"
        uri = f"postgresql://postgres:pw@127.0.0.1:{proxy.port}/db"
        start = time.time()
        r = run_pgtide("run", "--source", uri, "--output", tmp_path / "lake", check=None,
                       timeout=90)
        took = time.time() - start
    assert r.rc == EXIT_SOURCE, r.stderr
    assert took < 60, f"took {took:.0f} s"
    assert f"127.0.0.1:{proxy.port}" in r.stderr, r.stderr
    assert "--connect-timeout" in r.stderr, r.stderr
    assert "pw@" not in r.stderr and ":pw" not in r.stderr
    assert not all_parquet(tmp_path / "lake")


def test_black_hole_mid_copy_ends_within_bound_and_next_run_loads_once(pg_db, tmp_path):
    pg_db.execute("""
        CREATE TABLE big (id int PRIMARY KEY, v text, updated_at timestamptz DEFAULT now());
        INSERT INTO big (id, v) SELECT g, repeat(md5(g::text), 4)
          FROM generate_series(1, 100000) g;""")
    lake = tmp_path / "lake"
    run_pgtide("run", "--source", pg_db.uri, "--output", lake)
    baseline = data_and_state(lake)
    pg_db.execute("INSERT INTO big (id, v) SELECT g, 'new' FROM generate_series(100001, 100100) g")
    with TcpProxy("127.0.0.1", pg_db.cluster.port) as proxy:
        uri = re.sub(r"@127\.0\.0\.1:\d+/", f"@127.0.0.1:{proxy.port}/", pg_db.uri)
        # The catalogue queries are small: 2 MiB into the stream is inside the COPY
        # (about 14 MB).
        proxy.blackhole_after(2 << 20)
        start = time.time()
        r = run_pgtide("run", "--source", uri, "--output", lake, "--load-type", "full",
                       *FAST, "--retries", "1", check=None, timeout=120)
        took = time.time() - start
        assert proxy.mode == "blackhole", "the black hole was never reached"
        proxy.drop_connections()
    assert r.rc == EXIT_SOURCE, r.stderr
    # stall 3 s + cancel ≤ 5 s, retry after 0.5 s, a login into the hole ≤ 2 s.
    assert took < 30, f"took {took:.0f} s"
    assert "stalled" in r.stderr and "--stall-timeout" in r.stderr, r.stderr
    assert "retrying" in r.stderr, r.stderr
    assert re.search(r"public\.big .*failed", r.stdout + r.stderr)
    assert data_and_state(lake) == baseline, "a failed table changed the lake or the state"
    # A normal run afterwards loads every row exactly once.
    run_pgtide("run", "--source", pg_db.uri, "--output", lake)
    assert_lake_equals_pg(pg_db, lake, "public", "big", "id")


# --------------------------------------------------------------------------- item 3: recovery


def test_restart_mid_run_loads_every_table_once(own_db, tmp_path):
    tables = make_tables(own_db, 16, 60000)
    lake = tmp_path / "lake"
    state = lake / "_pgtide" / "max_timestamps.csv"
    p = start_pgtide("run", "--source", own_db.uri, "--output", lake, "--jobs", "2",
                     "--no-progress", *FAST)
    wait_for_copy(own_db.cluster, own_db.name, p, committed_tables=state)
    pg_ctl(own_db.cluster, "restart", "-m", "fast")
    rc, out, err, _ = finish(p, 120)
    assert rc == EXIT_OK, err
    assert "retrying" in err, "the restart did not hit the run:\n" + err
    assert len(read_state(state.read_text())) == len(tables)
    assert_rows_once(own_db, lake, tables)


def test_server_gone_for_good_exits_3_then_next_run_recovers(own_db, tmp_path):
    tables = make_tables(own_db, 16, 60000)
    lake = tmp_path / "lake"
    state = lake / "_pgtide" / "max_timestamps.csv"
    p = start_pgtide("run", "--source", own_db.uri, "--output", lake, "--jobs", "2",
                     "--no-progress", *FAST, "--retries", "2")
    wait_for_copy(own_db.cluster, own_db.name, p, committed_tables=state)
    stopped = time.time()
    pg_ctl(own_db.cluster, "stop", "-m", "fast")
    try:
        rc, out, err, _ = finish(p, 90)
        took = time.time() - stopped
    finally:
        pg_ctl(own_db.cluster, "start")
    assert rc == EXIT_SOURCE, err
    # Two retries waiting 0.5 s and 1 s, refused logins: seconds, not minutes.
    assert took < 30, f"took {took:.0f} s after the stop"
    committed = read_state(state.read_text())
    assert 0 < len(committed) < len(tables)
    # Committed tables are complete; the next run loads the rest, every row once.
    run_pgtide("run", "--source", own_db.uri, "--output", lake, "--jobs", "2")
    assert len(read_state(state.read_text())) == len(tables)
    assert_rows_once(own_db, lake, tables)


def test_role_connection_limit_caps_jobs(own_db, tmp_path):
    tables = make_tables(own_db, 30, 20)
    role = f"limited_{uuid.uuid4().hex[:6]}"
    own_db.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD 'Qx7-zv9k' CONNECTION LIMIT 2")
                   .format(sql.Identifier(role)))
    own_db.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}")
                   .format(sql.Identifier(role)))
    uri = re.sub(r"postgresql://[^@]+@", f"postgresql://{role}:Qx7-zv9k@", own_db.uri)
    lake = tmp_path / "lake"
    r = run_pgtide("run", "--source", uri, "--output", lake, "--jobs", "8", *FAST)
    # One of the two slots is the run's lock session (README "Roles, horizon and locking").
    assert re.search(r"--jobs 8 lowered to 1: .*role .*CONNECTION LIMIT", r.stderr), r.stderr
    assert len(read_state((lake / "_pgtide" / "max_timestamps.csv").read_text())) == 30
    assert_rows_once(own_db, lake, tables)
