"""Catalogs (issue 14): pgtide records each table's current metadata in a SQL catalog
(SQLite or PostgreSQL, the schema of Iceberg's JdbcCatalog and pyiceberg's SqlCatalog),
AWS Glue (moto) or an Iceberg REST catalog (Apache Iceberg's own REST server), and other
engines read every table back through the same catalog (pyiceberg's SqlCatalog,
GlueCatalog and RestCatalog; Spark's JdbcCatalog and REST catalog); the rows are compared
with PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import threading
import time
import urllib.error

import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from psycopg import sql

from conftest import closed_port, run_pgtide, start_pgtide

UTC = dt.timezone.utc
TABLES = ["public.orders", "public.events"]


def create_tables(db, rows: int = 50) -> None:
    for t in TABLES:
        db.execute(f"""CREATE TABLE {t} (id bigserial PRIMARY KEY, payload text,
                       updated_at timestamptz NOT NULL DEFAULT now())""")
        db.execute(f"INSERT INTO {t} (payload) SELECT md5(g::text) "
                   f"FROM generate_series(1, {rows}) g")


def pg_rows(db, table: str) -> list[tuple]:
    return sorted(db.query(f"SELECT id, payload, updated_at FROM {table}"))


def iceberg_rows(catalog, table: str) -> list[tuple]:
    """The table as pyiceberg reads it through `catalog`: (id, payload, updated_at)."""
    t = catalog.load_table(table).scan().to_arrow().select(["id", "payload", "updated_at"])
    return sorted((r["id"], r["payload"], r["updated_at"].astimezone(UTC))
                  for r in t.to_pylist())


def assert_catalog_equals_pg(catalog, db, tables=TABLES) -> None:
    for t in tables:
        got, want = iceberg_rows(catalog, t), pg_rows(db, t)
        assert len(got) == len(want), f"{t}: pyiceberg read {len(got)} rows, pg has {len(want)}"
        assert got == want, f"{t}: pyiceberg rows differ from PostgreSQL"


def sqlite_catalog(path):
    from pyiceberg.catalog.sql import SqlCatalog
    return SqlCatalog("pgtide", uri=f"sqlite:///{path}")


def load(db, out, catalog_uri, *extra, check=0, load_type="cdc", env_extra=None):
    return run_pgtide("run", "--source", db.uri, "--output", out, "--catalog", catalog_uri,
                      "--load-type", load_type, *extra, check=check, env=env_extra)


def test_sqlite_catalog_read_by_pyiceberg(pg_db, tmp_path):
    create_tables(pg_db)
    out, cat = tmp_path / "lake", tmp_path / "catalog.db"
    load(pg_db, out, f"sql:sqlite:///{cat}", load_type="full")
    catalog = sqlite_catalog(cat)
    assert sorted(".".join(i) for i in catalog.list_tables("public")) == sorted(TABLES)
    assert_catalog_equals_pg(catalog, pg_db)
    # A cdc run appends a snapshot and moves the row: previous_metadata_location is set.
    for t in TABLES:
        pg_db.execute(f"INSERT INTO {t} (payload) VALUES ('new')")
    load(pg_db, out, f"sql:sqlite:///{cat}")
    assert_catalog_equals_pg(sqlite_catalog(cat), pg_db)
    with sqlite3.connect(cat) as c:
        rows = c.execute("SELECT catalog_name, table_namespace, table_name, metadata_location,"
                         " previous_metadata_location, iceberg_type FROM iceberg_tables"
                         " ORDER BY table_name").fetchall()
        ns = c.execute("SELECT namespace, property_key, property_value"
                       " FROM iceberg_namespace_properties").fetchall()
    assert [r[2] for r in rows] == ["events", "orders"]
    for r in rows:
        assert r[0] == "pgtide" and r[1] == "public" and r[5] == "TABLE"
        assert r[3].startswith(str(out)) and r[3].endswith(".metadata.json")
        assert os.path.exists(r[3]) and r[4] and os.path.exists(r[4]) and r[3] != r[4]
    assert ns == [("public", "exists", "true")]


def test_job_file_catalog_key(pg_db, tmp_path):
    create_tables(pg_db, rows=5)
    out, cat = tmp_path / "lake", tmp_path / "c.db"
    job = tmp_path / "job.yaml"
    job.write_text(f"catalog: sql:sqlite:///{cat}\ncatalog_name: warehouse\n")
    run_pgtide("run", "--source", pg_db.uri, "--output", out, "--config", job)
    from pyiceberg.catalog.sql import SqlCatalog
    assert_catalog_equals_pg(SqlCatalog("warehouse", uri=f"sqlite:///{cat}"), pg_db)
    # The flag (or PGTIDE_CATALOG) beats the job file, even when it says lake.
    other = tmp_path / "other.db"
    job.write_text(f"catalog: sql:sqlite:///{other}\n")
    run_pgtide("run", "--source", pg_db.uri, "--output", tmp_path / "lake2", "--config", job,
               "--catalog", "lake")
    assert not other.exists()
    run_pgtide("run", "--source", pg_db.uri, "--output", tmp_path / "lake3", "--config", job,
               env={"PGTIDE_CATALOG": f"sql:sqlite:///{tmp_path}/env.db"})
    assert not other.exists() and (tmp_path / "env.db").exists()
    job.write_text("catalogue: lake\n")
    r = run_pgtide("run", "--source", pg_db.uri, "--output", out, "--config", job, check=2)
    assert "catalogue" in r.stderr and "catalog" in r.stderr


def test_postgresql_catalog_read_by_pyiceberg(pg_db, pg_cluster, tmp_path):
    create_tables(pg_db)
    name = pg_db.name + "_cat"
    with psycopg.connect(pg_cluster.uri, autocommit=True) as c:
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        cat_uri = pg_cluster.uri_for(name)
        out = tmp_path / "lake"
        r = load(pg_db, out, f"sql:{cat_uri}", load_type="full")
        assert pg_cluster.password not in r.stderr + r.stdout
        for t in TABLES:
            pg_db.execute(f"INSERT INTO {t} (payload) VALUES ('new')")
        # pyiceberg's own URI (a SQLAlchemy driver suffix) works for pgtide as well.
        sa_uri = cat_uri.replace("postgresql://", "postgresql+psycopg://")
        load(pg_db, out, f"sql:{sa_uri}")
        from pyiceberg.catalog.sql import SqlCatalog
        catalog = SqlCatalog("pgtide", uri=sa_uri)
        assert_catalog_equals_pg(catalog, pg_db)
        catalog.engine.dispose()
    finally:
        with psycopg.connect(pg_cluster.uri, autocommit=True) as c:
            c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))


@pytest.fixture
def catalog_database(pg_db, pg_cluster):
    """A database of its own for a PostgreSQL-backed catalog, dropped afterwards."""
    name = pg_db.name + "_cat"
    with psycopg.connect(pg_cluster.uri, autocommit=True) as c:
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield pg_cluster.uri_for(name)
    with psycopg.connect(pg_cluster.uri, autocommit=True) as c:
        c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_four_processes_one_catalog(pg_db, tmp_path, backend, request):
    """Four runs at once on the same tables and one catalog while a writer inserts: every
    committed row is in the lake exactly once and no commit is lost."""
    from pyiceberg.catalog.sql import SqlCatalog
    create_tables(pg_db, rows=200)
    out = tmp_path / "lake"
    if backend == "sqlite":
        uri = f"sqlite:///{tmp_path / 'catalog.db'}"
    else:
        uri = request.getfixturevalue("catalog_database")
    load(pg_db, out, f"sql:{uri}", load_type="full")
    stop = threading.Event()

    def writer():
        with psycopg.connect(pg_db.uri, autocommit=True) as c:
            while not stop.is_set():
                for t in TABLES:
                    c.execute(f"INSERT INTO {t} (payload) VALUES ('w')")
                time.sleep(0.01)

    w = threading.Thread(target=writer)
    w.start()
    try:
        for _ in range(3):
            procs = [start_pgtide("run", "--source", pg_db.uri, "--output", out, "--catalog",
                                  f"sql:{uri}", "--load-type", "cdc",
                                  "--lock-wait", "60s", "--jobs", "2") for _ in range(4)]
            for p in procs:
                so, se = p.communicate(timeout=240)
                assert p.returncode in (0, 1), f"exit {p.returncode}\n{se}"
                if p.returncode == 1:  # only a lost race may fail a table, never a row
                    assert "another writer committed" in se or "locked" in se, se
    finally:
        stop.set()
        w.join()
    load(pg_db, out, f"sql:{uri}")
    catalog = SqlCatalog("pgtide", uri=uri.replace("postgresql://", "postgresql+psycopg://"))
    for t in TABLES:
        got = iceberg_rows(catalog, t)
        ids = [r[0] for r in got]
        assert len(ids) == len(set(ids)), f"{t}: {len(ids) - len(set(ids))} rows doubled"
        assert got == pg_rows(pg_db, t), f"{t}: rows lost or changed"
    # Every commit built on the one before it: the snapshot chain has no gap.
    for t in TABLES:
        meta = catalog.load_table(t).metadata
        ids = {s.snapshot_id for s in meta.snapshots}
        for s in meta.snapshots:
            assert s.parent_snapshot_id is None or s.parent_snapshot_id in ids
    catalog.engine.dispose()


def test_unreachable_catalog_exit_code(pg_db, tmp_path):
    create_tables(pg_db, rows=5)
    out = tmp_path / "lake"
    secret = "s3cr3t-Catalog-pw"
    bad = f"sql:postgresql://cat:{secret}@127.0.0.1:{closed_port()}/catalog"
    r = load(pg_db, out, bad, "--catalog-timeout", "3", check=6)
    assert secret not in r.stderr + r.stdout
    logs = list((out / "_pgtide" / "logs").glob("*")) if out.exists() else []
    assert logs, "no run log was written"
    for log in logs:
        assert secret not in log.read_text(), f"{log} holds the catalog password"
    assert "catalog" in r.stderr.lower()
    data = [p for p in out.rglob("*.parquet")] if out.exists() else []
    assert data == [], f"files written although the catalog is down: {data}"
    # A SQLite file in a folder that does not exist: the same class.
    r = load(pg_db, out, f"sql:sqlite:///{tmp_path}/missing/dir/c.db", check=6)
    assert "cannot be opened" in r.stderr
    # The next run, with a catalog that works, loads everything.
    cat = tmp_path / "ok.db"
    load(pg_db, out, f"sql:sqlite:///{cat}")
    assert_catalog_equals_pg(sqlite_catalog(cat), pg_db)


def test_unknown_catalog_is_usage_error(pg_db, tmp_path):
    create_tables(pg_db, rows=1)
    r = load(pg_db, tmp_path / "lake", "hive://x", check=2)
    assert "unknown catalog" in r.stderr


def test_catalog_register_existing_lake(pg_db, tmp_path):
    """A lake made with the default pointer (version hints) is registered in a catalog
    without rewriting data; runs then continue through the catalog."""
    create_tables(pg_db)
    out, cat = tmp_path / "lake", tmp_path / "catalog.db"
    load(pg_db, out, "lake", load_type="full")
    before = sorted(str(p) for p in out.rglob("*.parquet"))
    r = run_pgtide("catalog", "register", "--catalog", f"sql:sqlite:///{cat}", "--output", out)
    assert "2 table(s) registered" in r.stdout
    assert sorted(str(p) for p in out.rglob("*.parquet")) == before, "data was rewritten"
    assert_catalog_equals_pg(sqlite_catalog(cat), pg_db)
    r = run_pgtide("catalog", "register", "--catalog", f"sql:sqlite:///{cat}", "--output", out)
    assert "0 table(s) registered, 2 already registered" in r.stdout
    for t in TABLES:
        pg_db.execute(f"INSERT INTO {t} (payload) VALUES ('after')")
    load(pg_db, out, f"sql:sqlite:///{cat}")
    assert_catalog_equals_pg(sqlite_catalog(cat), pg_db)
    r = run_pgtide("catalog", "register", "--output", out, check=2)
    assert "--catalog" in r.stderr
    # The lake's own pointer is stale now: tools that read it refuse the table rather
    # than act on an old snapshot (a compaction from it would delete files the catalog's
    # snapshot reads).
    files = sorted(str(p) for p in out.rglob("*.parquet"))
    for args, code in ((("maintain", "--output", out, "--compact-min-files", "2"), 1),
                       (("run", "--source", pg_db.uri, "--output", out, "--no-progress"), 4)):
        r = run_pgtide(*args, check=code)
        assert "committed through a catalog" in r.stderr, r.stderr
    assert sorted(str(p) for p in out.rglob("*.parquet")) == files
    assert_catalog_equals_pg(sqlite_catalog(cat), pg_db)


def glue_catalog(endpoint: str):
    from pyiceberg.catalog.glue import GlueCatalog
    return GlueCatalog("glue", **{"glue.endpoint": endpoint, "glue.region": "us-east-1",
                                  "glue.access-key-id": "testing",
                                  "glue.secret-access-key": "testing"})


def test_glue_catalog_on_moto_read_by_pyiceberg(pg_db, moto_server, tmp_path):
    create_tables(pg_db)
    # A schema name of its own: the moto server (and its Glue databases) is shared.
    schema = "glue_" + pg_db.name[-6:]
    pg_db.execute(f"CREATE SCHEMA {schema}")
    pg_db.execute(f"CREATE TABLE {schema}.items AS SELECT * FROM public.orders")
    out = tmp_path / "lake"
    args = ("--catalog-endpoint", moto_server.endpoint, "--schema", schema, "--schema",
            "public")
    load(pg_db, out, "glue", *args, load_type="full")
    pg_db.execute(f"INSERT INTO {schema}.items (id, payload, updated_at) "
                  f"VALUES (100000, 'x', now())")
    load(pg_db, out, "glue", *args)
    catalog = glue_catalog(moto_server.endpoint)
    assert_catalog_equals_pg(catalog, pg_db, [f"{schema}.items"])
    t = catalog.load_table(f"{schema}.items")
    assert len(t.metadata.snapshots) == 2
    import boto3
    glue = boto3.client("glue", endpoint_url=moto_server.endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")
    g = glue.get_table(DatabaseName=schema, Name="items")["Table"]
    assert g["TableType"] == "EXTERNAL_TABLE"
    assert g["Parameters"]["table_type"] == "ICEBERG"
    assert g["Parameters"]["previous_metadata_location"] != g["Parameters"]["metadata_location"]


def test_glue_catalog_with_the_lake_on_s3(pg_db, s3_bucket):
    """The Athena layout: the lake in S3, the tables in Glue (moto serves both on one
    port); pyiceberg's GlueCatalog reads them through S3."""
    create_tables(pg_db)
    schema = "glue_s3_" + pg_db.name[-6:]
    pg_db.execute(f"CREATE SCHEMA {schema}")
    pg_db.execute(f"CREATE TABLE {schema}.items AS SELECT * FROM public.orders")
    out = s3_bucket.url("lake")
    ep = s3_bucket.endpoint
    args = ("--s3-endpoint", ep, "--catalog-endpoint", ep, "--schema", schema)
    load(pg_db, out, "glue", *args, load_type="full")
    pg_db.execute(f"INSERT INTO {schema}.items (id, payload, updated_at) "
                  f"VALUES (100000, 'x', now())")
    load(pg_db, out, "glue", *args)
    from pyiceberg.catalog.glue import GlueCatalog
    catalog = GlueCatalog("glue", **{"glue.endpoint": ep, "glue.region": "us-east-1",
                                     "glue.access-key-id": "testing",
                                     "glue.secret-access-key": "testing",
                                     "s3.endpoint": ep, "s3.region": "us-east-1",
                                     "s3.access-key-id": "testing",
                                     "s3.secret-access-key": "testing"})
    t = catalog.load_table(f"{schema}.items")
    assert t.metadata_location.startswith(f"s3://{s3_bucket.name}/lake/_iceberg/")
    assert_catalog_equals_pg(catalog, pg_db, [f"{schema}.items"])


def test_glue_unreachable_exit_code(pg_db, tmp_path):
    create_tables(pg_db, rows=3)
    out = tmp_path / "lake"
    r = load(pg_db, out, "glue", "--catalog-endpoint", f"http://127.0.0.1:{closed_port()}",
             "--catalog-timeout", "3", check=6)
    assert "Glue" in r.stderr
    assert not (out.exists() and list(out.rglob("*.parquet")))


@pytest.mark.parametrize("kind", ["postgresql", "glue", "rest"])
def test_silent_catalog_is_bounded(pg_db, tmp_path, kind):
    """A catalog that accepts the connection and never answers fails the run within the
    --catalog-timeout, with exit 6, instead of hanging."""
    import socket
    create_tables(pg_db, rows=3)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        port = silent.getsockname()[1]
        args = (("--catalog-endpoint", f"http://127.0.0.1:{port}") if kind == "glue" else ())
        uri = {"glue": "glue", "rest": f"rest:http://127.0.0.1:{port}",
               "postgresql": f"sql:postgresql://u:pw@127.0.0.1:{port}/c"}[kind]
        start = time.monotonic()
        r = load(pg_db, tmp_path / "lake", uri, *args, "--catalog-timeout", "2", check=6)
        assert time.monotonic() - start < 30, "the catalog wait was not bounded"
    assert "catalog" in r.stderr.lower() or "Glue" in r.stderr


# --------------------------------------------------------------------------- Spark


def arrow_rows(table: pa.Table) -> list[tuple]:
    """(id, payload, updated_at in UTC) of a table read by another engine, sorted."""
    t = table.select(["id", "payload", "updated_at"])
    return sorted((r["id"], r["payload"], r["updated_at"].astimezone(UTC))
                  for r in t.to_pylist())


def spark_jdbc_conf(jdbc_uri: str, warehouse, **props) -> dict[str, str]:
    """Iceberg's JdbcCatalog in Spark, as the README shows it (the keys after
    spark.sql.catalog.<name>.)."""
    return {"type": "jdbc", "uri": jdbc_uri, "warehouse": str(warehouse),
            "jdbc.schema-version": "V1", **props}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_spark_reads_through_jdbc_catalog(pg_db, tmp_path, backend, request):
    """Spark's Iceberg JdbcCatalog (the Java twin of pyiceberg's SqlCatalog) reads every
    table pgtide registered, after a full and a cdc run; rows compared with PostgreSQL."""
    import iceberg_readers as readers
    driver = {"sqlite": "sqlite-jdbc", "postgresql": "postgresql"}[backend]
    for why in (readers.spark_available(), readers.jdbc_driver_available(driver)):
        if why:
            pytest.skip(why)
    create_tables(pg_db)
    out = tmp_path / "lake"
    # Spark's catalog name is JdbcCatalog's catalog_name: one per test, so that the worker's
    # session (shared by the tests) never sees one name with two databases.
    name = f"spark_{backend}_{pg_db.name[-6:]}"
    if backend == "sqlite":
        path = tmp_path / "catalog.db"
        uri, conf = f"sqlite:///{path}", spark_jdbc_conf(f"jdbc:sqlite:{path}", out)
    else:
        uri = request.getfixturevalue("catalog_database")
        m = re.match(r"postgresql://([^:]+):([^@]+)@([^/]+)/([^?]+)", uri)
        user, password, hostport, db = m.groups()
        conf = spark_jdbc_conf(f"jdbc:postgresql://{hostport}/{db}", out,
                               **{"jdbc.user": user, "jdbc.password": password})
    load(pg_db, out, f"sql:{uri}", "--catalog-name", name, load_type="full")
    for t in TABLES:
        pg_db.execute(f"INSERT INTO {t} (payload) VALUES ('new')")
    load(pg_db, out, f"sql:{uri}", "--catalog-name", name)
    for t in TABLES:
        ns, table = t.split(".")
        got = arrow_rows(readers.read_spark_catalog(name, conf, ns, table))
        want = pg_rows(pg_db, t)
        assert len(got) == len(want), f"{t}: Spark read {len(got)} rows, pg has {len(want)}"
        assert got == want, f"{t}: Spark's rows differ from PostgreSQL"


# --------------------------------------------------------------------------- REST


@pytest.fixture
def rest_server(tmp_path):
    """Iceberg's REST catalog server on a free port (tests/e2e/rest_catalog_server.py)."""
    from conftest import free_port
    from rest_catalog_server import RestCatalogServer, rest_server_available
    why = rest_server_available()
    if why:
        pytest.skip(why)
    server = RestCatalogServer(tmp_path / "rest", free_port()).start()
    yield server
    server.stop()


def rest_catalog(server):
    from pyiceberg.catalog.rest import RestCatalog
    return RestCatalog("rest", uri=server.uri)


def test_rest_catalog_read_by_pyiceberg_and_spark(pg_db, tmp_path, rest_server):
    """A full and a cdc run through Iceberg's REST server: the first commit registers the
    table, the second is a commit of updates whose metadata file the server writes; read
    back by pyiceberg's RestCatalog and by Spark (type=rest), compared with PostgreSQL."""
    create_tables(pg_db)
    out = tmp_path / "lake"
    uri = f"rest:{rest_server.uri}"
    load(pg_db, out, uri, load_type="full")
    catalog = rest_catalog(rest_server)
    assert sorted(".".join(i) for i in catalog.list_tables("public")) == sorted(TABLES)
    assert_catalog_equals_pg(catalog, pg_db)
    first = {t: catalog.load_table(t).metadata_location for t in TABLES}
    for t in TABLES:
        pg_db.execute(f"INSERT INTO {t} (payload) SELECT 'new' FROM generate_series(1, 7)")
    load(pg_db, out, uri)
    catalog = rest_catalog(rest_server)
    assert_catalog_equals_pg(catalog, pg_db)
    for t in TABLES:
        table = catalog.load_table(t)
        assert table.metadata_location != first[t]
        # The server wrote the new metadata file beside the registered one, in the lake.
        assert table.metadata_location.removeprefix("file:").startswith(str(out))
        assert os.path.exists(table.metadata_location.removeprefix("file:"))
        assert len(table.metadata.snapshots) == 2
        snap = table.metadata.snapshots
        assert snap[1].parent_snapshot_id == snap[0].snapshot_id
    # A full load again: an overwrite, then the snapshots before it are expired
    # (remove-snapshots), and the files only they read are deleted.
    pg_db.execute("DELETE FROM public.orders WHERE id <= 10")
    load(pg_db, out, uri, load_type="full")
    catalog = rest_catalog(rest_server)
    assert_catalog_equals_pg(catalog, pg_db)
    for t in TABLES:
        snaps = catalog.load_table(t).metadata.snapshots
        assert len(snaps) == 1 and snaps[0].summary.operation.value == "overwrite"
    import iceberg_readers as readers
    for t in TABLES:
        ns, table = t.split(".")
        try:
            got = arrow_rows(readers.read_duckdb_rest(rest_server.uri, "warehouse", ns, table))
        except readers.ReaderUnavailable:
            break
        assert got == pg_rows(pg_db, t), f"{t}: DuckDB (ATTACH ... TYPE iceberg) rows differ"
    if readers.spark_available():
        return
    conf = {"type": "rest", "uri": rest_server.uri}
    name = f"rest_{pg_db.name[-6:]}"
    for t in TABLES:
        ns, table = t.split(".")
        got = arrow_rows(readers.read_spark_catalog(name, conf, ns, table))
        assert got == pg_rows(pg_db, t), f"{t}: Spark (type=rest) rows differ from PostgreSQL"


def test_rest_new_column_adds_a_schema(pg_db, tmp_path, rest_server):
    """A column added in PostgreSQL reaches the REST catalog as add-schema +
    set-current-schema in the same commit as the snapshot; pyiceberg reads it."""
    create_tables(pg_db, rows=10)
    out, uri = tmp_path / "lake", f"rest:{rest_server.uri}"
    load(pg_db, out, uri, load_type="full")
    pg_db.execute("ALTER TABLE public.orders ADD COLUMN note text")
    pg_db.execute("INSERT INTO public.orders (payload, note) VALUES ('n', 'hello')")
    load(pg_db, out, uri)
    table = rest_catalog(rest_server).load_table("public.orders")
    assert "note" in [f.name for f in table.schema().fields]
    assert len(table.metadata.schemas) == 2
    got = table.scan().to_arrow().select(["id", "note"]).to_pylist()
    want = pg_db.query("SELECT id, note FROM public.orders")
    assert sorted((r["id"], r["note"]) for r in got) == sorted(want)
    assert_catalog_equals_pg(rest_catalog(rest_server), pg_db)


def test_rest_two_processes_commit_one_table(pg_db, tmp_path, rest_server):
    """Two runs at once on the same tables while a writer inserts: the server's
    compare-and-swap (assert-ref-snapshot-id) lets one commit per base, and no row is
    written twice or lost."""
    create_tables(pg_db, rows=100)
    out, uri = tmp_path / "lake", f"rest:{rest_server.uri}"
    load(pg_db, out, uri, load_type="full")
    stop = threading.Event()

    def writer():
        with psycopg.connect(pg_db.uri, autocommit=True) as c:
            while not stop.is_set():
                for t in TABLES:
                    c.execute(f"INSERT INTO {t} (payload) VALUES ('w')")
                time.sleep(0.01)

    w = threading.Thread(target=writer)
    w.start()
    lost = 0
    try:
        for _ in range(3):
            procs = [start_pgtide("run", "--source", pg_db.uri, "--output", out, "--catalog",
                                  uri, "--load-type", "cdc", "--lock-wait", "60s")
                     for _ in range(2)]
            for p in procs:
                so, se = p.communicate(timeout=240)
                assert p.returncode in (0, 1), f"exit {p.returncode}\n{se}"
                if p.returncode == 1:
                    assert "another writer committed" in se or "locked" in se, se
                    lost += 1
    finally:
        stop.set()
        w.join()
    load(pg_db, out, uri)
    catalog = rest_catalog(rest_server)
    for t in TABLES:
        got = iceberg_rows(catalog, t)
        ids = [r[0] for r in got]
        assert len(ids) == len(set(ids)), f"{t}: {len(ids) - len(set(ids))} rows doubled"
        assert got == pg_rows(pg_db, t), f"{t}: rows lost or changed"
        meta = catalog.load_table(t).metadata
        snap_ids = {s.snapshot_id for s in meta.snapshots}
        for s in meta.snapshots:
            assert s.parent_snapshot_id is None or s.parent_snapshot_id in snap_ids
    print(f"{lost} of 6 runs lost a race")


class CommitInterceptor:
    """An HTTP proxy in front of the REST server that, on the first commit POST for
    `table`, first lets `other_writer()` commit to the real server, then forwards the
    commit: the commit's base is then stale for certain, as when another writer wins the
    race between this run's load and its commit."""

    def __init__(self, upstream: str, table: str, other_writer):
        import http.server
        import urllib.request
        ns, name = table.split(".")
        path = f"/v1/namespaces/{ns}/tables/{name}"
        outer = self
        self.fired = False
        self.answers: list[int] = []
        self.requests: list[tuple[str, str, dict, bytes]] = []  # method, path, headers, body

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _forward(self, method):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.requests.append((method, self.path, dict(self.headers.items()), body))
                if method == "POST" and self.path == path and not outer.fired:
                    outer.fired = True
                    other_writer()
                req = urllib.request.Request(upstream + self.path, data=body or None,
                                             method=method)
                for k in ("Content-Type", "Authorization", "Accept"):
                    if self.headers.get(k):
                        req.add_header(k, self.headers[k])
                try:
                    with urllib.request.urlopen(req, timeout=60) as r:
                        status, data = r.status, r.read()
                except urllib.error.HTTPError as e:
                    status, data = e.code, e.read()
                if method == "POST" and self.path == path:
                    outer.answers.append(status)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._forward("GET")

            def do_POST(self):
                self._forward("POST")

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.uri = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_rest_lost_race_commits_nothing(pg_db, tmp_path, rest_server):
    """Another writer commits a snapshot between this run's load and its commit: the
    server refuses pgtide's commit with 409 (assert-ref-snapshot-id), pgtide fails the
    table with the conflict and discards its files, and the table is the other writer's:
    none of this run's rows, nothing doubled, nothing half-committed."""
    import urllib.error  # noqa: F401  (used by the proxy)
    create_tables(pg_db, rows=20)
    out = tmp_path / "lake"
    load(pg_db, out, f"rest:{rest_server.uri}", load_type="full")
    before = iceberg_rows(rest_catalog(rest_server), "public.orders")

    def other_writer():
        # Another engine's commit through the same REST API: a snapshot on top of main
        # that reads the same manifests (an append of nothing, to keep the test free of
        # partition transforms), moving main.
        import json
        import urllib.request
        t = rest_catalog(rest_server).load_table("public.orders")
        cur = t.metadata.current_snapshot()
        snap = {"snapshot-id": cur.snapshot_id + 1, "parent-snapshot-id": cur.snapshot_id,
                "sequence-number": t.metadata.last_sequence_number + 1,
                "timestamp-ms": int(time.time() * 1000), "manifest-list": cur.manifest_list,
                "summary": {"operation": "append", "engine": "other"},
                "schema-id": cur.schema_id}
        body = {"requirements": [], "updates": [
            {"action": "add-snapshot", "snapshot": snap},
            {"action": "set-snapshot-ref", "ref-name": "main", "type": "branch",
             "snapshot-id": snap["snapshot-id"]}]}
        req = urllib.request.Request(f"{rest_server.uri}/v1/namespaces/public/tables/orders",
                                     data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            assert r.status == 200

    pg_db.execute("INSERT INTO public.orders (payload) SELECT 'late' FROM generate_series(1, 5)")
    with CommitInterceptor(rest_server.uri, "public.orders", other_writer) as proxy:
        r = load(pg_db, out, f"rest:{proxy.uri}", check=1)
    assert proxy.fired and proxy.answers[:1] == [409], proxy.answers
    assert "another writer committed" in r.stderr
    table = rest_catalog(rest_server).load_table("public.orders")
    assert table.metadata.current_snapshot().summary["engine"] == "other"
    assert iceberg_rows(rest_catalog(rest_server), "public.orders") == before
    run_id = re.search(r"pgtide run (\S+) starting", r.stderr).group(1)
    assert not [p for p in out.rglob(f"*{run_id}*.parquet")], "the lost run's files remain"


def assert_sigv4_signed(method, url, headers, body, service, region, key, secret):
    """Recomputes the request's SigV4 signature with botocore (an independent signer) from
    the headers the request says it signed, and compares."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    auth_header = headers["Authorization"]
    m = re.match(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                 r"SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$", auth_header)
    assert m, auth_header
    assert (m.group(1), m.group(3), m.group(4)) == (key, region, service)
    lower = {k.lower(): v for k, v in headers.items()}
    signed = m.group(5).split(";")
    req = AWSRequest(method=method, url=url, data=body,
                     headers={h: lower[h] for h in signed})
    signer = SigV4Auth(Credentials(key, secret), service, region)
    req.context["timestamp"] = lower["x-amz-date"]
    want = signer.signature(signer.string_to_sign(req, signer.canonical_request(req)), req)
    assert m.group(6) == want, f"{method} {url}: signature differs from botocore's"


def test_rest_sigv4_requests_verify(pg_db, tmp_path, rest_server):
    """With PGTIDE_CATALOG_SIGV4=glue every REST request carries a SigV4 signature
    (service glue, the region, the AWS chain's key) that botocore's signer reproduces;
    the load itself goes through (the test server ignores the signature)."""
    create_tables(pg_db, rows=5)
    out = tmp_path / "lake"
    with CommitInterceptor(rest_server.uri, "public.none", lambda: None) as proxy:
        load(pg_db, out, f"rest:{proxy.uri}", load_type="full",
             env_extra={"PGTIDE_CATALOG_SIGV4": "glue", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
                        "AWS_SECRET_ACCESS_KEY": "sigv4-Secret-3e1", "AWS_REGION": "eu-west-1"})
    assert_catalog_equals_pg(rest_catalog(rest_server), pg_db)
    kinds = {(m, p.split("?")[0].rsplit("/", 1)[-1]) for m, p, _, _ in proxy.requests}
    assert ("GET", "config") in kinds and ("POST", "register") in kinds, kinds
    for method, path, headers, body in proxy.requests:
        assert_sigv4_signed(method, proxy.uri + path, headers, body, "glue", "eu-west-1",
                            "AKIDEXAMPLE", "sigv4-Secret-3e1")


def test_rest_unreachable_exit_code(pg_db, tmp_path):
    create_tables(pg_db, rows=3)
    out = tmp_path / "lake"
    r = load(pg_db, out, f"rest:http://127.0.0.1:{closed_port()}", "--catalog-timeout", "3",
             check=6)
    assert "REST catalog" in r.stderr
    assert not (out.exists() and list(out.rglob("*.parquet")))
    # Plain http to another host would carry the token in clear: refused as usage.
    r = load(pg_db, out, "rest:http://catalog.example.com/api", check=2)
    assert "https" in r.stderr


def test_rest_catalog_register_existing_lake(pg_db, tmp_path, rest_server):
    create_tables(pg_db)
    out, uri = tmp_path / "lake", f"rest:{rest_server.uri}"
    load(pg_db, out, "lake", load_type="full")
    before = sorted(str(p) for p in out.rglob("*.parquet"))
    r = run_pgtide("catalog", "register", "--catalog", uri, "--output", out)
    assert "2 table(s) registered" in r.stdout
    assert sorted(str(p) for p in out.rglob("*.parquet")) == before, "data was rewritten"
    assert_catalog_equals_pg(rest_catalog(rest_server), pg_db)
    r = run_pgtide("catalog", "register", "--catalog", uri, "--output", out)
    assert "0 table(s) registered, 2 already registered" in r.stdout
    for t in TABLES:
        pg_db.execute(f"INSERT INTO {t} (payload) VALUES ('after')")
    load(pg_db, out, uri)
    assert_catalog_equals_pg(rest_catalog(rest_server), pg_db)


def test_rest_oauth2_client_credentials_never_shown(pg_db, tmp_path, rest_server):
    """PGTIDE_CATALOG_CREDENTIAL is exchanged for a token at /v1/oauth/tokens (the server
    implements the client-credentials grant); neither the secret nor the token appears in
    any output."""
    create_tables(pg_db, rows=5)
    out = tmp_path / "lake"
    secret = "Rest-S3cret-4b7f"
    r = load(pg_db, out, f"rest:{rest_server.uri}", load_type="full",
             env_extra={"PGTIDE_CATALOG_CREDENTIAL": f"pgtide:{secret}"})
    assert_catalog_equals_pg(rest_catalog(rest_server), pg_db)
    texts = [r.stdout, r.stderr] + [p.read_text() for p in (out / "_pgtide" / "logs").glob("*")]
    assert all(secret not in t for t in texts)
    token_file = tmp_path / "token"
    token_file.write_text("Bearer-Token-9c1e\n")
    for t in TABLES:
        pg_db.execute(f"INSERT INTO {t} (payload) VALUES ('tok')")
    r = load(pg_db, out, f"rest:{rest_server.uri}",
             env_extra={"PGTIDE_CATALOG_TOKEN_FILE": str(token_file)})
    assert "Bearer-Token-9c1e" not in r.stdout + r.stderr
    assert_catalog_equals_pg(rest_catalog(rest_server), pg_db)
