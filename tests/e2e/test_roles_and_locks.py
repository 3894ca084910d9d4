"""Exactly-once for every role, one run per table at a time (issue 12, items 1 and 12).

The pgtide role in the horizon tests is a real non-superuser role WITHOUT pg_read_all_stats
(`pg_reader_role`): PostgreSQL 15 shows it other roles' sessions with xact_start NULL. The
other role's transaction is opened by the test as the cluster's superuser. The lock tests
start real pgtide processes at the same time, and SIGKILL one.
"""

from __future__ import annotations

import json
import os
import pathlib
import random
import signal
import threading
import time

import psycopg
import pytest

from conftest import (assert_lake_history, read_state, run_pgtide, snapshot, start_pgtide)


def create_events(db, table: str = "events", rows: int = 100) -> None:
    db.execute(f"""CREATE TABLE {table} (id bigserial PRIMARY KEY, payload text,
                   updated_at timestamptz NOT NULL DEFAULT now())""")
    if rows:
        db.execute(f"INSERT INTO {table} (payload) SELECT md5(g::text) "
                   f"FROM generate_series(1, {rows}) g")


def cdc(uri, lake, *extra, check=0):
    return run_pgtide("run", "--source", uri, "--output", lake, "--load-type", "cdc",
                      "--no-progress", *extra, check=check)


def start_cdc(uri, lake, *extra):
    return start_pgtide("run", "--source", uri, "--output", lake, "--load-type", "cdc",
                        "--no-progress", *extra)


class Stderr:
    """Collects a running pgtide's stderr lines on a thread, so the test can wait for one."""

    def __init__(self, proc):
        self.proc = proc
        self.lines: list[str] = []
        self._t = threading.Thread(target=self._read, daemon=True)
        self._t.start()

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line)

    def wait_for(self, text: str, timeout: float = 30) -> None:
        deadline = time.time() + timeout
        while not any(text in line for line in self.lines):
            assert self.proc.poll() is None or any(text in l for l in self.lines), (
                f"pgtide exited {self.proc.returncode} before logging {text!r}:\n"
                + "".join(self.lines))
            assert time.time() < deadline, f"no {text!r} within {timeout}s:\n" + "".join(
                self.lines)
            time.sleep(0.05)

    def text(self) -> str:
        self._t.join(10)
        return "".join(self.lines)


def summaries(lake) -> list[dict]:
    files = sorted(pathlib.Path(lake, "_pgtide", "logs").glob("*.summary.json"))
    return [json.loads(f.read_text()) for f in files]


def open_hidden_transaction(db):
    """A superuser transaction that inserts a row with updated_at = now() and stays open.
    Returns the connection and the row's (id, updated_at)."""
    writer = psycopg.connect(db.uri)  # not autocommit: the transaction stays open
    row = writer.execute(
        "INSERT INTO events (payload) VALUES ('late') RETURNING id, updated_at").fetchone()
    return writer, row


def assert_role_cannot_see(role, writer) -> None:
    """The premise: the pgtide role sees the writer's session without its xact_start."""
    pid = writer.info.backend_pid
    with psycopg.connect(role.uri, autocommit=True) as c:
        xact_start, backend_type = c.execute(
            "SELECT xact_start, backend_type FROM pg_stat_activity WHERE pid = %s",
            (pid,)).fetchone()
    assert xact_start is None and backend_type is None, (xact_start, backend_type)


# --------------------------------------------------------------------------- item 1


def test_hidden_late_commit_lands_exactly_once(pg_db, pg_reader_role, tmp_path):
    """Another role's transaction starts, writes updated_at = now(), stays open while a run
    begins, and commits later: the row is in the lake exactly once."""
    lake = tmp_path / "lake"
    create_events(pg_db)
    cdc(pg_reader_role.uri, lake)  # first run (full); no hidden transaction: no wait
    writer, late = open_hidden_transaction(pg_db)
    try:
        assert_role_cannot_see(pg_reader_role, writer)
        time.sleep(0.05)
        pg_db.execute("INSERT INTO events (payload) SELECT 'after' FROM generate_series(1, 5)")
        proc = start_cdc(pg_reader_role.uri, lake)
        err = Stderr(proc)
        err.wait_for("waiting up to")
        time.sleep(0.3)  # the run really waits: it neither finished nor failed
        assert proc.poll() is None, err.text()
        writer.commit()
    finally:
        writer.close()
    assert proc.wait(60) == 0, err.text()
    log = err.text()
    assert "GRANT pg_read_all_stats TO" in log and pg_reader_role.name in log
    cdc(pg_reader_role.uri, lake)  # the next normal run
    rows = assert_lake_history(pg_db, lake, "public", "events", "id")
    assert [r["id"] for r in rows].count(late[0]) == 1
    assert sum(1 for r in rows if r["payload"] == "late") == 1


def test_hidden_transaction_outliving_horizon_wait_fails_the_table(pg_db, pg_reader_role,
                                                                     tmp_path):
    """A hidden transaction that stays open past --horizon-wait fails the table (exit 1), names
    the GRANT and the flag, and leaves lake and state untouched; other tables load."""
    lake = tmp_path / "lake"
    create_events(pg_db)
    pg_db.execute("CREATE TABLE countries (code text PRIMARY KEY)")  # no cursor: full load
    pg_db.execute("INSERT INTO countries VALUES ('fr'), ('de')")
    cdc(pg_reader_role.uri, lake)
    before_lake = snapshot(lake / "public" / "events")
    before_state = (lake / "_pgtide" / "max_timestamps.csv").read_bytes()
    writer, late = open_hidden_transaction(pg_db)
    try:
        r = cdc(pg_reader_role.uri, lake, "--horizon-wait", "1s", check=1)
    finally:
        writer.commit()
        writer.close()
    assert f'GRANT pg_read_all_stats TO "{pg_reader_role.name}"' in r.stderr
    assert "--horizon-wait" in r.stderr and "events" in r.stderr
    assert pg_reader_role.password not in r.stderr + r.stdout
    assert snapshot(lake / "public" / "events") == before_lake
    after = read_state((lake / "_pgtide" / "max_timestamps.csv").read_bytes())
    assert after["public.events"] == read_state(before_state)["public.events"]
    tables = {t["table"]: t for t in summaries(lake)[-1]["tables"]}
    assert tables["public.events"]["status"] == "failed"
    assert tables["public.events"]["error_class"] == "horizon_wait"
    assert tables["public.countries"]["status"] == "ok"
    cdc(pg_reader_role.uri, lake)
    rows = assert_lake_history(pg_db, lake, "public", "events", "id")
    assert sum(1 for r in rows if r["id"] == late[0]) == 1


def test_bad_horizon_wait_is_a_usage_error(pg_db, tmp_path):
    r = cdc(pg_db.uri, tmp_path / "lake", "--horizon-wait", "5 parsecs", check=2)
    assert "--horizon-wait" in r.stderr and "5min" in r.stderr


# --------------------------------------------------------------------------- item 12


def advisory_locks(db) -> int:
    return db.scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")


def test_second_run_waits_then_loads_from_the_fresh_mark(pg_db, pg_reader_role, tmp_path):
    """Run A holds events (held back by a hidden transaction); run B (--lock-wait) waits for
    it, then must plan from the mark A committed, not the one it read at its start."""
    lake = tmp_path / "lake"
    create_events(pg_db, rows=500)
    cdc(pg_db.uri, lake)
    pg_db.execute("INSERT INTO events (payload) SELECT 'new' FROM generate_series(1, 300)")
    writer, _ = open_hidden_transaction(pg_db)
    try:
        a = start_cdc(pg_reader_role.uri, lake)
        a_err = Stderr(a)
        a_err.wait_for("waiting up to")
        assert advisory_locks(pg_db) == 1
        b = start_cdc(pg_db.uri, lake, "--lock-wait", "60s")
        b_err = Stderr(b)
        b_err.wait_for("another pgtide run")
        writer.commit()
    finally:
        writer.close()
    assert a.wait(60) == 0, a_err.text()
    assert b.wait(60) == 0, b_err.text()
    assert "committed by another run" in b_err.text()
    cdc(pg_db.uri, lake)
    assert_lake_history(pg_db, lake, "public", "events", "id")
    assert advisory_locks(pg_db) == 0


def test_sigkilled_run_leaves_no_stale_lock(pg_db, pg_reader_role, tmp_path):
    """While a run holds a table, another run skips it (status locked, exit 1); once the
    holder is SIGKILLed its lock is gone and the next run loads everything."""
    lake = tmp_path / "lake"
    create_events(pg_db)
    pg_db.execute("CREATE TABLE other (id int PRIMARY KEY, "
                  "updated_at timestamptz NOT NULL DEFAULT now())")
    pg_db.execute("INSERT INTO other (id) SELECT generate_series(1, 10)")
    cdc(pg_db.uri, lake)
    writer, _ = open_hidden_transaction(pg_db)
    try:
        a = start_cdc(pg_reader_role.uri, lake, "--include", "public.events")
        a_err = Stderr(a)
        a_err.wait_for("waiting up to")
        b = cdc(pg_db.uri, lake, check=1)
        assert "table public.events is being loaded by another pgtide run" in b.stderr
        assert "skipped" in b.stderr
        tables = {t["table"]: t for t in summaries(lake)[-1]["tables"]}
        assert tables["public.events"]["status"] == "locked"
        assert tables["public.events"]["error_class"] == "table_locked"
        assert tables["public.other"]["status"] == "ok"
        assert "locked" in b.stdout
        os.kill(a.pid, signal.SIGKILL)
        a.wait(30)
        deadline = time.time() + 20
        while advisory_locks(pg_db) and time.time() < deadline:
            time.sleep(0.1)
        assert advisory_locks(pg_db) == 0, "the killed run's lock outlived it"
    finally:
        writer.commit()
        writer.close()
    r = cdc(pg_db.uri, lake)
    assert "locked" not in r.stdout
    assert_lake_history(pg_db, lake, "public", "events", "id")
    assert_lake_history(pg_db, lake, "public", "other", "id")


def test_overlapping_runs_write_every_version_once(pg_db, tmp_path):
    """Pairs of runs started at the same moment over 20 tables while writers insert and
    update: after a final normal run every (pk, updated_at) version is in the lake once."""
    lake = tmp_path / "lake"
    tables = [f"t{i:02d}" for i in range(20)]
    for t in tables:
        create_events(pg_db, t, rows=200)
    stop = threading.Event()
    errors: list[BaseException] = []

    def write(seed: int):
        rnd = random.Random(seed)
        try:
            with psycopg.connect(pg_db.uri, autocommit=True) as c:
                while not stop.is_set():
                    t = rnd.choice(tables)
                    with c.transaction():
                        c.execute(f"INSERT INTO {t} (payload) SELECT 'w' "
                                  f"FROM generate_series(1, {rnd.randint(1, 20)})")
                        c.execute(f"UPDATE {t} SET payload = 'u', updated_at = now() "
                                  f"WHERE id = {rnd.randint(1, 200)}")
                    time.sleep(rnd.random() * 0.01)
        except BaseException as e:  # noqa: BLE001 - reported by the test
            errors.append(e)

    writers = [threading.Thread(target=write, args=(s,)) for s in range(3)]
    for w in writers:
        w.start()
    statuses: set[str] = set()
    try:
        for _ in range(3):
            procs = [start_cdc(pg_db.uri, lake, "--jobs", "2") for _ in range(2)]
            for p in procs:
                out, err = p.communicate(timeout=120)
                assert p.returncode in (0, 1), err
                if p.returncode == 1:
                    assert "is being loaded by another pgtide run" in err, err
        for s in summaries(lake):
            statuses |= {t["status"] for t in s["tables"]}
    finally:
        stop.set()
        for w in writers:
            w.join(30)
    assert not errors, errors
    assert statuses <= {"ok", "locked"}, statuses
    cdc(pg_db.uri, lake)
    for t in tables:
        assert_lake_history(pg_db, lake, "public", t, "id")
    assert advisory_locks(pg_db) == 0
