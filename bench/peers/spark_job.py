"""Peer: Apache Spark (the original job's engine) — JDBC read, Parquet partitioned by date, ZSTD.

    python spark_job.py URI SCHEMA.TABLE OUTPUT_DIR JDBC_JAR ID_MAX

Configured as a tuned Spark job would be: the read is split on the primary key into one JDBC
partition per core (a single-partition read leaves a core idle), fetchsize set so the PostgreSQL
driver streams instead of buffering the whole result, session time zone UTC so the partition date
is the UTC date (as pgtide's), timestamps written as INT64 micros rather than Spark's legacy INT96.
"""
import os
import sys
from urllib.parse import urlsplit, unquote

from pyspark.sql import SparkSession
from pyspark.sql import functions as F


def main(uri, table, out, jar, id_max):
    u = urlsplit(uri)
    jdbc_url = f"jdbc:postgresql://{u.hostname}:{u.port or 5432}{u.path or '/postgres'}"
    cores = os.cpu_count() or 1
    spark = (SparkSession.builder.master(f"local[{cores}]").appName("bench-spark")
             .config("spark.jars", jar)
             .config("spark.driver.memory", os.environ.get("SPARK_DRIVER_MEMORY", "2g"))
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.sql.parquet.compression.codec", "zstd")
             .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
             .config("spark.ui.enabled", "false")
             .getOrCreate())
    df = (spark.read.format("jdbc")
          .option("url", jdbc_url).option("dbtable", table)
          .option("user", unquote(u.username or "postgres"))
          .option("password", unquote(u.password or ""))
          .option("driver", "org.postgresql.Driver")
          .option("fetchsize", 10000)
          .option("partitionColumn", "id").option("lowerBound", 1)
          .option("upperBound", int(id_max) + 1).option("numPartitions", cores)
          .load())
    (df.withColumn("updated_at_date", F.to_date("updated_at"))
       .write.mode("overwrite").partitionBy("updated_at_date")
       .option("compression", "zstd").parquet(out))
    spark.stop()


if __name__ == "__main__":
    main(*sys.argv[1:6])
