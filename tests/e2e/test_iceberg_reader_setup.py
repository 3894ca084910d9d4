"""The Iceberg readers themselves work on this machine, before pgtide writes Iceberg.

pyiceberg makes a small table in pgtide's layout: hive-folder Parquet files under
<root>/s/t/ts_date=YYYY-MM-DD/ (written without field ids, added by name mapping as files
written before the table had ids are), metadata under <root>/_iceberg/s/t/metadata/ with
v1.metadata.json and version-hint.text. Every reader then reads it back and must give the
values written, cell by cell.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import shutil
import uuid

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import iceberg_readers as ir
from conftest import UTC, _norm

pytest.importorskip("pyiceberg", reason="pyiceberg missing: scripts/install-deps.sh")

D = decimal.Decimal
ROWS = [  # id, n, big, amount, ts, tstz, day, label, blob, u, flag, x
    (1, 7, 2**62, D("12345678901234567890.0123456789"), dt.datetime(2024, 3, 10, 6, 59, 59, 999999),
     dt.datetime(2024, 3, 10, 7, 0, tzinfo=UTC), dt.date(2024, 3, 10), "plain", b"\x00\xff",
     uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), True, 1.5),
    (2, -2**31, -2**63, D("-0.0000000001"), dt.datetime(2024, 3, 11, 0, 0),
     dt.datetime(1969, 12, 31, 23, 59, 59, 1, tzinfo=UTC), dt.date(1, 1, 1), "très 'quoted' ✓",
     b"", uuid.UUID(int=0), False, float("nan")),
    (3, None, None, None, dt.datetime(2024, 3, 11, 23, 59), None, None, None, None, None, None,
     None),
    (4, 2**31 - 1, 0, D("0E-10"), dt.datetime(2024, 3, 10, 0, 0),
     dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), dt.date(9999, 12, 31), "",
     bytes(range(256)), uuid.UUID(int=2**128 - 1), True, -math.inf),
]
ARROW_SCHEMA = pa.schema([
    pa.field("id", pa.int32(), nullable=False), ("n", pa.int32()), ("big", pa.int64()),
    ("amount", pa.decimal128(38, 10)), ("ts", pa.timestamp("us")),
    ("tstz", pa.timestamp("us", tz="UTC")), ("day", pa.date32()), ("label", pa.string()),
    ("blob", pa.binary()), ("u", pa.uuid()), ("flag", pa.bool_()), ("x", pa.float64()),
])
NAMES = ARROW_SCHEMA.names


def _arrow(rows) -> pa.Table:
    cols = list(zip(*rows))
    arrays = []
    for f, values in zip(ARROW_SCHEMA, cols):
        if f.name == "u":
            storage = pa.array([None if v is None else v.bytes for v in values], pa.binary(16))
            arrays.append(pa.ExtensionArray.from_storage(pa.uuid(), storage))
        else:
            arrays.append(pa.array(values, f.type))
    return pa.Table.from_arrays(arrays, schema=ARROW_SCHEMA)


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    """(root, catalog uri) of a lake holding s.t in pgtide's Iceberg layout."""
    from pyiceberg.catalog.sql import SqlCatalog
    from pyiceberg.partitioning import PartitionField
    from pyiceberg.transforms import DayTransform

    root = tmp_path_factory.mktemp("lake")
    uri = f"sqlite:///{root}/catalog.db"
    catalog = SqlCatalog("pgtide", uri=uri, warehouse=f"file://{root}/_iceberg")
    catalog.create_namespace("s")
    files = []
    for day in sorted({r[4].date() for r in ROWS}):
        part = root / "s" / "t" / f"ts_date={day}"
        part.mkdir(parents=True)
        path = part / "part-00000.parquet"
        pq.write_table(_arrow([r for r in ROWS if r[4].date() == day]), path)
        files.append(str(path))
    table = catalog.create_table("s.t", schema=ARROW_SCHEMA,
                                 location=str(ir.iceberg_table_dir(root, "s", "t")))
    ts_id = table.schema().find_field("ts").field_id
    with table.update_spec() as spec:
        spec.add_field("ts", DayTransform(), "ts_day")
    table = catalog.load_table("s.t")
    table.add_files(files)  # sets schema.name-mapping.default: the files have no field ids
    table = catalog.load_table("s.t")
    assert list(table.spec().fields) == [PartitionField(ts_id, 1000, DayTransform(), "ts_day")]
    assert "schema.name-mapping.default" in table.properties
    # pyiceberg names its files <seq>-<uuid>.metadata.json; the Hadoop layout wants vN + hint.
    meta_dir = ir.iceberg_table_dir(root, "s", "t") / "metadata"
    shutil.copy(table.metadata_location.removeprefix("file://"), meta_dir / "v1.metadata.json")
    (meta_dir / "version-hint.text").write_text("1")
    return root, uri


def _expected() -> list[list]:
    return sorted(([_norm(v) for v in r] for r in ROWS), key=lambda r: r[0])


def _assert_values(table: pa.Table, reader: str) -> None:
    names, rows = ir.rows_of(table)
    assert names == NAMES, f"{reader}: columns {names}"
    got = sorted(([_norm(v) for v in r] for r in rows), key=lambda r: r[0])
    want = _expected()
    assert len(got) == len(want), f"{reader}: {len(got)} rows"
    bad = [f"{reader} id={w[0]} {c}: got {g[i]!r}, wrote {w[i]!r}"
           for g, w in zip(got, want) for i, c in enumerate(NAMES) if g[i] != w[i]]
    assert not bad, "\n".join(bad)


def test_layout_is_what_pgtide_writes(lake):
    root, _ = lake
    meta = ir.resolve_metadata(ir.iceberg_table_dir(root, "s", "t"))
    assert meta.name == "v1.metadata.json"
    assert sorted(p.parent.name for p in (root / "s" / "t").glob("*/*.parquet")) == [
        "ts_date=2024-03-10", "ts_date=2024-03-11"]


def test_pyiceberg_static_reads_every_value(lake):
    root, _ = lake
    _assert_values(ir.read_pyiceberg_static(ir.iceberg_table_dir(root, "s", "t")), "pyiceberg")


def test_pyiceberg_sql_catalog_reads_every_value(lake):
    root, uri = lake
    _assert_values(ir.read_pyiceberg_sql(uri, f"file://{root}/_iceberg", "s", "t"),
                   "pyiceberg-sql")


def test_snapshots_have_summaries(lake):
    root, _ = lake
    snaps = ir.snapshots(ir.iceberg_table_dir(root, "s", "t"))
    assert len(snaps) == 1
    assert snaps[0]["summary"]["operation"] == "append"
    assert snaps[0]["summary"]["added-data-files"] == "2"
    assert snaps[0]["summary"]["added-records"] == str(len(ROWS))


def test_spark_reads_every_value(lake):
    why = ir.spark_available()
    if why:
        pytest.fail(f"Spark reader missing: {why}")  # installed by install-deps.sh --spark
    root, _ = lake
    _assert_values(ir.read_spark(ir.warehouse_of(root), "s", "t"), "spark")


def test_duckdb_iceberg_reads_every_value(lake):
    why = ir.duckdb_iceberg_available()
    if why:
        pytest.skip(why)
    root, _ = lake
    _assert_values(ir.read_duckdb_iceberg(ir.iceberg_table_dir(root, "s", "t")), "duckdb")
