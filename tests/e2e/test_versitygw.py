"""Iceberg commits on versitygw, a real S3 server that enforces conditional writes: moto
accepts the headers, versitygw refuses a second create of a key (If-None-Match: *) and a
write over a changed object (If-Match), which is what makes two writers' commits exclusive.

Full and cdc runs to s3://<bucket>/lake, then two pgtide processes committing the same
tables at once: once from the same database (the table lock serialises them, the second
commits a later snapshot) and once from a clone of it (separate databases, so no shared
lock: the two race for the same metadata version and versitygw decides). Every read is
pyiceberg's StaticTable over S3 (its own S3 client), compared with PostgreSQL.
"""

from __future__ import annotations

import json
import re

import botocore.exceptions
import psycopg
import pytest
from psycopg import sql

import iceberg_readers as ir
from conftest import PgDatabase, normalize_rows, pg_select, run_pgtide, start_pgtide
from test_s3 import s3_args, setup_tables

TABLES = (("accounts", "id"), ("lookup", "code"))


def test_versitygw_refuses_a_second_create_and_a_stale_overwrite(versitygw_bucket):
    """Proves the precondition the commits below rely on is enforced by this server."""
    b = versitygw_bucket
    etag = b.client.put_object(Bucket=b.name, Key="k", Body=b"first", IfNoneMatch="*")["ETag"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        b.client.put_object(Bucket=b.name, Key="k", Body=b"second", IfNoneMatch="*")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    assert e.value.response["Error"]["Code"] == "PreconditionFailed"
    b.client.put_object(Bucket=b.name, Key="k", Body=b"third", IfMatch=etag)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        b.client.put_object(Bucket=b.name, Key="k", Body=b"fourth", IfMatch=etag)  # stale
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    assert b.get("k") == b"third"


# --------------------------------------------------------------------------- helpers


def metadata_versions(bucket, table: str) -> list[int]:
    prefix = f"lake/_iceberg/public/{table}/metadata/"
    return sorted(int(m.group(1)) for k in bucket.keys(prefix)
                  if (m := re.search(r"/v(\d+)\.metadata\.json$", k)))


def read_iceberg(bucket, table: str):
    """The table's current snapshot through pyiceberg over S3, found by the version hint."""
    from pyiceberg.table import StaticTable

    hint = int(bucket.get(f"lake/_iceberg/public/{table}/metadata/version-hint.text"))
    versions = metadata_versions(bucket, table)
    assert versions == list(range(1, hint + 1)), (
        f"{table}: metadata versions {versions}, hint {hint}")
    return StaticTable.from_metadata(
        bucket.url(f"lake/_iceberg/public/{table}/metadata/v{hint}.metadata.json"),
        properties={"s3.endpoint": bucket.endpoint, "s3.access-key-id": "testing",
                    "s3.secret-access-key": "testing", "s3.region": "us-east-1"})


def assert_iceberg_equals_pg(db, bucket) -> None:
    """Each table's newest version of every row equals PostgreSQL's row, every value, and
    no (pk, cursor) version is there twice."""
    for table, pk in TABLES:
        got = read_iceberg(bucket, table).scan().to_arrow()
        cols = got.column_names
        names, rows = ir.rows_of(got)
        rows = [dict(zip(names, r)) for r in rows]
        if "updated_at" in cols:
            versions = [(r[pk], r["updated_at"]) for r in rows]
            assert len(versions) == len(set(versions)), f"{table}: a row version is twice"
            newest: dict = {}
            for r in rows:
                cur = newest.get(r[pk])
                if cur is None or (r["updated_at"] is not None and (
                        cur["updated_at"] is None or r["updated_at"] > cur["updated_at"])):
                    newest[r[pk]] = r
            rows = list(newest.values())
        else:
            assert len({r[pk] for r in rows}) == len(rows), f"{table}: a row is twice"
        actual = normalize_rows(names, rows, cols, got.schema, [pk])
        expected = pg_select(db, "public", table, cols, got.schema, [pk])
        assert actual == expected, f"{table} read through Iceberg differs from PostgreSQL"


def snapshot_count(bucket, table: str) -> int:
    return len(read_iceberg(bucket, table).metadata.snapshots)


def clone_database(db: PgDatabase) -> PgDatabase:
    """A copy of db (CREATE DATABASE ... TEMPLATE): the same rows, cursors included, but
    its own advisory locks, so a run from it does not wait for a run from db."""
    db.close()  # a template must have no other sessions
    name = f"{db.name}_clone"
    with psycopg.connect(db.cluster.uri, autocommit=True) as c:
        c.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(db.name)))
    return PgDatabase(db.cluster, name)


def drop_database(db: PgDatabase) -> None:
    db.close()
    with psycopg.connect(db.cluster.uri, autocommit=True) as c:
        c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(db.name)))


def run_summary(bucket, stderr: str) -> dict:
    """The run's JSON summary, uploaded beside its log (README: the log folder)."""
    m = re.search(r"run log written to s3://[^/]+/(\S+)\.log", stderr)
    assert m, stderr
    return json.loads(bucket.get(f"{m.group(1)}.summary.json"))


def run_two_at_once(sources: list[str], bucket, *extra) -> list[tuple[int, str]]:
    procs = [start_pgtide("run", "--source", uri, *s3_args(bucket), "--no-progress", *extra)
             for uri in sources]
    results = []
    for p in procs:
        _, err = p.communicate(timeout=180)
        results.append((p.returncode, err))
    return results


# --------------------------------------------------------------------------- the runs


def test_iceberg_commits_on_versitygw(pg_db, versitygw_bucket):
    db, bucket = pg_db, versitygw_bucket
    setup_tables(db)
    run_pgtide("run", "--source", db.uri, *s3_args(bucket), "--load-type", "full",
               "--no-progress")
    assert_iceberg_equals_pg(db, bucket)

    db.execute("UPDATE accounts SET balance = balance + 1, updated_at = now() WHERE id < 5;"
               "INSERT INTO accounts (id, owner, updated_at) VALUES (500, 'new', now())")
    run_pgtide("run", "--source", db.uri, *s3_args(bucket), "--no-progress")
    assert_iceberg_equals_pg(db, bucket)

    # Two runs from the same database: the table lock makes the second wait, then it
    # commits on top of the first (nothing new for accounts, a reload for lookup).
    db.execute("UPDATE accounts SET owner = 'again', updated_at = now() WHERE id IN (7, 8)")
    before = snapshot_count(bucket, "accounts")
    for rc, err in run_two_at_once([db.uri, db.uri], bucket, "--lock-wait", "60s"):
        assert rc == 0, err
    assert snapshot_count(bucket, "accounts") > before
    assert_iceberg_equals_pg(db, bucket)

    # A load and a compaction of the same table at once (maintain takes no table lock):
    # both read the same metadata version and race to create the next one; versitygw
    # lets one create it. A compaction that loses leaves the partition for next time; a
    # load that loses either commits on top of the compaction (README) or reports
    # commit_conflict with its files discarded, and the next run loads the rows. Never
    # doubled, never lost, and each loser says so.
    db.execute("UPDATE accounts SET owner = 'raced', updated_at = now() WHERE id IN (9, 10)")
    load = start_pgtide("run", "--source", db.uri, *s3_args(bucket), "--no-progress")
    maintain = start_pgtide("maintain", "--output", bucket.url("lake"), "--s3-endpoint",
                            bucket.endpoint, "--table", "public.accounts",
                            "--compact-min-files", "2")
    _, maintain_err = maintain.communicate(timeout=180)
    assert maintain.returncode == 0, maintain_err
    _, load_err = load.communicate(timeout=180)
    classes = {t["table"]: t["error_class"] for t in run_summary(bucket, load_err)["tables"]}
    if load.returncode != 0:
        assert load.returncode == 1 and classes == {"public.accounts": "commit_conflict",
                                                    "public.lookup": "none"}, load_err
        print("versitygw race: the load lost to the compaction (commit_conflict)")
        run_pgtide("run", "--source", db.uri, *s3_args(bucket), "--no-progress")
    ops = [s.summary.operation.value for s in read_iceberg(bucket, "accounts").metadata.snapshots]
    assert "replace" in ops or "another writer committed during compaction" in maintain_err, (
        f"the compaction committed nothing and did not say why: {ops}\n{maintain_err}")
    assert_iceberg_equals_pg(db, bucket)


@pytest.mark.xfail(reason="runs that share no table lock (different source databases into "
                   "one output) are outside the locking model: seen failing with a current "
                   "snapshot that names a deleted file (likely the other run's sweep) and "
                   "with 'could not delete ...: Path does not exist'", strict=False)
def test_two_loaders_without_a_shared_lock(pg_db, versitygw_bucket):
    """Two runs from identical databases (a clone: the same rows and cursors, but advisory
    locks of its own) into one output race for the same metadata version. Per table one
    commits, the other reports commit_conflict (its files discarded); never are both runs'
    rows in the table, and the table stays readable."""
    db, bucket = pg_db, versitygw_bucket
    setup_tables(db)
    run_pgtide("run", "--source", db.uri, *s3_args(bucket), "--load-type", "full",
               "--no-progress")
    db.execute("UPDATE accounts SET owner = 'raced', updated_at = now() WHERE id IN (9, 10);"
               "UPDATE lookup SET label = 'raced' WHERE code = 'c1'")
    clone = clone_database(db)
    try:
        results = run_two_at_once([db.uri, clone.uri], bucket)
    finally:
        drop_database(clone)
    assert_iceberg_equals_pg(db, bucket)
    outcomes = [{t["table"]: t["error_class"] for t in run_summary(bucket, err)["tables"]}
                for _, err in results]
    log = "\n----\n".join(err for _, err in results)
    for table in ("public.accounts", "public.lookup"):
        got = [o[table] for o in outcomes]
        assert "none" in got and set(got) <= {"none", "commit_conflict"}, (
            f"{table}: outcomes {got}\n{log}")
    for (rc, err), o in zip(results, outcomes):
        assert rc == (0 if set(o.values()) == {"none"} else 1), f"exit {rc} for {o}\n{err}"
