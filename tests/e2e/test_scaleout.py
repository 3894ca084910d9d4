"""Issue 15: scale-out — one snapshot per run (--consistent), split tables, shards
(JOB_COMPLETION_INDEX), plan --json units, and the Spark driver on pyspark local mode.

Every lake is read back with pyarrow (and DuckDB where local) and compared with
PostgreSQL, or with a ground truth the writers keep themselves.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time

import psycopg
import pytest

from conftest import (REPO, PGTIDE_BIN, assert_lake_equals_pg, assert_lake_history,
                      pgtide_env, read_lake_arrow, read_state, run_ids_of, run_pgtide,
                      start_pgtide)
from tcp_proxy import TcpProxy


def proxied(db, proxy) -> str:
    return db.uri.replace(f":{db.cluster.port}/", f":{proxy.port}/")


def lake_rows(root, table: str, columns: list[str], fs=None) -> list[tuple]:
    t = read_lake_arrow(root, "public", table, fs).select(columns)
    return sorted(tuple(r[c] for c in columns) for r in t.to_pylist())


# --------------------------------------------------------------------------- split tables


SPLIT_TABLES = {
    # integer primary key: split on the key
    "intkey": ("CREATE TABLE t (id bigint PRIMARY KEY, k int NOT NULL, gen int NOT NULL, "
               "body text)", "primary key"),
    # composite key: ctid block ranges
    "composite": ("CREATE TABLE t (id bigint, k int, gen int NOT NULL, body text, "
                  "PRIMARY KEY (k, id))", "ctid block ranges"),
    # no key at all: ctid block ranges
    "keyless": ("CREATE TABLE t (id bigint NOT NULL, k int NOT NULL, gen int NOT NULL, "
                "body text)", "ctid block ranges"),
}


class SnapshotWriter:
    """One writer thread whose transactions each update some rows and insert some, all
    tagged with the transaction's generation; it records every committed transaction, so
    the table as it was after transaction g can be rebuilt exactly."""

    def __init__(self, uri: str, initial: dict[int, tuple], next_id: int, seed: int):
        self.uri = uri
        self.rng = random.Random(seed)
        self.history: list[dict[int, tuple]] = []  # per generation: id -> new row
        self.initial = dict(initial)
        self.next_id = next_id
        self.stop = threading.Event()
        self.errors: list = []
        self.thread = threading.Thread(target=self._run)

    def _run(self):
        try:
            with psycopg.connect(self.uri, autocommit=False) as c:
                gen = 0
                ids = list(self.initial)
                while not self.stop.is_set():
                    gen += 1
                    change = {}
                    for i in self.rng.sample(ids, 20):
                        row = c.execute("UPDATE t SET gen = %s, body = md5(random()::text) "
                                        "WHERE k = %s AND id = %s "
                                        "RETURNING id, k, gen, body",
                                        (gen, i % 97, i)).fetchone()
                        change[row[0]] = row[1:]
                    for _ in range(5):
                        i = self.next_id
                        self.next_id += 1
                        row = c.execute("INSERT INTO t VALUES (%s, %s, %s, 'new') "
                                        "RETURNING id, k, gen, body",
                                        (i, i % 97, gen)).fetchone()
                        change[row[0]] = row[1:]
                        ids.append(i)
                    c.commit()
                    self.history.append(change)
        except Exception as e:
            self.errors.append(e)

    def state_after(self, gen: int) -> list[tuple]:
        rows = dict(self.initial)
        for change in self.history[:gen]:
            rows.update(change)
        return sorted((i, *v) for i, v in rows.items())

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        assert not self.errors, self.errors


@pytest.mark.parametrize("kind", list(SPLIT_TABLES))
def test_split_table_under_writers_equals_one_snapshot(pg_db, tmp_path, kind):
    ddl, how = SPLIT_TABLES[kind]
    pg_db.execute(ddl)
    pg_db.execute("INSERT INTO t SELECT g, g % 97, 0, repeat(md5(g::text), 2) "
                  "FROM generate_series(1, 60000) g")
    if kind == "intkey":
        pg_db.execute("ANALYZE t")  # a histogram to split on
    if kind == "keyless":
        pg_db.execute("CREATE INDEX ON t (k, id)")  # for the writer; still no key
    initial = {r[0]: tuple(r[1:]) for r in pg_db.query("SELECT id, k, gen, body FROM t")}
    lake = tmp_path / "lake"
    # Each of pgtide's connections is throttled, so the four ranges are read over about a
    # second each while the writer commits.
    with TcpProxy("127.0.0.1", pg_db.cluster.port, rate=2 << 20) as proxy:
        with SnapshotWriter(pg_db.uri, initial, 60001, seed=3) as w:
            while len(w.history) < 3:
                time.sleep(0.01)
            before = len(w.history)
            r = run_pgtide("run", "--source", proxied(pg_db, proxy), "--output", lake,
                           "--load-type", "full", "--no-progress", "--split-larger-than",
                           "1MB", "--split-ranges", "4", "-v")
            after = len(w.history)
    assert re.search(r"public\.t: \d+ bytes, split into 4 ranges by " + how, r.stderr), r.stderr
    assert "read as 4 ranges on 4 connections" in r.stderr
    assert proxy.connections >= 4
    assert after > before, "the writer committed nothing while the table was read"
    got = lake_rows(lake, "t", ["id", "k", "gen", "body"])
    # One snapshot: the table after exactly the generations the lake has seen, no row
    # twice (ids are unique in every generation), none missing, none from later.
    gen = max(row[2] for row in got)
    assert before <= gen <= after
    assert len(got) == len({row[0] for row in got})
    assert got == w.state_after(gen)


def test_split_table_cdc_after_split_full_load(pg_db, tmp_path):
    """A split cdc run resumes from the split full load's mark: nothing lost or doubled."""
    pg_db.execute("CREATE TABLE ev (id bigserial PRIMARY KEY, payload text, "
                  "updated_at timestamptz NOT NULL DEFAULT now())")
    pg_db.execute("INSERT INTO ev (payload) SELECT md5(g::text) FROM generate_series(1, 30000) g")
    lake = tmp_path / "lake"
    split = ("--split-larger-than", "100kB", "--split-ranges", "3", "--no-progress")
    r = run_pgtide("run", "--source", pg_db.uri, "--output", lake, "--load-type", "full", *split)
    assert "split into 3 ranges" in r.stderr
    pg_db.execute("UPDATE ev SET payload = 'x', updated_at = DEFAULT WHERE id % 100 = 0")
    pg_db.execute("INSERT INTO ev (payload) SELECT 'n' FROM generate_series(1, 500)")
    run_pgtide("run", "--source", pg_db.uri, "--output", lake, "--load-type", "cdc", *split)
    assert_lake_history(pg_db, lake, "public", "ev", "id")


# --------------------------------------------------------------------------- --consistent


def test_consistent_money_transfer_sums_as_at_one_instant(pg_db, tmp_path):
    total = 40000 * 100
    for t in ("acct_a", "acct_b"):
        pg_db.execute(f"CREATE TABLE {t} (id int PRIMARY KEY, balance bigint NOT NULL, "
                      "pad text)")
        pg_db.execute(f"INSERT INTO {t} SELECT g, 50, repeat('x', 60) "
                      "FROM generate_series(1, 40000) g")
    stop = threading.Event()
    moved = [0]

    def transfers():
        rng = random.Random(7)
        with psycopg.connect(pg_db.uri) as c:
            while not stop.is_set():
                a, b, amount = rng.randint(1, 40000), rng.randint(1, 40000), rng.randint(1, 9)
                src, dst = rng.choice([("acct_a", "acct_b"), ("acct_b", "acct_a")])
                c.execute(f"UPDATE {src} SET balance = balance - %s WHERE id = %s", (amount, a))
                c.execute(f"UPDATE {dst} SET balance = balance + %s WHERE id = %s", (amount, b))
                c.commit()
                moved[0] += 1

    lake = tmp_path / "lake"
    writer = threading.Thread(target=transfers)
    with TcpProxy("127.0.0.1", pg_db.cluster.port, rate=1 << 20) as proxy:
        writer.start()
        try:
            while moved[0] < 5:
                time.sleep(0.01)
            before = moved[0]
            # One table after the other, each over a couple of seconds.
            r = run_pgtide("run", "--source", proxied(pg_db, proxy), "--output", lake,
                           "--load-type", "full", "--jobs", "1", "--consistent",
                           "--no-progress")
            during = moved[0] - before
        finally:
            stop.set()
            writer.join()
    assert "consistent: every table is read in snapshot" in r.stderr, r.stderr
    assert during > 0, "no transfer happened while the tables were read"
    sums = [sum(read_lake_arrow(lake, "public", t).column("balance").to_pylist())
            for t in ("acct_a", "acct_b")]
    assert sum(sums) == total, sums
    # Still exactly what PostgreSQL holds once the writers stopped, after a second run.
    run_pgtide("run", "--source", pg_db.uri, "--output", lake, "--load-type", "full",
               "--consistent", "--no-progress")
    for t in ("acct_a", "acct_b"):
        assert_lake_equals_pg(pg_db, lake, "public", t, "id")


def test_consistent_cdc_keeps_exactly_once(pg_db, tmp_path):
    """--consistent cdc: the horizon is the snapshot holder's, for every table."""
    for t in ("e1", "e2"):
        pg_db.execute(f"CREATE TABLE {t} (id bigserial PRIMARY KEY, payload text, "
                      "updated_at timestamptz NOT NULL DEFAULT now())")
        pg_db.execute(f"INSERT INTO {t} (payload) SELECT md5(g::text) "
                      "FROM generate_series(1, 2000) g")
    lake = tmp_path / "lake"
    for i in range(3):
        run_pgtide("run", "--source", pg_db.uri, "--output", lake, "--load-type", "cdc",
                   "--consistent", "--no-progress")
        for t in ("e1", "e2"):
            pg_db.execute(f"UPDATE {t} SET payload = 'u{i}', updated_at = DEFAULT "
                          "WHERE id %% 7 = %s", (i,))
            pg_db.execute(f"INSERT INTO {t} (payload) VALUES ('n{i}')")
    run_pgtide("run", "--source", pg_db.uri, "--output", lake, "--load-type", "cdc",
               "--consistent", "--no-progress")
    for t in ("e1", "e2"):
        assert_lake_history(pg_db, lake, "public", t, "id")


# --------------------------------------------------------------------------- plan --json


def make_skewed_tables(db, sizes: dict[str, int]) -> None:
    for name, rows in sizes.items():
        db.execute(f"CREATE TABLE {name} (id bigserial PRIMARY KEY, payload text, "
                   "updated_at timestamptz NOT NULL DEFAULT now())")
        db.execute(f"INSERT INTO {name} (payload) SELECT md5(g::text) "
                   f"FROM generate_series(1, {rows}) g")
    db.execute("ANALYZE")


def plan_units(db, *extra) -> dict:
    r = run_pgtide("plan", "--source", db.uri, "--json", *extra)
    return json.loads(r.stdout)


def test_plan_json_lists_units_with_estimates_and_shards(pg_db):
    make_skewed_tables(pg_db, {"big": 40000, "s1": 100, "s2": 200, "s3": 300, "s4": 400})
    out = plan_units(pg_db, "--shard", "0/2", "--split-larger-than", "1MB")
    units = {u["table"]: u for u in out["units"]}
    assert set(units) == {"public.big", "public.s1", "public.s2", "public.s3", "public.s4"}
    assert out["shards"] == 2
    for name, u in units.items():
        size = pg_db.scalar(f"SELECT pg_table_size('{name}')")
        assert u["estimated_bytes"] == size
        assert u["estimated_rows"] == pg_db.scalar(
            f"SELECT reltuples::bigint FROM pg_class WHERE oid = '{name}'::regclass")
        assert u["shard"] in (0, 1)
        assert "password" not in u["source"] and pg_db.password not in json.dumps(u)
    # The big table is alone on its shard; it is split on its key in 4 ranges.
    assert all(u["shard"] != units["public.big"]["shard"] for n, u in units.items()
               if n != "public.big")
    assert len(units["public.big"]["ranges"]) == 4
    assert units["public.s1"]["ranges"] == []
    # The same answer again: deterministic.
    assert plan_units(pg_db, "--shard", "0/2", "--split-larger-than", "1MB") == out


def test_shard_flags_are_checked(pg_db, tmp_path):
    for args, env in ((("--shard", "4/4"), {}), (("--shards", "4"), {}),
                      (("--shards", "4"), {"JOB_COMPLETION_INDEX": "9"}),
                      (("--split-larger-than", "big"), {})):
        r = run_pgtide("run", "--source", pg_db.uri, "--output", tmp_path / "l", *args,
                       env={"JOB_COMPLETION_INDEX": None, "AWS_BATCH_JOB_ARRAY_INDEX": None,
                            **env}, check=2)
        assert "HINT" in r.stderr or "shard index" in r.stderr, r.stderr


def test_shards_from_aws_batch_index_cover_every_table_once(pg_db, tmp_path):
    make_skewed_tables(pg_db, {f"t{i}": 200 * (i + 1) for i in range(7)})
    lake = tmp_path / "lake"
    seen = []
    for i in range(3):
        r = run_pgtide("run", "--source", pg_db.uri, "--output", lake, "--shards", "3",
                       "--no-progress", env={"AWS_BATCH_JOB_ARRAY_INDEX": str(i),
                                             "JOB_COMPLETION_INDEX": None})
        assert f"shard {i} of 3:" in r.stderr
        seen += re.findall(r"table (public\.t\d): full load wrote", r.stderr)
    assert sorted(seen) == sorted(f"public.t{i}" for i in range(7))
    for i in range(7):
        assert_lake_equals_pg(pg_db, lake, "public", f"t{i}", "id")


# --------------------------------------------------------------------------- 4 shards, SIGKILL


def test_four_shards_with_writers_and_sigkills(pg_db, s3_bucket, moto_server):
    sizes = {"big": 30000, **{f"s{i}": 500 * (i + 1) for i in range(7)}}
    make_skewed_tables(pg_db, sizes)
    lake = s3_bucket.url("lake")
    common = ("run", "--source", pg_db.uri, "--output", lake, "--s3-endpoint",
              moto_server.endpoint, "--shards", "4", "--jobs", "2", "--no-progress")
    # What each shard owns, as every shard computes it.
    owner = {u["table"]: u["shard"] for u in plan_units(pg_db, "--shard", "0/4")["units"]}
    assert set(owner.values()) == {0, 1, 2, 3}
    runs_of: dict[int, set[str]] = {i: set() for i in range(4)}
    stop = threading.Event()
    errors: list = []

    def writer():
        rng = random.Random(21)
        try:
            with psycopg.connect(pg_db.uri, autocommit=True) as c:
                while not stop.is_set():
                    t = rng.choice(list(sizes))
                    c.execute(f"INSERT INTO {t} (payload) SELECT 'w' FROM generate_series(1, 3)")
                    c.execute(f"UPDATE {t} SET payload = 'u', updated_at = DEFAULT "
                              f"WHERE id = %s", (rng.randint(1, sizes[t]),))
                    time.sleep(0.005)
        except Exception as e:
            errors.append(e)

    def record(i: int, stderr: str):
        runs_of[i].update(re.findall(r"pgtide run (\S+) starting", stderr))

    def shard_env(i: int):
        return {"JOB_COMPLETION_INDEX": str(i), "AWS_BATCH_JOB_ARRAY_INDEX": None}

    rng = random.Random(5)
    kills = 0
    w = threading.Thread(target=writer)
    w.start()
    try:
        for round_ in range(4):
            procs = {i: start_pgtide(*common, env=shard_env(i)) for i in range(4)}
            time.sleep(rng.uniform(0.05, 0.8))
            victims = rng.sample(range(4), rng.randint(1, 2))
            for i in victims:
                procs[i].send_signal(signal.SIGKILL)
            for i, p in procs.items():
                _, err = p.communicate(timeout=180)
                record(i, err)
                if i in victims and p.returncode == -signal.SIGKILL:
                    kills += 1
                else:
                    assert p.returncode == 0, err
            # The scheduler retries each killed index until it succeeds.
            for i in victims:
                r = run_pgtide(*common, env=shard_env(i))
                record(i, r.stderr)
    finally:
        stop.set()
        w.join()
    assert not errors, errors
    assert kills > 0
    for i in range(4):  # a last round that sees every write
        record(i, run_pgtide(*common, env=shard_env(i)).stderr)

    # The assignment the first run pinned for this output, which every later run kept.
    pinned = {}
    for line in s3_bucket.get("lake/_pgtide/shards-of-4.txt").decode().splitlines():
        shard, key = line.split(" ", 1)
        pinned[key] = int(shard)
    assert set(pinned) == set(owner)
    owner = pinned
    shard_of_run = {run: i for i, runs in runs_of.items() for run in runs}
    state = read_state(s3_bucket.get("lake/_pgtide/max_timestamps.csv"))
    assert set(state) == set(owner), "a state line was lost"
    for table, shard in owner.items():
        name = table.split(".")[1]
        assert_lake_history(pg_db, f"{s3_bucket.name}/lake", "public", name, "id",
                            fs=s3_bucket.fs)
        files = s3_bucket.object_keys(f"lake/public/{name}/")
        writers = {shard_of_run[r] for r in run_ids_of([f for f in files
                                                        if f.endswith(".parquet")])}
        assert writers == {shard}, (table, writers)
        assert shard_of_run[state[table]["committed_run"]] == shard


# --------------------------------------------------------------------------- Spark driver


def test_spark_driver_local_mode_loads_every_table(pg_db, tmp_path):
    pytest.importorskip("pyspark")
    make_skewed_tables(pg_db, {"orders": 5000, "customers": 800, "items": 1200})
    pg_db.execute("CREATE TABLE nocursor (id int PRIMARY KEY, v text)")
    pg_db.execute("INSERT INTO nocursor SELECT g, g::text FROM generate_series(1, 300) g")
    lake = tmp_path / "lake"
    env = pgtide_env({"PGTIDE_SOURCE": pg_db.uri, "PYSPARK_PYTHON": sys.executable,
                      "SPARK_LOCAL_IP": "127.0.0.1"})
    driver = REPO / "deploy" / "spark" / "pgtide_spark_driver.py"
    r = subprocess.run([sys.executable, str(driver), "--master", "local[2]",
                        "--pgtide-bin", PGTIDE_BIN, "--output", str(lake),
                        "--load-type", "full"],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    for t in ("orders", "customers", "items", "nocursor"):
        assert f"public.{t}: exit 0" in r.stdout
        assert_lake_equals_pg(pg_db, lake, "public", t, "id")
    assert pg_db.password not in r.stdout + r.stderr


# --------------------------------------------------------------------------- deploy recipes


def test_deploy_recipes_parse():
    yaml = pytest.importorskip("yaml")
    job = yaml.safe_load((REPO / "deploy/kubernetes/pgtide-indexed-job.yaml").read_text())
    spec = job["spec"]
    assert spec["completionMode"] == "Indexed"
    assert f"--shards={spec['completions']}" in spec["template"]["spec"]["containers"][0]["args"]
    rules = {r["action"]: r for r in spec["podFailurePolicy"]["rules"]}
    assert rules["FailJob"]["onExitCodes"]["values"] == [2, 4, 70]
    assert 3 in rules["Count"]["onExitCodes"]["values"]
    batch = json.loads((REPO / "deploy/aws-batch/pgtide-job-definition.json").read_text())
    assert "--shards" in batch["containerProperties"]["command"]
    exits = {e["onExitCode"]: e["action"] for e in batch["retryStrategy"]["evaluateOnExit"]}
    assert exits["2"] == exits["4"] == "EXIT" and exits["*"] == "RETRY"
    for f in ("deploy/airflow/pgtide_dag.py", "deploy/spark/pgtide_spark_driver.py"):
        compile((REPO / f).read_text(), f, "exec")
    docker = (REPO / "deploy/Dockerfile").read_text()
    assert docker.count("FROM ") == 2 and "AS build" in docker
