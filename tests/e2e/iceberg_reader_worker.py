"""A long-lived reader process for the Iceberg e2e tests, run by the readers venv's python
(.deps/iceberg-readers: the pyspark that the Iceberg runtime jar is built for, and the DuckDB
whose iceberg extension ships as a wheel). iceberg_readers.py starts it once per test session,
so Spark's ~10 s start is paid once.

Protocol: one JSON request per stdin line, one JSON reply per stdout line.
  {"op": "spark", "warehouse": W, "ns": N, "table": T, "out": PATH}
  {"op": "duckdb", "metadata": M, "out": PATH}
  {"op": "duckdb_rest", "endpoint": URI, "warehouse": W, "ns": N, "table": T, "out": PATH}
  {"op": "spark_catalog", "catalog": C, "conf": {K: V}, "ns": N, "table": T, "out": PATH}
    (a catalog of any type: spark.sql.catalog.C.K = V, e.g. type=jdbc or type=rest)
The table read is written to PATH as an Arrow IPC file (lossless: decimals, years outside
1..9999 and binary survive, which JSON text would not); the reply is {"ok": true} or
{"error": "..."}. Logs go to stderr, never stdout.
"""

from __future__ import annotations

import json
import os
import pathlib
import sys
import traceback

import pyarrow as pa

REPO = pathlib.Path(__file__).resolve().parents[2]
JAR_DIR = REPO / ".deps" / "iceberg"

_spark = None
_catalogs: dict[str, str] = {}


def _spark_session():
    global _spark
    if _spark is None:
        from pyspark.sql import SparkSession

        jars = sorted(JAR_DIR.glob("iceberg-spark-runtime-*.jar"))
        if not jars:
            raise RuntimeError(f"no iceberg-spark-runtime jar in {JAR_DIR}: "
                               "run scripts/install-iceberg-readers.sh")
        # The JDBC drivers go on the driver's own class path: JdbcCatalog finds them through
        # java.sql.DriverManager, which does not see jars that spark.jars adds later.
        drivers = [str(p) for p in sorted(JAR_DIR.glob("*.jar")) if p != jars[-1]]
        _spark = (SparkSession.builder.master("local[1]").appName("pgtide-iceberg-readers")
                  .config("spark.jars", str(jars[-1]))
                  .config("spark.driver.extraClassPath", ":".join(drivers))
                  .config("spark.sql.extensions",
                          "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions")
                  .config("spark.driver.memory", "1g").config("spark.ui.enabled", "false")
                  .config("spark.sql.shuffle.partitions", "1")
                  .config("spark.sql.session.timeZone", "UTC").getOrCreate())
        _spark.sparkContext.setLogLevel("ERROR")
    return _spark


def _catalog_for(spark, warehouse: str) -> str:
    """A Hadoop catalog per warehouse, registered on first use (Spark instantiates catalogs
    lazily from the session conf). cache-enabled=false: a later pgtide run must be seen."""
    name = _catalogs.get(warehouse)
    if name is None:
        name = f"w{len(_catalogs)}"
        prefix = f"spark.sql.catalog.{name}"
        spark.conf.set(prefix, "org.apache.iceberg.spark.SparkCatalog")
        spark.conf.set(f"{prefix}.type", "hadoop")
        spark.conf.set(f"{prefix}.warehouse", warehouse)
        spark.conf.set(f"{prefix}.cache-enabled", "false")
        _catalogs[warehouse] = name
    return name


def _catalog_with_conf(spark, catalog: str, conf: dict[str, str]) -> str:
    """Catalog `catalog` configured as asked; set again on every request because a test may
    point the same name at another database (Spark builds a catalog on first use, so a
    changed conf needs a catalog name it has not built yet)."""
    key = json.dumps([catalog, conf], sort_keys=True)
    name = _catalogs.get(key)
    if name is None:
        name = catalog
        if any(n == name for n in _catalogs.values()):
            raise ValueError(f"catalog {catalog} already configured differently in this session")
        prefix = f"spark.sql.catalog.{name}"
        spark.conf.set(prefix, "org.apache.iceberg.spark.SparkCatalog")
        for k, v in conf.items():
            spark.conf.set(f"{prefix}.{k}", v)
        spark.conf.set(f"{prefix}.cache-enabled", "false")
        _catalogs[key] = name
    return name


def read_spark_catalog(catalog: str, conf: dict[str, str], ns: str, table: str) -> pa.Table:
    spark = _spark_session()
    name = _catalog_with_conf(spark, catalog, conf)
    return _to_arrow(spark.table(f"{name}.{_quote(ns)}.{_quote(table)}"))


def _quote(ident: str) -> str:
    return "`" + ident.replace("`", "``") + "`"


def read_spark(warehouse: str, ns: str, table: str) -> pa.Table:
    spark = _spark_session()
    catalog = _catalog_for(spark, warehouse)
    return _to_arrow(spark.table(f"{catalog}.{_quote(ns)}.{_quote(table)}"))


def _to_arrow(df) -> pa.Table:
    try:
        return df.toArrow()  # Spark 4: dates and timestamps stay integers, whatever their year
    except pa.ArrowInvalid:
        # toArrow's final cast to Spark's schema rejects a NULL struct whose fields are
        # required (pgtide's interval struct): Arrow holds nulls under a null parent there.
        # The batches themselves are right; take them uncast.
        return pa.Table.from_batches(df._collect_as_arrow())


def _duckdb_extension(package: str, name: str) -> str:
    import importlib

    mod = importlib.import_module(package)
    found = sorted(pathlib.Path(mod.__file__).parent.glob(f"extensions/*/{name}.duckdb_extension"))
    if not found:
        raise RuntimeError(f"{package} has no {name}.duckdb_extension")
    return str(found[-1])


def _duckdb_connection(extensions=(("duckdb_extension_avro", "avro"),
                                   ("duckdb_extension_iceberg", "iceberg"))):
    import duckdb

    con = duckdb.connect(config={"autoinstall_known_extensions": "false",
                                 "autoload_known_extensions": "false"})
    # Loaded from the PyPI wheels' files: the machine reaches no extension repository.
    for package, name in extensions:
        con.execute(f"LOAD '{_duckdb_extension(package, name)}'")
    con.execute("SET TimeZone = 'UTC'")
    return con


def read_duckdb_rest(endpoint: str, warehouse: str, ns: str, table: str) -> pa.Table:
    """The table through DuckDB's ATTACH ... (TYPE iceberg) of a REST catalog (httpfs
    carries its HTTP requests)."""
    con = _duckdb_connection((("duckdb_extension_httpfs", "httpfs"),
                              ("duckdb_extension_avro", "avro"),
                              ("duckdb_extension_iceberg", "iceberg")))
    try:
        q = lambda s: s.replace("'", "''")  # noqa: E731
        con.execute(f"ATTACH '{q(warehouse)}' AS rest_lake (TYPE iceberg, "
                    f"ENDPOINT '{q(endpoint)}', AUTHORIZATION_TYPE 'none')")
        ident = lambda s: '"' + s.replace('"', '""') + '"'  # noqa: E731
        return con.sql(f"SELECT * FROM rest_lake.{ident(ns)}.{ident(table)}").fetch_arrow_table()
    finally:
        con.close()


def read_duckdb(metadata: str) -> pa.Table:
    con = _duckdb_connection()
    try:
        rel = con.sql(f"SELECT * FROM iceberg_scan('{metadata.replace(chr(39), chr(39) * 2)}')")
        return rel.fetch_arrow_table()
    finally:
        con.close()


def handle(req: dict) -> None:
    if req["op"] == "spark":
        table = read_spark(req["warehouse"], req["ns"], req["table"])
    elif req["op"] == "spark_catalog":
        table = read_spark_catalog(req["catalog"], req["conf"], req["ns"], req["table"])
    elif req["op"] == "duckdb_rest":
        table = read_duckdb_rest(req["endpoint"], req["warehouse"], req["ns"], req["table"])
    elif req["op"] == "duckdb":
        table = read_duckdb(req["metadata"])
    else:
        raise ValueError(f"unknown op {req['op']!r}")
    with pa.OSFile(req["out"], "wb") as f, pa.ipc.new_file(f, table.schema) as w:
        w.write_table(table)


def main() -> None:
    out = sys.stdout
    sys.stdout = sys.stderr  # nothing but replies on the protocol stream
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            handle(json.loads(line))
            reply = {"ok": True}
        except Exception as e:  # the reply carries it to the test
            reply = {"error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc()}
        out.write(json.dumps(reply) + "\n")
        out.flush()
    if _spark is not None:
        _spark.stop()


if __name__ == "__main__":
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    main()
