"""Peer: ADBC PostgreSQL driver (libpq binary COPY into Arrow) + pyarrow's dataset writer.

    python adbc_job.py URI SCHEMA.TABLE OUTPUT_DIR

Streams the result as record batches (never the whole table in memory), adds the UTC date of
updated_at and writes hive-partitioned Parquet with ZSTD: the same output shape as pgtide.
The driver hands numeric over as text; the job casts it to decimal128(p, s) from the catalog's
declared precision, as pgtide writes it, so both do the same work.
"""
import sys

import adbc_driver_postgresql.dbapi as pg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds


def numeric_columns(cur, schema_name, table_name):
    """{column: decimal type} for numeric columns with a declared precision."""
    cur.execute("SELECT column_name, numeric_precision, numeric_scale"
                " FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2"
                " AND data_type = 'numeric' AND numeric_precision IS NOT NULL",
                (schema_name, table_name))
    return {name: pa.decimal128(p, s) for name, p, s in cur.fetchall()}


def converted(reader, decimals):
    """The batches with numeric text cast to decimal and the partition date appended."""
    for batch in reader:
        for name, dtype in decimals.items():
            i = batch.schema.get_field_index(name)
            col = batch.column(i)
            storage = col.storage if isinstance(col, pa.ExtensionArray) else col
            batch = batch.set_column(i, pa.field(name, dtype), pc.cast(storage, dtype))
        day = pc.cast(batch.column("updated_at"), pa.date32())
        yield batch.append_column("updated_at_date", day)


def target_schema(schema, decimals):
    for name, dtype in decimals.items():
        schema = schema.set(schema.get_field_index(name), pa.field(name, dtype))
    return schema.append(pa.field("updated_at_date", pa.date32()))


def main(uri, table, out):
    schema_name, table_name = table.split(".")
    with pg.connect(uri) as conn, conn.cursor() as cur:
        decimals = numeric_columns(cur, schema_name, table_name)
        cur.execute(f'SELECT * FROM "{schema_name}"."{table_name}"')
        reader = cur.fetch_record_batch()
        ds.write_dataset(
            converted(reader, decimals), out, schema=target_schema(reader.schema, decimals),
            format="parquet",
            partitioning=ds.partitioning(pa.schema([("updated_at_date", pa.date32())]),
                                         flavor="hive"),
            file_options=ds.ParquetFileFormat().make_write_options(compression="zstd"),
            existing_data_behavior="overwrite_or_ignore")


if __name__ == "__main__":
    main(*sys.argv[1:4])
