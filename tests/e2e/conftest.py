"""End-to-end fixtures: a real PostgreSQL, a real S3-compatible server, the pgtide binary.

One PostgreSQL cluster is started for the whole session with server TimeZone
America/New_York, and pgtide always runs with TZ=Asia/Kolkata: neither is UTC, so any
place that uses a local clock instead of UTC shows up as a wrong partition or mark.
Each test gets its own database. A server that cannot be started FAILS the tests (it is
never a skip): a green run must mean the scenarios really ran.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import hashlib
import json
import os
import pathlib
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import duckdb
import psycopg
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pytest
from psycopg import sql

REPO = pathlib.Path(__file__).resolve().parents[2]
PGTIDE_BIN = os.environ.get("PGTIDE_BIN", str(REPO / "build" / "src" / "pgtide" / "pgtide"))
SERVER_TZ = "America/New_York"
CLIENT_TZ = "Asia/Kolkata"
UTC = dt.timezone.utc
# pyarrow in this process talks to moto too; moto must not receive aws-chunked bodies.
os.environ.setdefault("AWS_REQUEST_CHECKSUM_CALCULATION", "when_required")
os.environ.setdefault("AWS_RESPONSE_CHECKSUM_VALIDATION", "when_required")
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then released)."""
    return free_port()


# --------------------------------------------------------------------------- PostgreSQL


@dataclass
class PgCluster:
    dir: str
    uri: str
    port: int
    password: str

    def uri_for(self, dbname: str) -> str:
        return re.sub(r"/[^/?]*(\?.*)?$", "/" + dbname, self.uri)


@pytest.fixture(scope="session")
def pg_cluster():
    base = tempfile.mkdtemp(prefix="pgtide-e2e-", dir="/tmp")
    os.chmod(base, 0o755)  # the cluster runs as "postgres" when we are root
    cluster_dir = os.path.join(base, "pg")
    r = subprocess.run([str(REPO / "scripts" / "pg-cluster.sh"), "start", cluster_dir, SERVER_TZ],
                       capture_output=True, text=True, timeout=180)
    if r.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"could not start PostgreSQL with scripts/pg-cluster.sh (exit {r.returncode}):"
                    f"\n{r.stdout}\n{r.stderr}", pytrace=False)
    env = {}
    for line in pathlib.Path(cluster_dir, "env").read_text().splitlines():
        m = re.match(r"export (\w+)='?([^']*)'?$", line.strip())
        if m:
            env[m.group(1)] = m.group(2)
    uri = env["PGTIDE_TEST_PG_URI"]
    password = re.match(r"postgresql://[^:]+:([^@]+)@", uri).group(1)
    cluster = PgCluster(dir=cluster_dir, uri=uri, port=int(env["PGTIDE_TEST_PG_PORT"]),
                        password=password)
    try:
        with psycopg.connect(uri, autocommit=True, connect_timeout=10) as c:
            tz = c.execute("SHOW TimeZone").fetchone()[0]
        assert tz == SERVER_TZ, f"server TimeZone is {tz}, expected {SERVER_TZ}"
        yield cluster
    finally:
        subprocess.run([str(REPO / "scripts" / "pg-cluster.sh"), "stop", cluster_dir],
                       capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


class PgDatabase:
    """A fresh database of the session cluster, and helpers to talk to it."""

    def __init__(self, cluster: PgCluster, name: str):
        self.cluster = cluster
        self.name = name
        self.uri = cluster.uri_for(name)
        self.password = cluster.password
        self._conn: psycopg.Connection | None = None

    @property
    def conn(self) -> psycopg.Connection:
        # autocommit: an idle-in-transaction session of the test would hold back pgtide's
        # horizon (it waits for transactions that started before its snapshot).
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self.uri, autocommit=True)
        return self._conn

    def execute(self, query: str, params: Any = None) -> None:
        self.conn.execute(query, params)

    def query(self, query: str | sql.Composable, params: Any = None) -> list[tuple]:
        """Runs a query in a UTC session (as pgtide's own sessions are)."""
        with psycopg.connect(self.uri, autocommit=True,
                             options="-c TimeZone=UTC") as c:
            return c.execute(query, params).fetchall()

    def scalar(self, query: str | sql.Composable, params: Any = None) -> Any:
        return self.query(query, params)[0][0]

    def psql_file(self, path: str | os.PathLike, **variables: Any) -> None:
        cmd = ["psql", self.uri, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(path)]
        for k, v in variables.items():
            cmd[1:1] = ["-v", f"{k}={v}"]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, f"psql -f {path} failed:\n{r.stderr}"

    def close(self) -> None:
        if self._conn is not None and not self._conn.closed:
            self._conn.close()


@contextlib.contextmanager
def fresh_database(cluster: PgCluster, label: str):
    """A new database of the session cluster named after `label`, dropped afterwards."""
    base = re.sub(r"[^a-z0-9]+", "_", label.lower())[:40].strip("_")
    name = f"e2e_{base}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(cluster.uri, autocommit=True) as c:
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    db = PgDatabase(cluster, name)
    try:
        yield db
    finally:
        db.close()
        with psycopg.connect(cluster.uri, autocommit=True) as c:
            c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))


@pytest.fixture
def pg_db(pg_cluster, request):
    with fresh_database(pg_cluster, request.node.name) as db:
        yield db


@dataclass
class PgRole:
    """A LOGIN role of the session cluster, as production roles usually are: no superuser,
    no pg_read_all_stats (so pg_stat_activity hides other roles' transaction starts)."""
    name: str
    password: str
    uri: str  # DSN of the test's database as this role


@pytest.fixture
def pg_reader_role(pg_db):
    """A non-superuser LOGIN role WITHOUT pg_read_all_stats that may read every table of
    pg_db's public schema (including tables created later by the test's superuser)."""
    name = f"reader_{uuid.uuid4().hex[:8]}"
    password = uuid.uuid4().hex
    role, db = sql.Identifier(name), sql.Identifier(pg_db.name)
    with psycopg.connect(pg_db.cluster.uri, autocommit=True) as c:
        c.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
            role, sql.Literal(password)))
        c.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(db, role))
    pg_db.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role))
    pg_db.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}").format(role))
    pg_db.execute(sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES "
                          "TO {}").format(role))
    uri = re.sub(r"^postgresql://[^@]+@", f"postgresql://{name}:{password}@", pg_db.uri)
    try:
        yield PgRole(name=name, password=password, uri=uri)
    finally:
        pg_db.execute(sql.SQL("DROP OWNED BY {}").format(role))
        with psycopg.connect(pg_db.cluster.uri, autocommit=True) as c:
            c.execute(sql.SQL("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE usename = {}").format(sql.Literal(name)))
            for _ in range(50):
                try:
                    c.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(role))
                    break
                except psycopg.errors.DependentObjectsStillInUse:
                    time.sleep(0.1)


# --------------------------------------------------------------------------- S3 (moto)


@dataclass
class MotoServer:
    endpoint: str
    port: int
    recording: pathlib.Path
    proc: subprocess.Popen = field(repr=False)

    def api(self, path: str, method: str = "POST") -> bytes:
        req = urllib.request.Request(f"{self.endpoint}/moto-api/{path}", method=method,
                                     data=b"" if method == "POST" else None)
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.read()


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory):
    exe = pathlib.Path(sys.executable).parent / "moto_server"
    if not exe.exists():
        pytest.fail(f"moto_server not found at {exe}: install moto[server] into the venv",
                    pytrace=False)
    work = tmp_path_factory.mktemp("moto")
    port = free_port()
    env = dict(os.environ, MOTO_RECORDER_FILEPATH=str(work / "recording.jsonl"))
    env.pop("MOTO_ENABLE_RECORDING", None)
    log = open(work / "moto.log", "w")
    proc = subprocess.Popen([str(exe), "-H", "127.0.0.1", "-p", str(port)], stdout=log,
                            stderr=subprocess.STDOUT, env=env)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        if proc.poll() is not None:
            log.close()
            pytest.fail(f"moto_server exited with {proc.returncode}:\n"
                        f"{(work / 'moto.log').read_text()}", pytrace=False)
        try:
            urllib.request.urlopen(endpoint + "/moto-api/data.json", timeout=2).read()
            break
        except (urllib.error.URLError, ConnectionError, OSError):
            if time.time() > deadline:
                proc.kill()
                pytest.fail("moto_server did not answer within 60 s", pytrace=False)
            time.sleep(0.2)
    server = MotoServer(endpoint=endpoint, port=port, recording=work / "recording.jsonl",
                        proc=proc)
    try:
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def boto3_client(endpoint: str):
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=Config(s3={"addressing_style": "path"},
                                      request_checksum_calculation="when_required",
                                      response_checksum_validation="when_required"))


def arrow_s3fs(endpoint: str) -> pafs.S3FileSystem:
    host = endpoint.split("://", 1)[1]
    return pafs.S3FileSystem(endpoint_override=host, scheme="http", access_key="testing",
                             secret_key="testing", region="us-east-1",
                             force_virtual_addressing=False)


@dataclass
class S3Bucket:
    name: str
    endpoint: str
    client: Any
    fs: pafs.S3FileSystem

    def url(self, key: str = "") -> str:
        return f"s3://{self.name}/{key}".rstrip("/")

    def keys(self, prefix: str = "") -> list[str]:
        out = []
        for page in self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.name, Prefix=prefix):
            out += [o["Key"] for o in page.get("Contents", [])]
        return sorted(out)

    def object_keys(self, prefix: str = "") -> list[str]:
        """Keys without Arrow's empty "folder/" marker objects."""
        return [k for k in self.keys(prefix) if not k.endswith("/")]

    def get(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


@pytest.fixture
def s3_bucket(moto_server):
    client = boto3_client(moto_server.endpoint)
    name = f"pgtide-{uuid.uuid4().hex[:10]}"
    client.create_bucket(Bucket=name)
    return S3Bucket(name=name, endpoint=moto_server.endpoint, client=client,
                    fs=arrow_s3fs(moto_server.endpoint))


# --------------------------------------------------------------------------- S3 (versitygw)

# scripts/install-versitygw.sh puts it here; PGTIDE_TEST_VERSITYGW names another binary.
VERSITYGW = pathlib.Path(os.environ.get("PGTIDE_TEST_VERSITYGW")
                         or REPO / ".deps" / "versitygw" / "bin" / "versitygw")


@dataclass
class VersityGw:
    """versitygw (Versity's S3 gateway) over a posix folder: a real S3 server that enforces
    conditional writes (If-None-Match, If-Match), as Iceberg commits on S3 need."""
    endpoint: str
    dir: pathlib.Path
    proc: subprocess.Popen = field(repr=False)


@pytest.fixture(scope="session")
def versitygw_server(tmp_path_factory):
    if not VERSITYGW.exists():
        why = f"versitygw not found at {VERSITYGW}: run scripts/install-versitygw.sh"
        if os.environ.get("CI"):
            pytest.fail(why, pytrace=False)  # CI must run the scenario, never skip it
        pytest.skip(why)
    work = tmp_path_factory.mktemp("versitygw")
    (work / "data").mkdir()
    port = free_port()
    log = open(work / "versitygw.log", "w")
    # The credentials are the ones pgtide_env gives pgtide (and boto3_client uses).
    proc = subprocess.Popen([str(VERSITYGW), "--access", "testing", "--secret", "testing",
                             "--port", f"127.0.0.1:{port}", "--quiet", "posix",
                             str(work / "data")], stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"versitygw exited with {proc.returncode}:\n"
                            f"{(work / 'versitygw.log').read_text()}", pytrace=False)
            try:
                boto3_client(endpoint).list_buckets()
                break
            except Exception:
                if time.time() > deadline:
                    pytest.fail(f"versitygw did not answer on {endpoint} within 30 s:\n"
                                f"{(work / 'versitygw.log').read_text()}", pytrace=False)
                time.sleep(0.2)
        yield VersityGw(endpoint=endpoint, dir=work / "data", proc=proc)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()


@pytest.fixture
def versitygw_bucket(versitygw_server):
    endpoint = versitygw_server.endpoint
    client = boto3_client(endpoint)
    name = f"pgtide-{uuid.uuid4().hex[:10]}"
    client.create_bucket(Bucket=name)
    return S3Bucket(name=name, endpoint=endpoint, client=client, fs=arrow_s3fs(endpoint))


# --------------------------------------------------------------------------- pgtide


class PgtideResult(NamedTuple):
    rc: int
    stdout: str
    stderr: str


_current_tmpdir: str | None = None


@pytest.fixture(autouse=True)
def _pgtide_tmpdir(tmp_path):
    """Gives pgtide a per-test TMPDIR (S3 staging files, fallback logs)."""
    global _current_tmpdir
    d = tmp_path / "pgtide-tmp"
    d.mkdir()
    _current_tmpdir = str(d)
    yield d
    _current_tmpdir = None


def pgtide_env(env: dict[str, str | None] | None = None) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items()
         if not k.startswith(("PG", "AWS_")) or k == "PGTIDE_BIN"}
    e.pop("PGTIDE_BIN", None)
    e.update(TZ=CLIENT_TZ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
             AWS_REQUEST_CHECKSUM_CALCULATION="when_required",
             AWS_RESPONSE_CHECKSUM_VALIDATION="when_required",
             AWS_EC2_METADATA_DISABLED="true", AWS_REGION="us-east-1")
    if _current_tmpdir:
        e["TMPDIR"] = _current_tmpdir
    for k, v in (env or {}).items():
        if v is None:
            e.pop(k, None)
        else:
            e[k] = v
    return e


def run_pgtide(*args: Any, env: dict[str, str | None] | None = None, check: int | None = 0,
               timeout: float = 180) -> PgtideResult:
    """Runs the pgtide binary; asserts its exit code is `check` unless check is None."""
    cmd = [PGTIDE_BIN, *[str(a) for a in args]]
    r = subprocess.run(cmd, capture_output=True, text=True, env=pgtide_env(env),
                       timeout=timeout)
    res = PgtideResult(r.returncode, r.stdout, r.stderr)
    if check is not None:
        assert r.returncode == check, (
            f"pgtide exited {r.returncode}, expected {check}\n$ {' '.join(cmd)}\n"
            f"--- stdout\n{r.stdout}\n--- stderr\n{r.stderr}")
    return res


def start_pgtide(*args: Any, env: dict[str, str | None] | None = None) -> subprocess.Popen:
    return subprocess.Popen([PGTIDE_BIN, *[str(a) for a in args]], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=pgtide_env(env))


# --------------------------------------------------------------------------- lake readers


def table_path(root: str | os.PathLike, schema: str, table: str) -> str:
    return f"{str(root).rstrip('/')}/{schema}/{table}"


def _lake_dataset(root, schema, table, fs=None) -> ds.Dataset:
    return ds.dataset(table_path(root, schema, table), format="parquet", partitioning="hive",
                      filesystem=fs)


def read_lake_arrow(root, schema: str, table: str, fs: pafs.FileSystem | None = None) -> pa.Table:
    """The table as pyarrow.dataset reads it (hive partitioning, NULL partition = null)."""
    return _lake_dataset(root, schema, table, fs).to_table()


def read_lake_duckdb(root, schema: str, table: str) -> tuple[list[str], list[tuple]]:
    """The table as DuckDB reads it (local folders only): column names and rows."""
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        glob = table_path(root, schema, table).replace("'", "''") + "/**/*.parquet"
        rel = con.sql(f"SELECT * FROM read_parquet('{glob}', hive_partitioning = true)")
        return rel.columns, rel.fetchall()
    finally:
        con.close()


def lake_files(root, schema: str, table: str) -> list[str]:
    """Data files of a local table folder, relative to it."""
    base = pathlib.Path(table_path(root, schema, table))
    if not base.exists():
        return []
    return sorted(str(p.relative_to(base)) for p in base.rglob("*") if p.is_file())


def all_parquet(root) -> list[str]:
    return sorted(str(p) for p in pathlib.Path(root).rglob("*.parquet"))


def snapshot(root) -> dict[str, str]:
    """path -> sha256 of every file under a local folder (for "nothing changed")."""
    out = {}
    base = pathlib.Path(root)
    if not base.exists():
        return out
    for p in sorted(base.rglob("*")):
        if p.is_file():
            out[str(p.relative_to(base))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


# --------------------------------------------------------------------------- comparison

_TEXTUAL = {"text", "character varying", "character", "name", '"char"', "json", "jsonb"}


@dataclass
class PgColumn:
    name: str
    type: str       # format_type()
    typtype: str    # b, e, d, ...


def pg_columns(db: PgDatabase, schema: str, table: str) -> list[PgColumn]:
    rows = db.query("""
        SELECT a.attname, format_type(a.atttypid, a.atttypmod), t.typtype
          FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
         WHERE a.attrelid = format('%%I.%%I', %s::text, %s::text)::regclass
           AND a.attnum > 0 AND NOT a.attisdropped
         ORDER BY a.attnum""", (schema, table))
    return [PgColumn(*r) for r in rows]


def _is_stringish(t: pa.DataType) -> bool:
    if isinstance(t, pa.BaseExtensionType):
        t = t.storage_type
    return pa.types.is_string(t) or pa.types.is_large_string(t)


def _f32(v: float) -> float:
    return struct.unpack("f", struct.pack("f", v))[0]


def _norm(v: Any, float32: bool = False) -> Any:
    """One canonical Python value for a cell read from PostgreSQL, pyarrow or DuckDB."""
    if v is None:
        return None
    if isinstance(v, float):
        if v != v:
            return "NaN"
        return _f32(v) if float32 else v
    if isinstance(v, dt.datetime) and v.tzinfo is not None:
        return v.astimezone(UTC)
    if isinstance(v, decimal.Decimal):
        return v  # Decimal('1.50') == Decimal('1.5'): numeric equality
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v)
    if isinstance(v, uuid.UUID):
        return v
    if isinstance(v, (list, tuple)):
        return [_norm(x, float32) for x in v]
    if isinstance(v, dict):
        return {k: _norm(x, float32) for k, x in v.items()}
    return v


def _is_float32(t: pa.DataType) -> bool:
    while pa.types.is_list(t) or pa.types.is_large_list(t):
        t = t.value_type
    return pa.types.is_float32(t)


def pg_select(db: PgDatabase, schema: str, table: str, columns: list[str],
              arrow_schema: pa.Schema, pk: list[str], where: str = "") -> list[dict]:
    """SELECT the columns ORDER BY pk, in a UTC session. A column the lake holds as a string
    (text form, unconstrained numeric, json) is selected as PostgreSQL's output form, and a
    time as microseconds since midnight (see the README type map)."""
    exprs = []
    for c in columns:
        ident = sql.Identifier(c)
        field = arrow_schema.field(c)
        pg_type = (field.metadata or {}).get(b"pg_type", b"").decode()
        if pg_type.startswith("time") and "stamp" not in pg_type and "[]" not in pg_type \
                and pa.types.is_int64(field.type):
            exprs.append(sql.SQL("(extract(epoch FROM {}) * 1000000)::bigint AS {}").format(
                ident, ident))
        elif _is_stringish(field.type):
            exprs.append(sql.SQL("CASE WHEN {0} IS NOT NULL THEN format('%s', {0}) END AS {0}").format(ident))
        else:
            exprs.append(ident)
    q = sql.SQL("SELECT {} FROM {}.{} {} ORDER BY {}").format(
        sql.SQL(", ").join(exprs), sql.Identifier(schema), sql.Identifier(table),
        sql.SQL(where), sql.SQL(", ").join(sql.Identifier(k) for k in pk))
    rows = db.query(q)
    f32 = [_is_float32(arrow_schema.field(c).type) for c in columns]
    return [{c: _norm(v, f) for c, v, f in zip(columns, r, f32)} for r in rows]


def normalize_rows(names: list[str], rows: list[tuple] | list[dict], columns: list[str],
                   arrow_schema: pa.Schema, pk: list[str]) -> list[dict]:
    f32 = {c: _is_float32(arrow_schema.field(c).type) for c in columns}
    out = []
    for r in rows:
        d = r if isinstance(r, dict) else dict(zip(names, r))
        out.append({c: _norm(d[c], f32[c]) for c in columns})
    out.sort(key=lambda d: tuple(_sort_key(d[k]) for k in pk))
    return out


def _sort_key(v):
    return (v is None, v if v is not None else 0)


def partition_column(arrow_table: pa.Table, cursor: str) -> str | None:
    name = f"{cursor}_date"
    return name if name in arrow_table.column_names else None


def assert_partitions_match_cursor(rows: list[dict], cursor: str, part_col: str) -> None:
    """Every row sits in the partition of its cursor's UTC date (NULL -> default partition)."""
    for r in rows:
        c, p = r[cursor], r[part_col]
        if c is None:
            assert p is None, f"NULL cursor row in partition {p!r}: {r}"
            continue
        if isinstance(c, dt.datetime):
            want = (c.astimezone(UTC) if c.tzinfo else c).date()
        else:
            want = c
        got = p if isinstance(p, dt.date) else dt.date.fromisoformat(str(p))
        assert got == want, f"row in partition {p!r}, cursor {c!r} (UTC date {want}): {r}"


def _diff(expected: list[dict], actual: list[dict], pk: list[str]) -> str:
    ek = {tuple(str(r[k]) for k in pk): r for r in expected}
    ak = {tuple(str(r[k]) for k in pk): r for r in actual}
    lines = [f"expected {len(expected)} rows, got {len(actual)}"]
    for k in list(ek.keys() - ak.keys())[:5]:
        lines.append(f"missing {k}: {ek[k]}")
    for k in list(ak.keys() - ek.keys())[:5]:
        lines.append(f"extra   {k}: {ak[k]}")
    n = 0
    for k in ek.keys() & ak.keys():
        if ek[k] != ak[k] and n < 5:
            n += 1
            for c in ek[k]:
                if ek[k][c] != ak[k][c]:
                    lines.append(f"pk {k} column {c}: pg {ek[k][c]!r} lake {ak[k][c]!r}")
    return "\n".join(lines)


def assert_lake_equals_pg(db: PgDatabase, root, schema: str, table: str, pk: list[str] | str,
                          *, cursor: str = "updated_at", fs: pafs.FileSystem | None = None,
                          duck: bool | None = None) -> pa.Table:
    """Reads the table back with pyarrow (and DuckDB for local folders) and compares every
    row and column with SELECT ... ORDER BY pk in PostgreSQL. The lake must hold exactly one
    version of each row (use assert_lake_history for cdc lakes)."""
    pk = [pk] if isinstance(pk, str) else pk
    arrow_table = read_lake_arrow(root, schema, table, fs)
    cols = [c.name for c in pg_columns(db, schema, table)]
    assert [c for c in arrow_table.column_names if c in cols] == cols, (
        f"lake columns {arrow_table.column_names} != PostgreSQL columns {cols}")
    expected = pg_select(db, schema, table, cols, arrow_table.schema, pk)
    part = partition_column(arrow_table, cursor)
    if cursor in cols:
        assert part is not None, f"{schema}.{table}: no {cursor}_date partition column"
        full = normalize_rows(arrow_table.column_names, arrow_table.to_pylist(),
                              cols + [part], arrow_table.schema, pk)
        assert_partitions_match_cursor(full, cursor, part)
    got = normalize_rows(arrow_table.column_names, arrow_table.to_pylist(), cols,
                         arrow_table.schema, pk)
    assert got == expected, f"pyarrow read of {schema}.{table}:\n" + _diff(expected, got, pk)
    if duck is None:
        duck = fs is None
    if duck:
        names, rows = read_lake_duckdb(root, schema, table)
        if part is not None:
            assert part in names, f"DuckDB did not see the hive column {part}"
            full = normalize_rows(names, rows, cols + [part], arrow_table.schema, pk)
            assert_partitions_match_cursor(full, cursor, part)
        got_duck = normalize_rows(names, rows, cols, arrow_table.schema, pk)
        assert got_duck == expected, f"DuckDB read of {schema}.{table}:\n" + _diff(
            expected, got_duck, pk)
    return arrow_table


def assert_lake_history(db: PgDatabase, root, schema: str, table: str, pk: str,
                        *, cursor: str = "updated_at", fs: pafs.FileSystem | None = None,
                        duck: bool | None = None) -> list[dict]:
    """For an appended (cdc) lake: each (pk, cursor) version is in the lake exactly once, and
    the newest version of each pk equals PostgreSQL's row. Returns the lake's rows."""
    arrow_table = read_lake_arrow(root, schema, table, fs)
    cols = [c.name for c in pg_columns(db, schema, table)]
    expected = pg_select(db, schema, table, cols, arrow_table.schema, [pk])
    readers = [("pyarrow", arrow_table.column_names, arrow_table.to_pylist())]
    if duck is None:
        duck = fs is None
    if duck:
        names, rows = read_lake_duckdb(root, schema, table)
        readers.append(("DuckDB", names, rows))
    result = None
    for reader, names, rows in readers:
        part = f"{cursor}_date"
        all_rows = normalize_rows(names, rows, cols + [part], arrow_table.schema, [pk, cursor])
        assert_partitions_match_cursor(all_rows, cursor, part)
        versions = [(r[pk], r[cursor]) for r in all_rows]
        dupes = {v for v in versions if versions.count(v) > 1}
        assert not dupes, f"{reader}: versions written more than once: {sorted(dupes)[:5]}"
        latest: dict[Any, dict] = {}
        for r in all_rows:
            cur = latest.get(r[pk])
            if cur is None or (r[cursor] is not None and
                               (cur[cursor] is None or r[cursor] > cur[cursor])):
                latest[r[pk]] = r
        got = [{c: r[c] for c in cols} for r in sorted(latest.values(), key=lambda r: r[pk])]
        assert got == expected, f"{reader} newest versions of {schema}.{table}:\n" + _diff(
            expected, got, [pk])
        result = result or [{c: r[c] for c in cols} for r in all_rows]
    return result


# --------------------------------------------------------------------------- state and logs


def read_state(text: str | bytes) -> dict[str, dict[str, str]]:
    import csv
    import io

    if isinstance(text, bytes):
        text = text.decode()
    return {r["table_name"]: r for r in csv.DictReader(io.StringIO(text))}


def pg_max_cursor(db: PgDatabase, schema: str, table: str, cursor: str = "updated_at") -> str:
    return db.scalar(sql.SQL("SELECT max({})::text FROM {}.{}").format(
        sql.Identifier(cursor), sql.Identifier(schema), sql.Identifier(table)))


def run_ids_of(files: list[str]) -> set[str]:
    out = set()
    for f in files:
        m = re.search(r"part-(\d{8}T\d{6}Z-[0-9a-f]{6})-\d+\.parquet$", f)
        assert m, f"unexpected file name {f}"
        out.add(m.group(1))
    return out
