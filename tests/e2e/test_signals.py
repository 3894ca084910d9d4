"""Signals (issue 12, item 4): SIGTERM / SIGINT stop a run gracefully, a second signal
exits at once, and a run killed outright (SIGKILL) still leaves a log that the next run
uploads.

The table being loaded is read through a throttling TCP proxy (tcp_proxy.TcpProxy), so the
COPY is really in progress (and spilling interleaved dates to disk) when the signal
arrives; the proxy can also stall, as a dead network would.
"""

from __future__ import annotations

import json
import os
import pathlib
import signal
import time

import pytest

from conftest import (assert_lake_equals_pg, read_lake_arrow, read_state, run_pgtide,
                      start_pgtide)
from tcp_proxy import TcpProxy

BIG_ROWS = 150_000


@pytest.fixture
def proxy(pg_db):
    p = TcpProxy("127.0.0.1", pg_db.cluster.port, rate=2 << 20)
    yield p
    p.close()


def make_tables(db):
    """a_first (small, committed before the big one), b_big (interleaved dates: spills
    with a small memory limit), c_last (never started when b_big is interrupted)."""
    for name, rows in (("a_first", 500), ("b_big", BIG_ROWS), ("c_last", 700)):
        db.execute(f"""CREATE TABLE {name} (id bigint PRIMARY KEY, payload text,
                       updated_at timestamptz NOT NULL)""")
        db.execute(f"""INSERT INTO {name} SELECT g, repeat(md5(g::text), 4),
                       timestamptz '2024-01-01 00:00:00+00'
                         + ((g::bigint * 7919) % 300) * interval '1 day'
                         + (g % 86400) * interval '1 second'
                       FROM generate_series(1, {rows}) g""")
    db.execute("ANALYZE")


def assert_all_loaded_once(db, root, fs=None):
    """Every row of every table in the lake exactly once: the small tables compared
    cell by cell, the big one by its ids (each once) and its row count."""
    for t in ("a_first", "c_last"):
        assert_lake_equals_pg(db, root, "public", t, "id", fs=fs)
    ids = read_lake_arrow(root, "public", "b_big", fs).column("id").to_pylist()
    assert len(ids) == BIG_ROWS and sorted(ids) == [
        r[0] for r in db.query("SELECT id FROM b_big ORDER BY id")]


def proxied_uri(db, proxy) -> str:
    return db.uri.replace(f":{db.cluster.port}/", f":{proxy.port}/")


def wait_for(what, predicate, proc, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"pgtide exited {proc.returncode} before {what}:\n{err}")
        time.sleep(0.05)
    proc.kill()
    pytest.fail(f"timed out waiting for {what}")


def copy_running(db, table: str) -> bool:
    return db.scalar("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                     "AND query LIKE %s", (f"COPY%{table}%",)) > 0


def hidden_files(root) -> list[str]:
    """Staging and spill files (hidden, '.part-…') anywhere in a local folder."""
    return sorted(str(p) for p in pathlib.Path(root).rglob(".*") if p.is_file())


def pgtide_temp_entries(tmpdir) -> list[str]:
    return sorted(str(p) for p in pathlib.Path(tmpdir).rglob("*"))


def wait_exit(proc, timeout=20):
    start = time.time()
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err, time.time() - start


def summaries(folder) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(pathlib.Path(folder).glob("*.summary.json"))]


@pytest.mark.parametrize("signo,code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signal_during_copy_stops_gracefully_local(pg_db, proxy, tmp_path, _pgtide_tmpdir,
                                                    signo, code):
    make_tables(pg_db)
    lake = tmp_path / "lake"
    logs = lake / "_pgtide" / "logs"
    p = start_pgtide("run", "--source", proxied_uri(pg_db, proxy), "--output", lake,
                     "--load-type", "full", "--no-progress", "--memory-limit-mb", "8")
    state_file = lake / "_pgtide" / "max_timestamps.csv"

    def a_first_committed():
        return state_file.exists() and "public.a_first" in state_file.read_text()

    # Mid-COPY, with interleaved dates already spilled to hidden files in the lake, and
    # the first table committed.
    wait_for("b_big's COPY and spill", lambda: copy_running(pg_db, "b_big") and any(
        "-spill-" in f for f in hidden_files(lake / "public" / "b_big")) and
        a_first_committed(), p)
    assert list(logs.glob("*.log.partial")), "no run log on disk while the run goes"
    p.send_signal(signo)
    rc, out, err, took = wait_exit(p)
    assert rc == code, err
    assert took < 15, f"took {took:.1f}s to stop"
    assert f"received {signal.Signals(signo).name}" in err
    # The summary says interrupted; the committed table stays, the others were aborted.
    [summary] = summaries(logs)
    assert summary["status"] == "interrupted" and summary["exit_code"] == code
    assert summary["signal"] == signal.Signals(signo).name
    status = {t["table"]: t["status"] for t in summary["tables"]}
    assert status == {"public.a_first": "ok", "public.b_big": "interrupted",
                      "public.c_last": "interrupted"}, status
    assert list(logs.glob("*.log")) and not list(logs.glob("*.log.partial"))
    assert "interrupted" in list(logs.glob("*.log"))[0].read_text()
    assert not hidden_files(lake), "staging or spill files left in the lake"
    assert not pgtide_temp_entries(_pgtide_tmpdir), "pgtide left files in $TMPDIR"
    state = read_state(state_file.read_bytes())
    assert set(state) == {"public.a_first"}
    assert_lake_equals_pg(pg_db, lake, "public", "a_first", "id")
    assert not (lake / "public" / "b_big").exists() or not list(
        (lake / "public" / "b_big").rglob("*.parquet"))
    # The next normal run loads every row exactly once.
    run_pgtide("run", "--source", pg_db.uri, "--output", lake, "--load-type", "cdc",
               "--no-progress")
    assert_all_loaded_once(pg_db, lake)


def test_sigint_during_copy_stops_gracefully_s3(pg_db, proxy, s3_bucket, moto_server,
                                                 _pgtide_tmpdir):
    make_tables(pg_db)
    lake = s3_bucket.url("lake")
    endpoint = ["--s3-endpoint", moto_server.endpoint]
    p = start_pgtide("run", "--source", proxied_uri(pg_db, proxy), "--output", lake,
                     "--load-type", "full", "--no-progress", "--memory-limit-mb", "8",
                     *endpoint)

    def staged_files():  # spill and staged Parquet files of an S3 lake are local
        return list(pathlib.Path(_pgtide_tmpdir).glob("pgtide-staging-*/*"))

    wait_for("b_big's COPY with staged files",
             lambda: copy_running(pg_db, "b_big") and staged_files(), p)
    p.send_signal(signal.SIGINT)
    rc, out, err, took = wait_exit(p)
    assert rc == 130, err
    assert took < 15, f"took {took:.1f}s to stop"
    keys = s3_bucket.object_keys("lake/")
    [summary_key] = [k for k in keys if k.endswith(".summary.json")]
    summary = json.loads(s3_bucket.get(summary_key))
    assert summary["status"] == "interrupted"
    assert [k for k in keys if k.endswith(".log")]
    assert not [k for k in keys if "b_big" in k or "c_last" in k], keys
    assert not pgtide_temp_entries(_pgtide_tmpdir), "pgtide left files in $TMPDIR"
    run_pgtide("run", "--source", pg_db.uri, "--output", lake, "--load-type", "cdc",
               "--no-progress", *endpoint)
    assert_all_loaded_once(pg_db, f"{s3_bucket.name}/lake", fs=s3_bucket.fs)


def test_second_signal_exits_at_once(pg_db, proxy, tmp_path):
    make_tables(pg_db)
    lake = tmp_path / "lake"
    logs = lake / "_pgtide" / "logs"
    p = start_pgtide("run", "--source", proxied_uri(pg_db, proxy), "--output", lake,
                     "--load-type", "full", "--no-progress")
    wait_for("b_big's COPY", lambda: copy_running(pg_db, "b_big"), p)
    # A dead network: the cancelled COPY's answer never arrives, the stop cannot finish.
    proxy.stalled = True
    p.send_signal(signal.SIGTERM)
    time.sleep(1)
    p.send_signal(signal.SIGTERM)
    rc, out, err, took = wait_exit(p, timeout=10)
    assert rc == 143, err
    assert "exiting now" in err
    assert not summaries(logs), "a second signal must not wait for the summary"
    # The log written as the run went is there, and the next run uploads it.
    [partial] = list(logs.glob("*.log.partial"))
    assert "received SIGTERM" in partial.read_text()
    r = run_pgtide("run", "--source", pg_db.uri, "--output", lake, "--load-type", "cdc",
                   "--no-progress")
    assert "was uploaded to" in r.stderr
    assert not list(logs.glob("*.log.partial"))
    recovered = logs / partial.name.removesuffix(".partial")
    assert "did not finish" in recovered.read_text()
    assert_all_loaded_once(pg_db, lake)


@pytest.mark.parametrize("where", ["local", "s3"])
def test_sigkill_leaves_a_log_the_next_run_uploads(pg_db, proxy, tmp_path, s3_bucket,
                                                    moto_server, _pgtide_tmpdir, where):
    make_tables(pg_db)
    lake = tmp_path / "lake" if where == "local" else s3_bucket.url("lake")
    extra = [] if where == "local" else ["--s3-endpoint", moto_server.endpoint]
    partial_dir = (lake / "_pgtide" / "logs" if where == "local"
                   else pathlib.Path(_pgtide_tmpdir) / "pgtide-logs")
    p = start_pgtide("run", "--source", proxied_uri(pg_db, proxy), "--output", lake,
                     "--load-type", "cdc", "--no-progress", *extra)
    wait_for("b_big's COPY", lambda: copy_running(pg_db, "b_big"), p)
    p.send_signal(signal.SIGKILL)
    p.communicate()
    [partial] = list(partial_dir.glob("*.log.partial"))
    assert "3 tables to load" in partial.read_text()
    # S3 data files are streamed to the bucket as they are written (issue 16): the local
    # staging folder is created only for a spill, which these small tables never need.
    staging = list(pathlib.Path(_pgtide_tmpdir).glob("pgtide-staging-*"))
    assert not [f for d in staging for f in d.rglob("*.parquet")]
    r = run_pgtide("run", "--source", pg_db.uri, "--output", lake, "--load-type", "cdc",
                   "--no-progress", *extra)
    assert "was uploaded to" in r.stderr, r.stderr
    assert not list(partial_dir.glob("*.log.partial"))
    # The killed run's S3 staging folder, if any (its lock is free), went too.
    assert not list(pathlib.Path(_pgtide_tmpdir).glob("pgtide-staging-*"))
    name = partial.name.removesuffix(".partial")
    if where == "local":
        text = (lake / "_pgtide" / "logs" / name).read_text()
        root, fs = lake, None
    else:
        text = s3_bucket.get(f"lake/_pgtide/logs/{name}").decode()
        root, fs = f"{s3_bucket.name}/lake", s3_bucket.fs
    assert "did not finish" in text and "3 tables to load" in text
    assert_all_loaded_once(pg_db, root, fs=fs)
