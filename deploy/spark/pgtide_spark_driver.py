"""Glue / Spark driver: fans pgtide's units of work out over Spark executors.

The driver runs `pgtide plan --json` once, makes one Spark partition per unit (largest
first), and each executor task runs the pgtide binary on its unit
(`pgtide run --include <schema.table>`). Spark only schedules: every unit commits its own
table through pgtide, exactly as a single run would, so a retried task (Spark's
spark.task.maxFailures) is a retried pgtide run of that table.

    spark-submit deploy/spark/pgtide_spark_driver.py \
        --pgtide-bin /opt/pgtide/bin/pgtide --output s3://bucket/lake [pgtide run options]

On AWS Glue: upload the binary with --extra-files s3://.../pgtide and pass --ship-binary
(the executors then find it with SparkFiles); the DSN comes from PGTIDE_SOURCE or
--source. Options the driver does not know are passed to every `pgtide run` and `plan`
(the Glue runtime's own --JOB_NAME etc. are accepted by pgtide, see README).
Exit status: 0 when every unit loaded, else the first non-zero pgtide exit code.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys


def parse_args(argv: list[str]):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pgtide-bin", default=os.environ.get("PGTIDE_BIN", "pgtide"))
    p.add_argument("--ship-binary", action="store_true",
                   help="distribute --pgtide-bin to the executors with SparkContext.addFile")
    p.add_argument("--master", default=None, help="e.g. local[2] (spark-submit sets it)")
    return p.parse_known_args(argv)


def plan_units(binary: str, passthrough: list[str], env: dict) -> list[dict]:
    proc = subprocess.run([binary, "plan", "--json", *passthrough], capture_output=True,
                          text=True, env=env)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        sys.exit(proc.returncode)
    units = json.loads(proc.stdout)["units"]
    return sorted(units, key=lambda u: (-u["estimated_bytes"], u["table"]))


def run_unit(unit: dict, binary: str, shipped: bool, passthrough: list[str],
             env: dict) -> dict:
    """Runs on an executor: one pgtide run for one unit."""
    if shipped:
        from pyspark import SparkFiles
        binary = SparkFiles.get(os.path.basename(binary))
        os.chmod(binary, 0o755)
    proc = subprocess.run([binary, "run", "--include", unit["include"], "--jobs", "1",
                           "--no-progress", *passthrough],
                          capture_output=True, text=True, env=env)
    return {"table": unit["table"], "exit_code": proc.returncode,
            "log_tail": "\n".join(proc.stderr.splitlines()[-5:])}


def main(argv: list[str]) -> int:
    args, passthrough = parse_args(argv)
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("pgtide")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    sc = spark.sparkContext
    # Only what pgtide reads: the DSN and the AWS settings, not the driver's whole env.
    env = {k: v for k, v in os.environ.items()
           if k.startswith(("PGTIDE_", "AWS_", "PG")) or k in ("PATH", "HOME", "TMPDIR", "TZ")}
    units = plan_units(args.pgtide_bin, passthrough, env)
    if not units:
        print("pgtide: no table to load")
        return 0
    if args.ship_binary:
        sc.addFile(args.pgtide_bin)
    binary, shipped = args.pgtide_bin, args.ship_binary
    results = (sc.parallelize(units, numSlices=len(units))
                 .map(lambda u: run_unit(u, binary, shipped, passthrough, env))
                 .collect())
    code = 0
    for r in results:
        print(f"{r['table']}: exit {r['exit_code']}")
        if r["exit_code"] != 0:
            print(r["log_tail"])
            code = code or r["exit_code"]
    spark.stop()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
