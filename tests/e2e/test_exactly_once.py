"""Exactly-once cdc (issue 5): no lost and no doubled row versions at watermark boundaries,
under concurrent writers, and after runs killed at random moments.

The lake is compared with a ground truth kept by the writers themselves: every version
(id, updated_at) they committed. Rows are mostly inserted (each version then lives forever
and must be in the lake exactly once); updated rows must show their final version, and no
version may appear twice or without having been committed.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import signal
import socket
import threading
import time

import psycopg
import pytest

from conftest import (read_lake_arrow, read_state, run_pgtide, start_pgtide)

UTC = dt.timezone.utc


def lake_versions(root, table: str, fs=None) -> list[tuple[int, dt.datetime]]:
    t = read_lake_arrow(root, "public", table, fs)
    return [(r["id"], r["updated_at"]) for r in t.select(["id", "updated_at"]).to_pylist()]


def assert_exactly_once(db, root, table: str, committed: set, must_have: set, fs=None):
    """`committed`: every version ever committed; `must_have`: versions that must be in the
    lake (never-updated inserts and the final version of every row)."""
    versions = lake_versions(root, table, fs)
    counts: dict = {}
    for v in versions:
        counts[v] = counts.get(v, 0) + 1
    doubled = sorted(v for v, n in counts.items() if n > 1)
    missing = sorted(must_have - counts.keys())
    phantom = sorted(counts.keys() - committed)
    assert not doubled, f"{len(doubled)} versions written twice, e.g. {doubled[:3]}"
    assert not missing, f"{len(missing)} versions missing, e.g. {missing[:3]}"
    assert not phantom, f"{len(phantom)} versions never committed, e.g. {phantom[:3]}"
    final = {(r[0], r[1]) for r in db.query(f"SELECT id, updated_at FROM {table}")}
    assert final <= counts.keys(), "the final version of some rows is not in the lake"


def create_events(db, rows: int = 0, table: str = "events") -> None:
    db.execute(f"""CREATE TABLE {table} (id bigserial PRIMARY KEY, payload text,
                   updated_at timestamptz NOT NULL DEFAULT now())""")
    if rows:
        db.execute(f"INSERT INTO {table} (payload) SELECT md5(g::text) "
                   f"FROM generate_series(1, {rows}) g")


def all_versions(db, table: str = "events") -> set:
    return {(r[0], r[1]) for r in db.query(f"SELECT id, updated_at FROM {table}")}


def cdc(db, lake, *extra, check=0, env=None):
    return run_pgtide("run", "--source", db.uri, "--output", lake, "--load-type", "cdc",
                      "--no-progress", *extra, check=check, env=env)


# --------------------------------------------------------------------------- focused cases


def test_tie_and_late_commit_at_the_horizon(pg_db, tmp_path):
    """A transaction open during a run holds its horizon back; rows it commits afterwards
    carry a cursor *equal to* the horizon (a tie) and below rows already written (a late
    commit). The next run writes exactly those rows."""
    lake = tmp_path / "lake"
    create_events(pg_db, 100)
    cdc(pg_db, lake)  # first run: full
    long_txn = psycopg.connect(pg_db.uri)
    long_txn.execute("SELECT now()")  # the transaction starts; now() is fixed from here
    started = long_txn.execute("SELECT now()").fetchone()[0]
    time.sleep(0.05)
    pg_db.execute("INSERT INTO events (payload) SELECT 'after' FROM generate_series(1, 20)")
    r = cdc(pg_db, lake)
    state = read_state((lake / "_pgtide/max_timestamps.csv").read_text())["public.events"]
    resume = dt.datetime.fromisoformat(state["resume_from"].replace("+00", "+00:00"))
    assert resume == started, "the horizon is the open transaction's start"
    assert "20 rows" in r.stderr or "wrote 20 rows" in r.stderr
    # The late transaction commits rows whose cursor ties the horizon and lies below the
    # 20 rows already written.
    long_txn.execute("INSERT INTO events (payload) SELECT 'late' FROM generate_series(1, 7)")
    long_txn.commit()
    long_txn.close()
    r = cdc(pg_db, lake)
    assert "wrote 7 rows" in r.stderr, r.stderr
    v = all_versions(pg_db)
    assert_exactly_once(pg_db, lake, "events", v, v)


def test_rows_tying_a_future_mark_are_picked_up(pg_db, tmp_path):
    """Rows committed after a run with a cursor equal to values it already wrote."""
    lake = tmp_path / "lake"
    create_events(pg_db, 10)
    pg_db.execute("UPDATE events SET updated_at = '2099-01-01 00:00:00.000001+00' WHERE id <= 3")
    r = cdc(pg_db, lake)
    assert "beyond the database clock" in r.stderr
    state = read_state((lake / "_pgtide/max_timestamps.csv").read_text())["public.events"]
    # Future-dated rows do not move the mark past the database clock.
    assert not state["max_updated_at"].startswith("2099")
    pg_db.execute("INSERT INTO events (payload, updated_at) "
                  "VALUES ('tie', '2099-01-01 00:00:00.000001+00')")
    r = cdc(pg_db, lake)
    assert "wrote 1 rows" in r.stderr, r.stderr
    r = cdc(pg_db, lake)
    assert "wrote 0 rows" in r.stderr, r.stderr
    v = all_versions(pg_db)
    assert_exactly_once(pg_db, lake, "events", v, v)


def test_legacy_two_column_state_resumes_strictly_after_the_mark(pg_db, tmp_path):
    lake = tmp_path / "lake"
    create_events(pg_db)
    pg_db.execute("INSERT INTO events (payload, updated_at) VALUES "
                  "('a', '2024-01-01 00:00:00+00'), ('b', '2024-01-02 00:00:00+00'), "
                  "('c', '2024-01-03 00:00:00+00')")
    state = tmp_path / "max_timestamps.csv"
    state.write_text("table_name,max_updated_at\npublic.events,2024-01-02 00:00:00+00\n")
    r = cdc(pg_db, lake, "--state", state)
    assert "wrote 1 rows" in r.stderr
    assert read_lake_arrow(lake, "public", "events").column("payload").to_pylist() == ["c"]


@pytest.mark.parametrize("cursor_type", ["timestamp", "timestamptz"])
def test_marks_round_trip_at_microsecond_precision(pg_db, tmp_path, cursor_type):
    """Marks are written as PostgreSQL prints them and read back through PostgreSQL,
    whatever the client's TZ: one microsecond apart is still apart."""
    lake = tmp_path / "lake"
    pg_db.execute(f"CREATE TABLE events (id bigint PRIMARY KEY, updated_at {cursor_type})")
    pg_db.execute("INSERT INTO events VALUES (1, '2024-03-10 06:59:59.999999'), "
                  "(2, '2024-11-03 05:30:00.000001')")
    cdc(pg_db, lake, env={"TZ": "America/Los_Angeles"})
    state_file = lake / "_pgtide/max_timestamps.csv"
    state = read_state(state_file.read_text())["public.events"]
    assert state["max_updated_at"] == pg_db.scalar("SELECT max(updated_at)::text FROM events")
    # A mark in the original job's format, one microsecond below row 3: strictly after it.
    pg_db.execute("INSERT INTO events VALUES (3, '2024-11-03 05:30:00.000002'), "
                  "(4, '2024-11-03 05:30:00.000003')")
    mark = pg_db.scalar("SELECT updated_at::text FROM events WHERE id = 3")
    legacy = tmp_path / "legacy.csv"
    legacy.write_text(f"table_name,max_updated_at\npublic.events,{mark}\n")
    cdc(pg_db, tmp_path / "lake2", "--state", legacy, env={"TZ": "Pacific/Chatham"})
    assert read_lake_arrow(tmp_path / "lake2", "public", "events").column("id").to_pylist() == [4]


@pytest.mark.parametrize("cursor_type,value", [("date", "current_date"),
                                                ("bigint", "nextval('v')")])
def test_date_and_integer_cursors(pg_db, tmp_path, cursor_type, value):
    lake = tmp_path / "lake"
    pg_db.execute("CREATE SEQUENCE v")
    pg_db.execute(f"CREATE TABLE events (id bigint PRIMARY KEY, payload text, "
                  f"version {cursor_type} NOT NULL DEFAULT {value})")
    pg_db.execute("INSERT INTO events (id, payload) SELECT g, 'x' FROM generate_series(1, 50) g")
    args = ("--cursor-column", "version")
    cdc(pg_db, lake, *args)
    pg_db.execute("INSERT INTO events (id, payload) SELECT g, 'y' FROM generate_series(51, 60) g")
    pg_db.execute("UPDATE events SET payload = 'z', version = DEFAULT WHERE id <= 5")
    r = cdc(pg_db, lake, *args)
    # date cursors re-scan today, but rows already written are recognised, not rewritten.
    assert "wrote 15 rows" in r.stderr, r.stderr
    cdc(pg_db, lake, *args)
    t = read_lake_arrow(lake, "public", "events")
    versions = list(zip(t.column("id").to_pylist(), t.column("payload").to_pylist()))
    assert len(versions) == len(set(versions)) == 65


def test_lookback_rescans_without_duplicates(pg_db, tmp_path):
    lake = tmp_path / "lake"
    create_events(pg_db, 30)
    cdc(pg_db, lake, "--lookback", "1 hour")
    # Application-clock row written "in the past" but within the lookback.
    pg_db.execute("INSERT INTO events (payload, updated_at) VALUES ('skewed', now() - interval '10 minutes')")
    r = cdc(pg_db, lake, "--lookback", "1 hour")
    assert "wrote 1 rows" in r.stderr, r.stderr
    v = all_versions(pg_db)
    assert_exactly_once(pg_db, lake, "events", v, v)


# --------------------------------------------------------------------------- concurrency


class Writers:
    """Writer threads, each on its own connection: transactions that insert and update
    rows (all with DEFAULT now(): rows of one transaction tie), some held open across runs."""

    def __init__(self, uri: str, n: int, seed: int):
        self.uri, self.n = uri, n
        self.rng = random.Random(seed)
        self.committed: set = set()
        self.updated: set = set()   # ids whose earlier versions may be superseded
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.errors: list = []
        self.threads = [threading.Thread(target=self._run, args=(i,)) for i in range(n)]

    def _run(self, i: int) -> None:
        rng = random.Random(self.rng.random())
        try:
            with psycopg.connect(self.uri) as c:
                while not self.stop.is_set():
                    try:
                        got, upd = self._transaction(c, rng)
                    except (psycopg.errors.DeadlockDetected,
                            psycopg.errors.SerializationFailure):
                        c.rollback()  # never committed: not part of the ground truth
                        continue
                    with self.lock:
                        self.committed.update(got + upd)
                        self.updated.update(r[0] for r in upd)
                    time.sleep(rng.uniform(0, 0.02))
        except Exception as e:  # surfaces in the test, not lost in a thread
            self.errors.append(e)

    @staticmethod
    def _transaction(c, rng):
        got = c.execute(
            "INSERT INTO events (payload) SELECT md5(random()::text) "
            "FROM generate_series(1, %s) RETURNING id, updated_at",
            (rng.randint(1, 4),)).fetchall()
        upd = []
        if rng.random() < 0.5:
            upd = c.execute(
                "UPDATE events SET payload = 'u' || payload, updated_at = DEFAULT "
                "WHERE id IN (SELECT id FROM events TABLESAMPLE BERNOULLI (1) "
                "LIMIT 2) RETURNING id, updated_at").fetchall()
        if rng.random() < 0.15:  # a long transaction straddling runs
            time.sleep(rng.uniform(0.3, 1.5))
        c.commit()
        return got, upd

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join()
        assert not self.errors, self.errors

    def must_have(self, db, initial: set) -> set:
        """Versions never superseded, and the final version of every row."""
        return {v for v in self.committed | initial if v[0] not in self.updated} | all_versions(db)


def test_concurrent_writers_lose_and_double_nothing(pg_db, tmp_path):
    lake = tmp_path / "lake"
    create_events(pg_db, 200)
    initial = all_versions(pg_db)
    with Writers(pg_db.uri, n=4, seed=5) as w:
        deadline = time.time() + 12
        runs = 0
        while time.time() < deadline:
            cdc(pg_db, lake)
            runs += 1
    cdc(pg_db, lake)
    assert runs >= 5
    committed = w.committed | initial
    assert_exactly_once(pg_db, lake, "events", committed, w.must_have(pg_db, initial))


# --------------------------------------------------------------------------- crashes


RUN_FILE = re.compile(r"(?:part|compact)-(\d{8}T\d{6}Z-[0-9a-f]{6})-\d+\.parquet")


def committed_runs_of(summary: dict) -> set[str]:
    """The runs a snapshot commits: its load's run id, or the run that compacted."""
    return {summary[k] for k in ("pgtide.run-id", "pgtide.maintenance-run") if summary.get(k)}


class IcebergPoller:
    """Reads the events table through Iceberg (pyiceberg) over and over while runs are
    killed: every read must be one committed snapshot, whole — no row version twice, as many
    rows as the snapshot's summary says — never a mix with a dead run's files. It keeps which
    files each snapshot it read held, and which runs the snapshots it saw committed."""

    def __init__(self, lake):
        import iceberg_readers as ir
        self.ir, self.lake = ir, lake
        self.reads, self.errors, self.bad = 0, 0, []
        self.files: dict[str, set[int]] = {}  # data file -> snapshot ids that read it
        self.committed_runs: set[str] = set()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        from pyiceberg.table import StaticTable
        while not self.stop.is_set():
            try:
                md = self.ir.resolve_metadata(self.ir.iceberg_table_dir(self.lake, "public",
                                                                          "events"))
                t = StaticTable.from_metadata(str(md))
                snap = t.current_snapshot()
                scan = t.scan()
                paths = [task.file.file_path for task in scan.plan_files()]
                rows = scan.to_arrow().select(["id", "updated_at"]).to_pylist()
            except Exception:  # no table yet, or a snapshot expired under the read: retry
                self.errors += 1
                time.sleep(0.05)
                continue
            self.reads += 1
            for s in t.metadata.snapshots:
                self.committed_runs |= committed_runs_of(
                    dict(s.summary.additional_properties) if s.summary else {})
            for path in paths:
                self.files.setdefault(path, set()).add(snap.snapshot_id)
            versions = [(r["id"], r["updated_at"]) for r in rows]
            total = int(snap.summary["total-records"]) if snap else 0
            if len(versions) != len(set(versions)) or len(versions) != total:
                self.bad.append((snap.snapshot_id if snap else None, len(versions), total))

    def close(self):
        self.stop.set()
        self.thread.join(timeout=60)


def committed_runs_on_disk(lake, table: str = "events") -> set[str]:
    """Runs that some metadata version of the table ever committed (old versions stay)."""
    import json
    meta = os.path.join(lake, "_iceberg", "public", table, "metadata")
    out = set()
    for name in os.listdir(meta):
        if name.endswith(".metadata.json"):
            with open(os.path.join(meta, name)) as f:
                for s in json.load(f).get("snapshots", []):
                    out |= committed_runs_of(s.get("summary", {}))
    return out


def assert_no_committed_file_deleted(lake, poller: IcebergPoller) -> None:
    """Every file a retained snapshot reads exists, and a file the poller read that is gone
    was read only by snapshots that were expired since (by a full load or a compaction)."""
    import iceberg_readers as ir
    from pyiceberg.table import StaticTable
    t = StaticTable.from_metadata(str(ir.resolve_metadata(
        ir.iceberg_table_dir(lake, "public", "events"))))
    retained = {s.snapshot_id for s in t.metadata.snapshots}
    for sid in retained:
        missing = [task.file.file_path for task in t.scan(snapshot_id=sid).plan_files()
                   if not os.path.exists(task.file.file_path)]
        assert not missing, f"snapshot {sid} reads deleted files: {missing[:3]}"
    gone = {f: sids for f, sids in poller.files.items() if not os.path.exists(f)}
    still_read = {f: sids & retained for f, sids in gone.items() if sids & retained}
    assert not still_read, f"files of retained snapshots were deleted: {list(still_read)[:3]}"


def test_runs_killed_at_random_moments_converge(pg_db, tmp_path):
    """30 runs killed with SIGKILL at random moments (before, during and after writing
    files, around the commit) while writer threads commit inserts and updates that move
    rows' cursor forward, each kill followed by more changes and sometimes a normal run,
    and a reader polls the table through Iceberg. The writers stop before the final run."""
    lake = tmp_path / "lake"
    create_events(pg_db, 30000)
    create_events(pg_db, 3000, table="other")
    rng = random.Random(11)
    # Versions the test's own inserts committed (the writers keep theirs).
    main_versions = all_versions(pg_db)
    runs_with_writes = 0
    poller = IcebergPoller(lake)
    try:
        with Writers(pg_db.uri, n=2, seed=13) as w:
            for i in range(30):
                got = pg_db.query("INSERT INTO events (payload) SELECT md5(random()::text) "
                                  "FROM generate_series(1, %s) RETURNING id, updated_at",
                                  (rng.randint(0, 3000),))
                main_versions |= set(got)
                before = len(w.committed)
                p = start_pgtide("run", "--source", pg_db.uri, "--output", lake, "--load-type",
                                 rng.choice(["cdc", "cdc", "full"]), "--no-progress")
                time.sleep(rng.uniform(0, 0.6))
                p.send_signal(signal.SIGKILL)
                p.communicate()
                runs_with_writes += len(w.committed) > before
                if rng.random() < 0.5:
                    cdc(pg_db, lake)
            assert not w.errors, w.errors
        cdc(pg_db, lake)
    finally:
        poller.close()
    # The writers really wrote while the killed runs ran, updates included.
    assert runs_with_writes >= 10, f"writers committed during only {runs_with_writes} kills"
    assert w.updated, "no writer transaction moved a row's cursor forward"
    assert poller.reads > 0 and not poller.bad, (poller.reads, poller.bad[:5])
    # No read saw a file of a run that never committed (killed runs leave such files for
    # the next run to sweep; how many depends on where the kills land).
    committed_runs = committed_runs_on_disk(lake) | poller.committed_runs
    seen_runs = {RUN_FILE.search(f).group(1) for f in poller.files}
    assert seen_runs <= committed_runs, (
        f"the poller read files of runs that never committed: {seen_runs - committed_runs}")
    assert_no_committed_file_deleted(lake, poller)
    # No staging file of a killed run is visible to readers once the next run swept.
    leftovers = [f for d, _, fs in os.walk(lake) if "_pgtide" not in d for f in fs if ".tmp-" in f]
    assert not leftovers, leftovers
    committed = w.committed | main_versions
    must_have = w.must_have(pg_db, main_versions)
    assert_exactly_once(pg_db, lake, "events", committed, must_have)
    assert sorted(lake_versions(lake, "other")) == sorted(all_versions(pg_db, "other"))
    # Through Iceberg too: every current version exactly once, nothing never committed.
    import iceberg_readers as ir
    t = ir.read_pyiceberg_static(ir.iceberg_table_dir(lake, "public", "events"))
    versions = [(r["id"], r["updated_at"]) for r in t.select(["id", "updated_at"]).to_pylist()]
    assert len(versions) == len(set(versions)), "a version is twice in the Iceberg table"
    assert must_have <= set(versions) <= committed
    assert set(versions) == set(lake_versions(lake, "events")), (
        "Iceberg and the plain folders disagree")


def test_a_dead_runs_file_is_swept(pg_db, tmp_path):
    """A run killed after writing a data file and before committing it leaves the file in
    the table's folder, named by its run (part-<run>-N.parquet). The next run of the table
    (under its lock) deletes it, or plain-folder readers see its rows twice."""
    import shutil
    lake = tmp_path / "lake"
    create_events(pg_db, 50)
    cdc(pg_db, lake)
    folder = next((lake / "public" / "events").glob("updated_at_date=*"))
    written = next(folder.glob("part-*.parquet"))
    dead = folder / "part-20261203T000000Z-dead00-00000.parquet"
    shutil.copy(written, dead)  # what the dead run had written: the same rows
    pg_db.execute("INSERT INTO events (payload) VALUES ('after the crash')")
    cdc(pg_db, lake)
    assert not dead.exists(), f"{dead.name}: the next run left a file no snapshot reads"
    v = all_versions(pg_db)
    assert_exactly_once(pg_db, lake, "events", v, v)


def test_a_replaced_compaction_file_left_by_a_killed_full_load_is_swept(pg_db, tmp_path):
    """A full load killed between its commit and deleting the files it replaced leaves a
    committed compact-<run>-N.parquet that no snapshot reads any more (the killed-runs
    test met it). The overwrite records it as deleted, so the next run removes it at once;
    a compaction's file that was never committed waits out --orphan-grace instead, since a
    `pgtide maintain` may still be about to commit it (test_maintenance.py)."""
    lake = tmp_path / "lake"
    create_events(pg_db, 50)
    cdc(pg_db, lake, "--no-maintenance")
    for i in range(3):
        pg_db.execute(f"UPDATE events SET payload = 'v{i}', updated_at = now() WHERE id <= 3")
        cdc(pg_db, lake, "--compact-min-files", "2")
    compact = sorted((lake / "public" / "events").rglob("compact-*.parquet"))
    assert compact, "no compaction happened"
    saved = {p: p.read_bytes() for p in compact}
    run_pgtide("run", "--source", pg_db.uri, "--output", lake, "--load-type", "full",
               "--no-progress", "--no-maintenance")
    assert not any(p.exists() for p in compact), "the full load left what it replaced"
    for p, data in saved.items():  # as a full load killed before its clean-up leaves them
        p.write_bytes(data)
    pg_db.execute("INSERT INTO events (payload) VALUES ('after the crash')")
    cdc(pg_db, lake, "--no-maintenance")
    assert not any(p.exists() for p in compact), "the next run left a replaced file"
    v = all_versions(pg_db)
    assert_exactly_once(pg_db, lake, "events", v, v)


class FlakyProxy:
    """A TCP proxy in front of the S3 server that, while `failing`, resets a share of the
    connections at random points — storage failing at random moments, for real."""

    def __init__(self, target_port: int, seed: int):
        self.target = target_port
        self.rng = random.Random(seed)
        self.failing = False
        self.resets = 0
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target))
        except OSError:
            client.close()
            return
        budget = self.rng.randint(0, 100000) if self.failing and self.rng.random() < 0.4 else -1

        def pipe(a, b, counted):
            nonlocal budget
            try:
                while True:
                    data = a.recv(65536)
                    if not data:
                        break
                    if counted and budget >= 0:
                        budget -= len(data)
                        if budget < 0:
                            self.resets += 1
                            raise OSError("injected reset")
                    b.sendall(data)
            except OSError:
                pass
            finally:
                for s in (a, b):
                    try:
                        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                        s.close()
                    except OSError:
                        pass

        threading.Thread(target=pipe, args=(upstream, client, False), daemon=True).start()
        pipe(client, upstream, True)

    def close(self):
        self.sock.close()


def test_storage_failing_at_random_moments_converges(pg_db, s3_bucket, moto_server):
    create_events(pg_db, 20000)
    proxy = FlakyProxy(moto_server.port, seed=3)
    endpoint = f"http://127.0.0.1:{proxy.port}"
    args = ("--output", s3_bucket.url("lake"), "--s3-endpoint", endpoint, "--no-progress")
    rng = random.Random(8)
    committed = all_versions(pg_db)
    failures = 0
    try:
        for i in range(12):
            committed |= set(pg_db.query(
                "INSERT INTO events (payload) SELECT md5(random()::text) "
                "FROM generate_series(1, %s) RETURNING id, updated_at", (rng.randint(1, 2000),)))
            proxy.failing = True
            r = run_pgtide("run", "--source", pg_db.uri, "--load-type", "cdc", *args, check=None)
            failures += r.rc != 0
            assert r.rc in (0, 1, 5), r.stderr
        proxy.failing = False
        run_pgtide("run", "--source", pg_db.uri, "--load-type", "cdc", *args)
    finally:
        proxy.close()
    assert proxy.resets > 0, "the proxy never failed a request: the scenario tested nothing"
    assert_exactly_once(pg_db, f"{s3_bucket.name}/lake", "events", committed, committed,
                        fs=s3_bucket.fs)
