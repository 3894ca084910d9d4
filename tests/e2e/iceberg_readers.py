"""Independent readers of one Iceberg table, for the e2e tests.

Each reader returns the table as a pyarrow Table; rows_of() turns one into (column names,
row tuples) for conftest.normalize_rows. The Iceberg layout pgtide writes:
  <root>/_iceberg/<schema>/<table>/metadata/vN.metadata.json + version-hint.text (N)
so <root>/_iceberg is a Hadoop-catalog warehouse with namespace <schema>.

pyiceberg runs in this process (the main venv has it). Spark and DuckDB-iceberg run in one
long-lived worker (iceberg_reader_worker.py) under the readers venv that
scripts/install-iceberg-readers.sh makes: the Iceberg runtime jar is built for Spark 4.1
and DuckDB's iceberg extension ships as a wheel only for DuckDB 1.5, both older than the
main venv's. The worker hands tables back as Arrow IPC files, so no value is reshaped on
the way (decimals, years outside 1..9999, bytes, NaN).
"""

from __future__ import annotations

import atexit
import json
import os
import pathlib
import subprocess
import tempfile
import threading
import uuid

import pyarrow as pa

REPO = pathlib.Path(__file__).resolve().parents[2]
READERS_PYTHON = REPO / ".deps" / "iceberg-readers" / "bin" / "python"
SPARK_JAR_DIR = REPO / ".deps" / "iceberg"
WORKER = pathlib.Path(__file__).with_name("iceberg_reader_worker.py")
INSTALL_HINT = "run scripts/install-iceberg-readers.sh"


# --------------------------------------------------------------------------- paths


def iceberg_table_dir(root, schema: str, table: str) -> pathlib.Path:
    """The Iceberg table location pgtide uses for <schema>.<table> of a lake at root."""
    return pathlib.Path(str(root).rstrip("/")) / "_iceberg" / schema / table


def warehouse_of(root) -> str:
    return str(pathlib.Path(str(root).rstrip("/")) / "_iceberg")


def resolve_metadata(path) -> pathlib.Path:
    """A vN.metadata.json path, given it or the table folder (via metadata/version-hint.text)."""
    p = pathlib.Path(path)
    if p.is_file():
        return p
    meta = p / "metadata" if (p / "metadata").is_dir() else p
    if not (meta / "version-hint.text").is_file():
        raise FileNotFoundError(f"no Iceberg table at {p}: {meta}/version-hint.text is missing")
    hint = (meta / "version-hint.text").read_text().strip()
    # The Hadoop catalog writes the version number; some writers write the file name.
    name = f"v{hint}.metadata.json" if hint.isdigit() else hint
    found = meta / name
    if not found.is_file():
        raise FileNotFoundError(f"version-hint.text of {meta} names {name}, which is missing")
    return found


def _iceberg_field_types(metadata_json: pathlib.Path) -> dict[str, object]:
    """{top-level column: Iceberg type} of the current schema, read from the JSON itself."""
    meta = json.loads(metadata_json.read_text())
    sid = meta.get("current-schema-id", 0)
    schema = next(s for s in meta["schemas"] if s.get("schema-id", 0) == sid)
    return {f["name"]: f["type"] for f in schema["fields"]}


def current_schema_fields(table_dir_or_metadata) -> list[dict]:
    """The current schema's top-level fields ({"id", "name", "type", ...}) as the metadata
    JSON holds them."""
    meta = json.loads(resolve_metadata(table_dir_or_metadata).read_text())
    sid = meta.get("current-schema-id", 0)
    return next(s for s in meta["schemas"] if s.get("schema-id", 0) == sid)["fields"]


# --------------------------------------------------------------------------- pyiceberg


def read_pyiceberg_static(metadata_json_path) -> pa.Table:
    """The current snapshot through pyiceberg's StaticTable (no catalog)."""
    from pyiceberg.table import StaticTable

    return StaticTable.from_metadata(str(resolve_metadata(metadata_json_path))).scan().to_arrow()


def read_pyiceberg_sql(catalog_uri: str, warehouse: str, ns: str, table: str) -> pa.Table:
    """The current snapshot through pyiceberg's SqlCatalog (e.g. sqlite:///path/catalog.db)."""
    from pyiceberg.catalog.sql import SqlCatalog

    catalog = SqlCatalog("pgtide", uri=catalog_uri, warehouse=warehouse)
    return catalog.load_table((ns, table)).scan().to_arrow()


def snapshots(metadata_json_path) -> list[dict]:
    """Every snapshot of the table, oldest first, with its summary as a plain dict
    (operation included, plus pgtide's pgtide.* keys)."""
    from pyiceberg.table import StaticTable

    t = StaticTable.from_metadata(str(resolve_metadata(metadata_json_path)))
    out = []
    for s in sorted(t.metadata.snapshots, key=lambda s: s.sequence_number or 0):
        summary = dict(s.summary.additional_properties) if s.summary else {}
        if s.summary:
            summary["operation"] = s.summary.operation.value
        out.append({"snapshot_id": s.snapshot_id, "parent_snapshot_id": s.parent_snapshot_id,
                    "sequence_number": s.sequence_number, "timestamp_ms": s.timestamp_ms,
                    "manifest_list": s.manifest_list, "summary": summary})
    return out


# --------------------------------------------------------------------------- worker


def _worker_env() -> dict[str, str]:
    # TZ=UTC: Spark and DuckDB render nothing in a local zone; the rest of the test
    # environment (PG*, AWS_*) is not the readers' business.
    env = {k: os.environ[k] for k in ("PATH", "HOME", "JAVA_HOME") if k in os.environ}
    env["TZ"] = "UTC"
    return env


class _Worker:
    """The readers-venv process; one per test session, requests serialised by a lock."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._log = tempfile.NamedTemporaryFile(prefix="pgtide-iceberg-worker-", suffix=".log",
                                                delete=False)

    def _start(self) -> subprocess.Popen:
        if not READERS_PYTHON.exists():
            raise ReaderUnavailable(f"no readers venv at {READERS_PYTHON.parent.parent}: "
                                    f"{INSTALL_HINT}")
        self._proc = subprocess.Popen([str(READERS_PYTHON), str(WORKER)], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=self._log, text=True,
                                      env=_worker_env())
        atexit.register(self.close)
        return self._proc

    def request(self, **req) -> pa.Table:
        with self._lock:
            proc = self._proc if self._proc and self._proc.poll() is None else self._start()
            with tempfile.TemporaryDirectory(prefix="pgtide-iceberg-read-") as d:
                req["out"] = f"{d}/table.arrow"
                proc.stdin.write(json.dumps(req) + "\n")
                proc.stdin.flush()
                line = proc.stdout.readline()
                if not line:
                    raise RuntimeError(f"iceberg reader worker died; its log: {self._log.name}\n"
                                       + pathlib.Path(self._log.name).read_text()[-3000:])
                reply = json.loads(line)
                if "error" in reply:
                    raise RuntimeError(f"{req['op']} could not read the table: {reply['error']}\n"
                                       f"{reply.get('trace', '')}")
                with pa.memory_map(req["out"]) as src:
                    return pa.ipc.open_file(src).read_all()

    def close(self) -> None:
        if self._proc and self._proc.poll() is None:
            self._proc.stdin.close()
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._proc.kill()


class ReaderUnavailable(RuntimeError):
    """The reader is not installed on this machine (tests skip, naming why)."""


_worker = _Worker()


def _restore_uuids(table: pa.Table, metadata_json: pathlib.Path) -> pa.Table:
    """Spark reads an Iceberg uuid as a string: give it back the uuid type the others use."""
    types = _iceberg_field_types(metadata_json)
    for i, name in enumerate(table.column_names):
        col = table.column(i)
        if types.get(name) == "uuid" and pa.types.is_string(col.type):
            raw = pa.array([None if v is None else uuid.UUID(v).bytes for v in col.to_pylist()],
                           pa.binary(16))
            table = table.set_column(i, name, pa.ExtensionArray.from_storage(pa.uuid(), raw))
    return table


def spark_available() -> str | None:
    """None when Spark can read Iceberg here, else why not."""
    if not READERS_PYTHON.exists():
        return f"no readers venv: {INSTALL_HINT}"
    if not sorted(SPARK_JAR_DIR.glob("iceberg-spark-runtime-*.jar")):
        return f"no iceberg-spark-runtime jar in {SPARK_JAR_DIR}: {INSTALL_HINT}"
    return None


def duckdb_iceberg_available() -> str | None:
    """None when DuckDB's iceberg extension is installed in the readers venv, else why not."""
    if not READERS_PYTHON.exists():
        return f"no readers venv: {INSTALL_HINT}"
    site = list((READERS_PYTHON.parent.parent / "lib").glob(
        "python*/site-packages/duckdb_extension_iceberg"))
    if not site:
        return ("DuckDB's iceberg extension is not installed (no duckdb-extension-iceberg "
                f"wheel matching the readers venv's DuckDB): {INSTALL_HINT}")
    return None


def read_spark(warehouse: str, ns: str, table: str) -> pa.Table:
    """The table through Spark's Hadoop catalog (warehouse = <root>/_iceberg)."""
    why = spark_available()
    if why:
        raise ReaderUnavailable(why)
    got = _worker.request(op="spark", warehouse=str(warehouse), ns=ns, table=table)
    return _restore_uuids(got, resolve_metadata(pathlib.Path(warehouse) / ns / table))


def read_spark_catalog(catalog: str, conf: dict[str, str], ns: str, table: str) -> pa.Table:
    """The table through Spark's Iceberg catalog `catalog`, configured by `conf` (the keys
    after spark.sql.catalog.<catalog>., e.g. {"type": "jdbc", "uri": "jdbc:sqlite:..."}).
    Each distinct conf needs a catalog name of its own within the test session."""
    why = spark_available()
    if why:
        raise ReaderUnavailable(why)
    return _worker.request(op="spark_catalog", catalog=catalog, conf=conf, ns=ns, table=table)


def read_duckdb_rest(endpoint: str, warehouse: str, ns: str, table: str) -> pa.Table:
    """The table through DuckDB's ATTACH '<warehouse>' (TYPE iceberg, ENDPOINT ...) of an
    Iceberg REST catalog."""
    why = duckdb_iceberg_available()
    if why:
        raise ReaderUnavailable(why)
    site = list((READERS_PYTHON.parent.parent / "lib").glob(
        "python*/site-packages/duckdb_extension_httpfs"))
    if not site:
        raise ReaderUnavailable(f"DuckDB's httpfs extension is not installed: {INSTALL_HINT}")
    return _worker.request(op="duckdb_rest", endpoint=endpoint, warehouse=warehouse, ns=ns,
                           table=table)


def jdbc_driver_available(name: str) -> str | None:
    """None when the JDBC driver jar `name` (postgresql, sqlite-jdbc) is installed."""
    if not sorted(SPARK_JAR_DIR.glob(f"{name}-*.jar")):
        return f"no {name} JDBC driver jar in {SPARK_JAR_DIR}: {INSTALL_HINT}"
    return None


def read_duckdb_iceberg(metadata_json_path) -> pa.Table:
    """The table through DuckDB's iceberg_scan of the given metadata file (or table folder)."""
    why = duckdb_iceberg_available()
    if why:
        raise ReaderUnavailable(why)
    meta = resolve_metadata(metadata_json_path)
    return _restore_uuids(_worker.request(op="duckdb", metadata=str(meta)), meta)


# --------------------------------------------------------------------------- rows


def rows_of(table: pa.Table) -> tuple[list[str], list[tuple]]:
    """(column names, row tuples) with Python values conftest._norm understands: uuids as
    uuid.UUID (pyarrow gives bytes for a uuid extension's storage)."""
    cols = []
    for col in table.columns:
        values = col.to_pylist()
        if isinstance(col.type, pa.ExtensionType) and col.type.extension_name == "arrow.uuid":
            values = [v if v is None or isinstance(v, uuid.UUID) else uuid.UUID(bytes=bytes(v))
                      for v in values]
        cols.append(values)
    return table.column_names, list(zip(*cols)) if cols else []
