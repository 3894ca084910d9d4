"""Issue 4 on a real S3-compatible server (moto_server on 127.0.0.1): data, state and logs
on S3, read back with pyarrow's S3FileSystem and boto3, and the failure cases."""

from __future__ import annotations

import base64
import csv
import io
import json
import pathlib
import re
import time
import urllib.parse
import uuid

import pytest

from conftest import (assert_lake_equals_pg, assert_lake_history, closed_port, pg_max_cursor,
                      read_state, run_ids_of, run_pgtide, start_pgtide)


def setup_tables(db) -> None:
    db.execute("""
        CREATE TABLE accounts (
          id int PRIMARY KEY, owner text, balance numeric(14,2), limits numeric,
          opened date, flags boolean[], profile jsonb, token uuid, blob bytea,
          updated_at timestamptz);
        INSERT INTO accounts
        SELECT g, 'owner ' || g, g * 10.5, g / 3.0, date '2020-02-28' + g,
               ARRAY[g % 2 = 0, NULL], jsonb_build_object('g', g), md5(g::text)::uuid,
               decode(repeat('ab', g), 'hex'),
               CASE WHEN g % 10 = 0 THEN NULL
                    ELSE timestamptz '2024-10-31 21:00:00' + make_interval(hours => g * 3) END
          FROM generate_series(1, 120) g;
        CREATE TABLE lookup (code text PRIMARY KEY, label text);
        INSERT INTO lookup SELECT 'c' || g, 'label ' || g FROM generate_series(1, 7) g;""")


def s3_args(bucket, lake="lake"):
    return ["--output", bucket.url(lake), "--state", bucket.url("state/max_timestamps.csv"),
            "--log-folder", bucket.url("logs"), "--s3-endpoint", bucket.endpoint]


def recorded_requests(moto) -> list[dict]:
    out = []
    for line in moto.recording.read_text().splitlines():
        e = json.loads(line)
        url = urllib.parse.urlsplit(e["url"])
        body = e.get("body") or ""
        if e.get("body_encoded"):
            body = base64.b64decode(body)
        elif isinstance(body, str):
            body = body.encode()
        out.append({"method": e["method"], "path": urllib.parse.unquote(url.path),
                    "query": urllib.parse.parse_qs(url.query, keep_blank_values=True),
                    "body": body})
    return out


def assert_state_written_after_data(requests, bucket, state_key, table_dirs):
    """Each state PUT names, per table, a committed run: every data object of that run must
    already be complete (a single PUT, or a completed multipart upload) at that moment."""
    complete: set[str] = set()
    state_puts = 0
    prefix = f"/{bucket.name}/"
    for r in requests:
        if not r["path"].startswith(prefix):
            continue
        key = r["path"][len(prefix):]
        if key == state_key and r["method"] == "PUT":
            state_puts += 1
            rows = {row["table_name"]: row for row in csv.DictReader(
                io.StringIO(r["body"].decode()))}
            for table, row in rows.items():
                if table not in table_dirs or not row["committed_run"]:
                    continue
                objects = [k for k in bucket.object_keys(table_dirs[table] + "/")
                           if f"part-{row['committed_run']}-" in k]
                missing = [k for k in objects if k not in complete]
                assert not missing, (f"state named run {row['committed_run']} of {table} "
                                     f"before its objects were complete: {missing}")
            continue
        if key.endswith(".parquet"):
            if r["method"] == "PUT" and "uploadId" not in r["query"]:
                complete.add(key)
            elif r["method"] == "POST" and "uploadId" in r["query"]:
                complete.add(key)
    assert state_puts > 0, "no state PUT was recorded"


def test_s3_full_then_cdc(pg_db, s3_bucket, moto_server, _pgtide_tmpdir):
    db, bucket = pg_db, s3_bucket
    setup_tables(db)
    moto_server.api("recorder/reset-recording")
    moto_server.api("recorder/start-recording")
    try:
        r = run_pgtide("run", "--source", db.uri, *s3_args(bucket), "--load-type", "full")
    finally:
        moto_server.api("recorder/stop-recording")
    root = f"{bucket.name}/lake"
    assert_lake_equals_pg(db, root, "public", "accounts", "id", fs=bucket.fs)
    assert_lake_equals_pg(db, root, "public", "lookup", "code", fs=bucket.fs)
    keys = bucket.keys()
    assert any("updated_at_date=__HIVE_DEFAULT_PARTITION__/" in k for k in keys)
    assert not [k for k in keys if re.search(r"/\.|\.tmp|write-check", k)], keys

    state_key = "state/max_timestamps.csv"
    state1 = read_state(bucket.get(state_key))
    assert set(state1) == {"public.accounts", "public.lookup"}
    assert state1["public.accounts"]["max_updated_at"] == pg_max_cursor(db, "public", "accounts")
    tables = {"public.accounts": "lake/public/accounts", "public.lookup": "lake/public/lookup"}
    assert_state_written_after_data(recorded_requests(moto_server), bucket, state_key, tables)

    logs = bucket.keys("logs/")
    assert len(logs) == 2 and logs[0].endswith(".log") and logs[1].endswith(".summary.json")
    for k in logs:
        text = bucket.get(k).decode()
        assert "public.accounts" in text and "public.lookup" in text
        assert db.password not in text
    assert db.password not in r.stderr + r.stdout
    # Nothing is left behind in the local staging area.
    assert not [p for p in _pgtide_tmpdir.rglob("*") if p.is_file()]

    before = set(bucket.object_keys("lake/public/accounts/"))
    db.execute("UPDATE accounts SET balance = balance * 2, updated_at = now() "
               "WHERE id IN (5, 10, 77)")
    db.execute("INSERT INTO accounts (id, owner, updated_at) VALUES (500, 'new', now())")
    db.execute("INSERT INTO lookup VALUES ('c99', 'late')")
    # This time the endpoint comes from the environment, as for any AWS tool.
    moto_server.api("recorder/reset-recording")
    moto_server.api("recorder/start-recording")
    try:
        args = s3_args(bucket)
        i = args.index("--s3-endpoint")
        del args[i:i + 2]
        run_pgtide("run", "--source", db.uri, *args, "--load-type", "cdc",
                   env={"AWS_ENDPOINT_URL_S3": bucket.endpoint})
    finally:
        moto_server.api("recorder/stop-recording")
    new = set(bucket.object_keys("lake/public/accounts/")) - before
    assert len(run_ids_of(sorted(new))) == 1
    history = assert_lake_history(db, root, "public", "accounts", "id", fs=bucket.fs)
    assert len(history) == 120 + 4
    assert_lake_equals_pg(db, root, "public", "lookup", "code", fs=bucket.fs)
    state2 = read_state(bucket.get(state_key))
    assert state2["public.accounts"]["max_updated_at"] == pg_max_cursor(db, "public", "accounts")
    assert state2["public.accounts"]["max_updated_at"] > state1["public.accounts"]["max_updated_at"]
    assert_state_written_after_data(recorded_requests(moto_server), bucket, state_key, tables)
    summaries = [json.loads(bucket.get(k)) for k in bucket.keys("logs/") if k.endswith(".json")]
    assert len(summaries) == 2
    cdc = {t["table"]: t for t in max(summaries, key=lambda s: s["started_at"])["tables"]}
    assert cdc["public.accounts"]["mode"] == "cdc" and cdc["public.accounts"]["rows"] == 4


def test_s3_missing_bucket(pg_db, s3_bucket, tmp_path):
    pg_db.execute("CREATE TABLE t (id int PRIMARY KEY, updated_at timestamptz DEFAULT now());"
                  "INSERT INTO t (id) VALUES (1), (2)")
    missing = f"pgtide-missing-{uuid.uuid4().hex[:8]}"
    r = run_pgtide("run", "--source", pg_db.uri, "--output", f"s3://{missing}/lake",
                   "--s3-endpoint", s3_bucket.endpoint, check=None)
    assert r.rc == 5, r.stderr
    assert f"s3://{missing}/lake" in r.stderr
    assert re.search(r"HINT: The bucket does not exist", r.stderr), r.stderr
    buckets = [b["Name"] for b in s3_bucket.client.list_buckets()["Buckets"]]
    assert missing not in buckets
    # The state in an existing bucket is not touched either.
    s3_bucket.client.put_object(Bucket=s3_bucket.name, Key="state/max_timestamps.csv",
                                Body=b"table_name,max_updated_at\n")
    r = run_pgtide("run", "--source", pg_db.uri, "--output", f"s3://{missing}/lake",
                   "--state", s3_bucket.url("state/max_timestamps.csv"),
                   "--log-folder", s3_bucket.url("logs"),
                   "--s3-endpoint", s3_bucket.endpoint, check=None)
    assert r.rc == 5, r.stderr
    assert s3_bucket.get("state/max_timestamps.csv") == b"table_name,max_updated_at\n"
    assert s3_bucket.keys("lake/") == []
    # The failed run's log did reach the (existing) log folder.
    logs = s3_bucket.keys("logs/")
    assert len(logs) == 2 and "does not exist" in s3_bucket.get(logs[0]).decode()


def test_s3_endpoint_down(pg_db, _pgtide_tmpdir):
    pg_db.execute("CREATE TABLE t (id int PRIMARY KEY, updated_at timestamptz DEFAULT now());"
                  "INSERT INTO t (id) VALUES (1)")
    port = closed_port()
    start = time.time()
    r = run_pgtide("run", "--source", pg_db.uri, "--output", "s3://some-bucket/lake",
                   "--s3-endpoint", f"http://127.0.0.1:{port}", check=None, timeout=170)
    elapsed = time.time() - start
    assert r.rc != 0
    assert r.rc == 5, r.stderr  # storage unavailable: retry later
    assert f"127.0.0.1:{port}" in r.stderr, r.stderr
    assert re.search(r"HINT: The endpoint cannot be reached", r.stderr), r.stderr
    assert "s3://some-bucket/lake" in r.stderr
    assert elapsed < 120, f"gave up only after {elapsed:.0f}s"
    # The log could not be uploaded: it is kept locally, and the path printed.
    m = re.search(r"the log was kept at (\S+)", r.stderr)
    assert m, r.stderr
    kept = pathlib.Path(m.group(1))
    assert kept.is_relative_to(_pgtide_tmpdir / "pgtide-logs") and kept.exists()


def test_s3_failed_log_upload_keeps_log_locally(pg_db, s3_bucket, _pgtide_tmpdir):
    setup_tables(pg_db)
    missing = f"pgtide-nolog-{uuid.uuid4().hex[:8]}"
    args = s3_args(s3_bucket)
    args[args.index("--log-folder") + 1] = f"s3://{missing}/logs"
    r = run_pgtide("run", "--source", pg_db.uri, *args, check=None)
    # Data and state are committed; only the log upload failed.
    assert r.rc == 0, r.stderr
    root = f"{s3_bucket.name}/lake"
    assert_lake_equals_pg(pg_db, root, "public", "accounts", "id", fs=s3_bucket.fs)
    assert set(read_state(s3_bucket.get("state/max_timestamps.csv"))) == {
        "public.accounts", "public.lookup"}
    assert f"s3://{missing}/logs" in r.stderr
    m = re.search(r"the log was kept at (\S+)", r.stderr)
    assert m, r.stderr
    kept = pathlib.Path(m.group(1))
    assert kept.parent == _pgtide_tmpdir / "pgtide-logs", kept
    text = kept.read_text()
    assert "public.accounts" in text and "public.lookup" in text
    assert missing in text  # the log says why it is here
    summary = kept.with_name(kept.name[:-len(".log")] + ".summary.json")
    assert json.loads(summary.read_text())["tables_total"] == 2


def test_s3_concurrent_runs_share_state(pg_db, s3_bucket):
    db, bucket = pg_db, s3_bucket
    names = [f"{p}{i}" for p in "ab" for i in range(1, 7)]
    for n in names:
        db.execute(f"CREATE TABLE {n} (id int PRIMARY KEY, v text, updated_at timestamptz);"
                   f"INSERT INTO {n} SELECT g, md5(g::text), now() - make_interval(mins => g) "
                   f"FROM generate_series(1, 200) g")
    common = ["--source", db.uri, *s3_args(bucket), "--load-type", "full", "--jobs", "3"]
    for _ in range(2):  # a full load, then another over existing state lines
        procs = [start_pgtide("run", *common, "--include", "public.a*"),
                 start_pgtide("run", *common, "--include", "public.b*")]
        results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
        for out, err, rc in results:
            assert rc == 0, err
        state = read_state(bucket.get("state/max_timestamps.csv"))
        assert set(state) == {f"public.{n}" for n in names}, state.keys()
        for n in names:
            assert state[f"public.{n}"]["max_updated_at"] == pg_max_cursor(db, "public", n)
            files = bucket.object_keys(f"lake/public/{n}/")
            assert run_ids_of(files) == {state[f"public.{n}"]["committed_run"]}
    for n in ("a1", "b6"):
        assert_lake_equals_pg(db, f"{bucket.name}/lake", "public", n, "id", fs=bucket.fs)


def test_s3_access_denied(pg_db, tmp_path, _pgtide_tmpdir):
    """A bucket the credentials may not write: a second moto that enforces IAM, a user whose
    policy allows nothing on the bucket. The run stops with exit 5 naming the location, and
    nothing is committed."""
    import os
    import subprocess
    import sys

    from conftest import boto3_client, free_port

    setup_tables(pg_db)
    port = free_port()
    # The first requests (setting up the bucket and the user) are not authenticated.
    env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="4")
    exe = pathlib.Path(sys.executable).parent / "moto_server"
    proc = subprocess.Popen([str(exe), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                boto3_client(endpoint).list_buckets()
                break
            except Exception:
                time.sleep(0.1)
        import boto3

        s3 = boto3_client(endpoint)
        s3.create_bucket(Bucket="locked")
        iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        iam.create_user(UserName="reader")
        key = iam.create_access_key(UserName="reader")["AccessKey"]
        creds = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"],
                 "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
        state = tmp_path / "max_timestamps.csv"
        r = run_pgtide("run", "--source", pg_db.uri, "--output", "s3://locked/lake",
                       "--state", state, "--log-folder", tmp_path / "logs",
                       "--s3-endpoint", endpoint, "--load-type", "full", env=creds, check=5,
                       timeout=240)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert "s3://locked/lake" in r.stderr, r.stderr
    assert "Access denied" in r.stderr or "AccessDenied" in r.stderr, r.stderr
    assert not state.exists(), "nothing may be committed"


def test_s3_commits_are_iceberg_tables_read_by_pyiceberg(pg_db, s3_bucket):
    """S3 commits: each table's metadata versions are created with If-None-Match, and
    pyiceberg (its own S3 client) reads the same rows as PostgreSQL, after a full and a
    cdc run, with two runs racing on the second."""
    from pyiceberg.table import StaticTable

    db, bucket = pg_db, s3_bucket
    setup_tables(db)
    run_pgtide("run", "--source", db.uri, *s3_args(bucket), "--load-type", "full")
    db.execute("UPDATE accounts SET balance = balance + 1, updated_at = now() WHERE id < 5")
    procs = [start_pgtide("run", "--source", db.uri, *s3_args(bucket), "--lock-wait", "60s")
             for _ in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    for table, pk in (("accounts", "id"), ("lookup", "code")):
        meta = sorted((k for k in bucket.keys(f"lake/_iceberg/public/{table}/metadata/")
                       if k.endswith(".metadata.json")),
                      key=lambda k: int(k.rsplit("/v", 1)[1].split(".")[0]))
        assert meta, bucket.keys()
        hint = bucket.get(f"lake/_iceberg/public/{table}/metadata/version-hint.text")
        assert meta[-1].endswith(f"/v{int(hint)}.metadata.json")
        t = StaticTable.from_metadata(bucket.url(meta[-1]), properties={
            "s3.endpoint": bucket.endpoint, "s3.access-key-id": "testing",
            "s3.secret-access-key": "testing", "s3.region": "us-east-1"}).scan().to_arrow()
        got = sorted(t.column(pk).to_pylist())
        cursor = "updated_at" if "updated_at" in t.column_names else None
        if cursor:  # the newest version of each row: exactly PostgreSQL's rows
            newest = {}
            for r in t.select([pk, cursor]).to_pylist():
                newest[r[pk]] = max(newest.get(r[pk], r[cursor]), r[cursor]) \
                    if r[cursor] is not None else None
            got = sorted(newest)
            versions = [(r[pk], r[cursor]) for r in t.select([pk, cursor]).to_pylist()]
            assert len(versions) == len(set(versions)), "a row version is twice"
        assert got == sorted(r[0] for r in db.query(f"SELECT {pk} FROM {table}"))
