"""Airflow DAG: plan once, then one mapped task per unit of work (dynamic task mapping).

`pgtide plan --json` lists the units (one per table; a split table's ranges stay inside
its unit, since they share one snapshot and one commit). Each mapped task loads one unit
with `pgtide run --include <schema.table>`; a failed unit is retried on its own by
Airflow, unless pgtide's exit code says a retry cannot help (README "Exit codes": 2 and
4 are configuration errors, 70 an internal error: AirflowFailException, no retry).

Variables (Airflow connections/variables in a real deployment):
  PGTIDE_BIN     the pgtide binary on the workers (default: pgtide on PATH)
  PGTIDE_SOURCE  the DSN (an Airflow connection rendered into the environment)
  PGTIDE_OUTPUT  the lake: a folder or s3://bucket/prefix
"""

from __future__ import annotations

import json
import os
import subprocess

import pendulum
from airflow.decorators import dag, task
from airflow.exceptions import AirflowFailException

PGTIDE = os.environ.get("PGTIDE_BIN", "pgtide")
CONFIG_ERRORS = {2, 4, 70}  # not worth a retry: fix the job instead


def _run(args: list[str]) -> subprocess.CompletedProcess:
    proc = subprocess.run([PGTIDE, *args], capture_output=True, text=True)
    print(proc.stdout)
    print(proc.stderr)
    if proc.returncode in CONFIG_ERRORS:
        raise AirflowFailException(f"pgtide exit {proc.returncode}: not retried")
    if proc.returncode != 0:
        raise RuntimeError(f"pgtide exit {proc.returncode}: retried")
    return proc


@dag(schedule="0 2 * * *", start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
     catchup=False, max_active_tasks=8, default_args={"retries": 3})
def pgtide_nightly():
    @task
    def plan() -> list[dict]:
        proc = _run(["plan", "--json"])
        return json.loads(proc.stdout)["units"]

    @task
    def load(unit: dict) -> dict:
        _run(["run", "--include", unit["include"], "--jobs", "1"])
        return {"table": unit["table"], "ok": True}

    load.expand(unit=plan())


pgtide_nightly()
