"""Peer: dlt sql_database source, pyarrow backend, filesystem destination, Parquet.

    python dlt_job.py URI SCHEMA.TABLE OUTPUT_DIR

dlt's filesystem layout places files by table and load id only: it cannot partition by a data
column, so the output is one folder of Parquet files. ZSTD is set through dlt's data writer
configuration (DATA_WRITER__COMPRESSION, set here so the run needs no config.toml).
"""
import os
import sys

os.environ.setdefault("DATA_WRITER__COMPRESSION", "zstd")
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

import dlt  # noqa: E402
from dlt.sources.sql_database import sql_table  # noqa: E402


def main(uri, table, out):
    schema_name, table_name = table.split(".")
    sa_uri = uri.replace("postgresql://", "postgresql+psycopg2://", 1)
    source = sql_table(credentials=sa_uri, schema=schema_name, table=table_name,
                       backend="pyarrow")
    pipeline = dlt.pipeline(pipeline_name="bench_dlt",
                            pipelines_dir=os.path.join(out, "_dlt_pipelines"),
                            destination=dlt.destinations.filesystem(bucket_url=f"file://{out}"),
                            dataset_name="bench")
    info = pipeline.run(source, loader_file_format="parquet", write_disposition="replace")
    info.raise_on_failed_jobs()


if __name__ == "__main__":
    main(*sys.argv[1:4])
