"""Type fidelity (issue 6): every value of the all-types fixture lands exactly, and pyarrow,
DuckDB and Spark all read it back.

Self-contained: the module starts its own PostgreSQL (server TimeZone America/New_York, so
a local clock anywhere shows up), loads all_types.sql, runs one full load and reads the
Parquet with the three readers. Each cell is compared with PostgreSQL's own rendering of
it: its text output, or a cast done in PostgreSQL into the representation that
the README type map documents (days or microseconds since 1970, the three interval fields, the
bits of a float). A reader that rejects the file fails the test; nothing here is skipped.
"""

from __future__ import annotations

import math
import os
import pathlib
import re
import shutil
import struct
import subprocess
import tempfile

import duckdb
import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
PGTIDE_BIN = os.environ.get("PGTIDE_BIN", str(REPO / "build" / "src" / "pgtide" / "pgtide"))
FIXTURE = pathlib.Path(__file__).with_name("all_types.sql")
SERVER_TZ = "America/New_York"
# pgtide pins these in its COPY session; text forms (a composite's timestamptz) follow them.
PGTIDE_SESSION = ("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; "
                  "SET IntervalStyle = 'postgres'; SET extra_float_digits = 3")

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1

# How each column is compared: (PostgreSQL expression giving the expected text, or None for
# the column's own text output; the kind of the Arrow value, see canon()).
_DATE = (f"CASE WHEN {{c}} = 'infinity' THEN '{INT32_MAX}' WHEN {{c}} = '-infinity' "
         f"THEN '{-INT32_MAX}' ELSE ({{c}} - date '1970-01-01')::text END")
_TS = (f"CASE WHEN {{c}} = 'infinity' THEN '{INT64_MAX}' WHEN {{c}} = '-infinity' "
       f"THEN '{-INT64_MAX}' ELSE (extract(epoch FROM {{c}}) * 1000000)::bigint::text END")
_FLOAT = "CASE WHEN {c} = 'NaN' THEN 'NaN' ELSE encode({send}({c}), 'hex') END"
_INTERVAL = ("CASE WHEN {c} IS NOT NULL THEN format('%s,%s,%s', "
             "(extract(year FROM {c}) * 12 + extract(month FROM {c}))::bigint, "
             "extract(day FROM {c})::bigint, ((extract(hour FROM {c}) * 3600 + "
             "extract(minute FROM {c}) * 60) * 1000000 + extract(microseconds FROM {c}))"
             "::bigint) END")
TEXT = (None, "text")
COLUMNS = {
    "id": (None, "int"), "c_smallint": (None, "int"), "c_int": (None, "int"),
    "c_bigint": (None, "int"),
    "c_real": (_FLOAT.replace("{send}", "float4send"), "float4"),
    "c_double": (_FLOAT.replace("{send}", "float8send"), "float8"),
    "c_num_12_2": (None, "decimal"), "c_num_38_10": (None, "decimal"),
    "c_num_38_0": (None, "decimal"), "c_num_50_5": TEXT, "c_num_neg": TEXT, "c_num": TEXT,
    "c_money": ("{c}::numeric::text", "decimal"),
    "c_text": TEXT, "c_varchar": TEXT, "c_char": TEXT, "c_qchar": TEXT,
    "c_bool": (None, "bool"),
    "c_date": (_DATE, "int"), "c_ts": (_TS, "int"), "c_tstz": (_TS, "int"),
    "c_time": ("(extract(epoch FROM {c}) * 1000000)::bigint::text", "int"),
    "c_timetz": TEXT, "c_interval": (_INTERVAL, "interval"), "c_uuid": TEXT,
    "c_bytea": (None, "bytea"), "c_json": TEXT, "c_jsonb": TEXT,
    "c_inet": TEXT, "c_cidr": TEXT, "c_macaddr": TEXT, "c_macaddr8": TEXT, "c_bit": TEXT,
    "c_varbit": TEXT, "c_tsvector": TEXT, "c_xml": TEXT, "c_mood": TEXT,
    "c_price": (None, "decimal"), "c_stamp": TEXT,
    "c_int_arr": (None, "array:int"), "c_int_2d": (None, "array:int"),
    "c_text_arr": (None, "array:text"), "c_num_arr": (None, "array:decimal"),
    "c_numu_arr": (None, "array:text"), "c_mood_arr": (None, "array:text"),
    "c_uuid_arr": (None, "array:text"), "c_inet_arr": (None, "array:text"),
    "c_toast": TEXT, "c_nn_int": (None, "int"), "c_nn_text": TEXT,
}
# Text forms other than numeric's are logged as warnings (issue 3), naming the column.
WARNED = {"c_timetz", "c_inet", "c_cidr", "c_macaddr", "c_macaddr8", "c_bit", "c_varbit",
          "c_tsvector", "c_xml", "c_stamp", "c_inet_arr"}

# The Arrow type each column is written as (the README type map).
INTERVAL = pa.struct([pa.field("months", pa.int32(), False), pa.field("days", pa.int32(), False),
                      pa.field("microseconds", pa.int64(), False)])
ARROW_TYPES = {
    "c_smallint": pa.int16(), "c_int": pa.int32(), "c_bigint": pa.int64(),
    "c_real": pa.float32(), "c_double": pa.float64(), "c_num_12_2": pa.decimal128(12, 2),
    "c_num_38_10": pa.decimal128(38, 10), "c_num_38_0": pa.decimal128(38, 0),
    "c_money": pa.decimal128(19, 2), "c_bool": pa.bool_(), "c_date": pa.date32(),
    "c_ts": pa.timestamp("us"), "c_tstz": pa.timestamp("us", "UTC"), "c_time": pa.int64(),
    "c_interval": INTERVAL, "c_bytea": pa.binary(), "c_json": pa.utf8(),
    "c_jsonb": pa.utf8(), "c_price": pa.decimal128(10, 2),
    "c_int_arr": pa.list_(pa.field("element", pa.int32())),
    "c_int_2d": pa.list_(pa.field("element", pa.list_(pa.field("element", pa.int32())))),
    "c_num_arr": pa.list_(pa.field("element", pa.decimal128(10, 2))),
    "id": pa.int32(), "c_nn_int": pa.int32(),
}
for _name, (_, _kind) in COLUMNS.items():
    if _name not in ARROW_TYPES:
        ARROW_TYPES[_name] = (pa.list_(pa.field("element", pa.utf8()))
                              if _kind.startswith("array") else pa.utf8())


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def pg_uri():
    base = tempfile.mkdtemp(prefix="pgtide-types-", dir="/tmp")
    os.chmod(base, 0o755)  # the cluster runs as "postgres" when we are root
    cluster = os.path.join(base, "pg")
    script = str(REPO / "scripts" / "pg-cluster.sh")
    try:
        r = subprocess.run([script, "start", cluster, SERVER_TZ], capture_output=True,
                           text=True, timeout=120)
        assert r.returncode == 0, f"PostgreSQL did not start: {r.stderr}"
        env = pathlib.Path(cluster, "env").read_text()
        uri = env.split("PGTIDE_TEST_PG_URI='", 1)[1].split("'", 1)[0]
        with psycopg.connect(uri, autocommit=True) as conn:
            conn.execute("CREATE DATABASE types")
            conn.execute("CREATE DATABASE edge")
        yield uri.rsplit("/", 1)[0]
    finally:
        subprocess.run([script, "stop", cluster], capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


def run_pgtide(source: str, output: pathlib.Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["TZ"] = "Asia/Kolkata"  # neither the server's zone nor UTC
    return subprocess.run(
        [PGTIDE_BIN, "run", "--source", source, "--output", str(output), "--load-type", "full",
         "--no-progress"], capture_output=True, text=True, timeout=120, env=env)


@pytest.fixture(scope="module")
def lake(pg_uri, tmp_path_factory):
    """Loads the fixture, runs pgtide once; returns the table's folder."""
    with psycopg.connect(pg_uri + "/types", autocommit=True) as conn:
        conn.execute(FIXTURE.read_text())
    out = tmp_path_factory.mktemp("lake")
    r = run_pgtide(pg_uri + "/types", out)
    assert r.returncode == 0, r.stderr
    warned = re.findall(r'WARNING: column "(\w+)" of table public\.all_types', r.stderr)
    assert sorted(warned) == sorted(WARNED), r.stderr
    return out / "public" / "all_types"


@pytest.fixture(scope="module")
def expected(pg_uri, lake):
    """{column: [PostgreSQL's text, per row in id order]}, under pgtide's session settings."""
    exprs = [(e or "{c}").format(c=f'"{c}"') for c, (e, _) in COLUMNS.items()]
    with psycopg.connect(pg_uri + "/types") as conn:
        conn.execute(PGTIDE_SESSION)
        cols = [r[0] for r in conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'all_types'::regclass "
            "AND attnum > 0 AND NOT attisdropped ORDER BY attnum")]
        assert cols == list(COLUMNS), "every fixture column needs a comparison rule"
        cur = conn.execute(f"SELECT {', '.join(exprs)} FROM all_types ORDER BY id")
        res = cur.pgresult
        out = {}
        for j, c in enumerate(COLUMNS):
            vals = [res.get_value(i, j) for i in range(res.ntuples)]
            out[c] = [None if v is None else v.decode() for v in vals]
        return out


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession  # a missing pyspark fails, never skips

    session = (SparkSession.builder.master("local[1]").appName("pgtide-types")
               .config("spark.driver.memory", "512m").config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "1")
               .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


# --------------------------------------------------------------------------- comparison


def _plain(col: pa.ChunkedArray) -> list:
    """Python values of a column, with dates and timestamps as their integers (Python's
    datetime holds neither year 0 nor the ±infinity sentinels)."""
    col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if isinstance(col.type, pa.ExtensionType):
        col = col.storage
    if pa.types.is_date32(col.type):
        col = col.view(pa.int32())
    elif pa.types.is_timestamp(col.type):
        col = col.view(pa.int64())
    return col.to_pylist()


def _pg_array_item(text: str) -> str:
    # array_out quotes empty strings, NULL look-alikes, and delimiters, quotes, braces, spaces.
    if text == "" or text.upper() == "NULL" or any(ch in text for ch in '{}",\\ \t\n\r\v\f'):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def canon(value, kind: str):
    """The Arrow value as the text PostgreSQL renders for it (see COLUMNS)."""
    if value is None:
        return None
    if kind.startswith("array:"):
        item = kind.split(":", 1)[1]
        parts = ["NULL" if v is None else
                 canon(v, kind) if isinstance(v, list) else _pg_array_item(canon(v, item))
                 for v in value]
        return "{" + ",".join(parts) + "}"
    if kind == "int":
        return str(value)
    if kind in ("float4", "float8"):
        return "NaN" if math.isnan(value) else struct.pack(
            ">f" if kind == "float4" else ">d", value).hex()
    if kind == "decimal":
        return format(value, "f")
    if kind == "bool":
        return "t" if value else "f"
    if kind == "bytea":
        return "\\x" + bytes(value).hex()
    if kind == "interval":
        return f"{value['months']},{value['days']},{value['microseconds']}"
    assert kind == "text" and isinstance(value, str), (kind, value)
    return value


def _short(v) -> str:
    r = repr(v)
    return r if len(r) < 120 else f"{r[:60]}...{r[-40:]} ({len(v)} chars)"


def compare(table: pa.Table, expected: dict, reader: str, columns: dict | None = None) -> None:
    columns = COLUMNS if columns is None else columns
    assert sorted(table.column_names) == sorted(columns), f"{reader}: columns differ"
    ids = _plain(table.column("id"))
    assert ids == [int(v) for v in expected["id"]], f"{reader}: rows differ: {ids}"
    bad = []
    for c, (_, kind) in columns.items():
        got = [canon(v, kind) for v in _plain(table.column(c))]
        for row, (g, e) in enumerate(zip(got, expected[c])):
            if g != e:
                bad.append(f"{reader} id={ids[row]} {c}: got {_short(g)}, PostgreSQL {_short(e)}")
    assert not bad, "\n".join(bad)


# --------------------------------------------------------------------------- tests


def test_schema_types_required_and_pg_type(lake, pg_uri):
    files = sorted(lake.glob("*.parquet"))
    assert len(files) == 1
    f = pq.ParquetFile(files[0])
    schema = f.schema_arrow
    with psycopg.connect(pg_uri + "/types") as conn:
        pg = dict(conn.execute(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = 'all_types'::regclass AND attnum > 0 AND NOT attisdropped"))
    for c, t in ARROW_TYPES.items():
        field = schema.field(c)
        assert field.type == t, f"{c}: {field.type} != {t}"
        assert field.metadata[b"pg_type"].decode() == pg[c], c
        assert field.nullable == (c not in ("id", "c_nn_int", "c_nn_text")), c
    # NOT NULL is Parquet's "required"; json and jsonb carry the JSON logical type.
    parquet = {f.schema.column(i).path: f.schema.column(i) for i in range(len(f.schema))}
    assert parquet["c_nn_text"].max_definition_level == 0
    assert parquet["c_text"].max_definition_level == 1
    # json is plain text: Iceberg has no JSON type (the pg_type metadata keeps it).
    assert str(parquet["c_json"].logical_type) == "String"
    assert str(parquet["c_jsonb"].logical_type) == "String"
    assert parquet["c_uuid"].logical_type.type == "STRING"  # not UUID: Spark rejects it


def test_pyarrow_reads_every_value(lake, expected):
    compare(pq.read_table(lake), expected, "pyarrow")


def test_duckdb_reads_every_value(lake, expected):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    table = con.sql(f"SELECT * FROM read_parquet('{lake}/*.parquet') ORDER BY id").to_arrow_table()
    compare(table, expected, "duckdb")


def test_duckdb_renders_dates_and_infinity_like_postgresql(lake, pg_uri):
    # DuckDB reads the ±infinity rule as its own ±infinity and prints dates as PostgreSQL
    # does, except that it writes "BC" as "(BC)" after the date.
    def duck_bc(text):
        if text is None or not text.endswith(" BC"):
            return text
        date, _, rest = text[:-3].partition(" ")
        return f"{date} (BC)" + (f" {rest}" if rest else "")

    cols = ["c_date", "c_ts", "c_tstz"]
    with psycopg.connect(pg_uri + "/types") as conn:
        conn.execute("SET TimeZone = 'UTC'")
        want = [tuple(duck_bc(v) for v in r) for r in conn.execute(
            f"SELECT {', '.join(c + '::text' for c in cols)} FROM all_types ORDER BY id")]
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    got = con.sql(f"SELECT {', '.join(c + '::VARCHAR' for c in cols)} "
                  f"FROM read_parquet('{lake}/*.parquet') ORDER BY id").fetchall()
    assert got == want


def test_spark_reads_every_value(lake, expected, spark):
    df = spark.read.parquet(str(lake)).orderBy("id")
    # toArrow (Spark 4) keeps dates and timestamps as integers, whatever their year.
    table = df.toArrow() if hasattr(df, "toArrow") else pa.Table.from_batches(
        df._collect_as_arrow())
    compare(table, expected, "spark")


@pytest.mark.parametrize("ddl, column, message", [
    ("CREATE TABLE nan_numeric (id int, amount numeric(10, 2)); "
     "INSERT INTO nan_numeric VALUES (1, 1.5), (2, 'NaN')",
     "amount", "numeric NaN cannot be stored in decimal128(10,2)"),
    ("CREATE TABLE far_future (id int, at timestamptz); "
     "INSERT INTO far_future VALUES (1, '294270-01-01 00:00:00+00')",
     "at", "is after 294247-01-10"),
    ("CREATE TABLE bounded (id int, a int[]); INSERT INTO bounded VALUES (1, '[0:1]={1,2}')",
     "a", "array value has lower bound 0"),
])
def test_values_parquet_cannot_hold_fail_the_table(pg_uri, tmp_path, ddl, column, message):
    # Never a silent change: the table fails, naming the column, with a hint.
    table = ddl.split()[2]
    with psycopg.connect(pg_uri + "/edge", autocommit=True) as conn:
        conn.execute(ddl)
    try:
        r = run_pgtide(pg_uri + "/edge", tmp_path / "out")
    finally:
        with psycopg.connect(pg_uri + "/edge", autocommit=True) as conn:
            conn.execute(f"DROP TABLE {table}")
    assert r.returncode != 0
    assert f'table public.{table}: column "{column}"' in r.stderr, r.stderr
    assert message in r.stderr, r.stderr
    assert "HINT:" in r.stderr, r.stderr
    assert not list((tmp_path / "out").glob(f"public/{table}/*.parquet"))
