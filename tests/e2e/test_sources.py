"""Many sources in one job (issue 15): a job file lists several databases; each
(database, table) is a unit of its own, loaded into its own part of the lake with its own
marks, so the same public.events in two databases never shares a file, a mark or a
catalog entry. Every value is read back through Iceberg and compared with its database."""
from __future__ import annotations

import json
import re

import iceberg_readers as ir
import pytest
from conftest import closed_port, fresh_database, run_pgtide
from test_exactly_once import all_versions, create_events


@pytest.fixture
def second_db(pg_cluster):
    with fresh_database(pg_cluster, "second") as db:
        yield db


def _job(path, sources: dict) -> str:
    path.write_text(json.dumps({"sources": sources}))
    return str(path)


def _iceberg(lake, source, table="events") -> dict:
    t = ir.read_pyiceberg_static(ir.iceberg_table_dir(lake / source, "public", table))
    return {(r["id"], r["updated_at"]): r["payload"] for r in t.to_pylist()}


def _pg(db, table="events") -> dict:
    return {(r[0], r[1]): r[2] for r in db.query(f"SELECT id, updated_at, payload FROM {table}")}


def _run(job, lake, *extra, check=0, env=None):
    return run_pgtide("run", "--config", job, "--output", lake, "--load-type", "cdc",
                      "--no-progress", *extra, check=check, env=env)


def test_two_databases_load_apart_and_exactly_once(pg_db, second_db, tmp_path):
    a, b, lake = pg_db, second_db, tmp_path / "lake"
    create_events(a, 30)
    create_events(b, 12)
    b.execute("UPDATE events SET payload = 'tenant b'")
    b.execute("CREATE TABLE other (id int PRIMARY KEY, payload text, "
              "updated_at timestamptz NOT NULL DEFAULT now())")
    b.execute("INSERT INTO other SELECT g, 'o', now() FROM generate_series(1, 5) g")
    job = _job(tmp_path / "job.json", {
        "tenant_a": {"source": a.uri, "include": ["public.events"]},
        "tenant_b": {"source_env": "TENANT_B_DSN",
                     "tables": {"public.other": {"load_type": "full"}}}})
    env = {"TENANT_B_DSN": b.uri}
    r = _run(job, lake, env=env)
    out = r.stdout + r.stderr
    assert "tenant_a/public.events" in r.stdout and "tenant_b/public.other" in r.stdout, out
    # The job file's passwords never reach any output.
    assert a.password not in out
    assert _iceberg(lake, "tenant_a") == _pg(a)
    assert _iceberg(lake, "tenant_b") == _pg(b)
    assert _iceberg(lake, "tenant_b", "other") == _pg(b, "other")
    assert not (lake / "tenant_a" / "public" / "other").exists()
    for s in ("tenant_a", "tenant_b"):
        assert (lake / "_pgtide" / s / "max_timestamps.csv").is_file()

    # A second run: each source's cdc continues from its own mark.
    a.execute("UPDATE events SET payload = 'changed', updated_at = now() WHERE id <= 4")
    b.execute("INSERT INTO events (payload) VALUES ('late')")
    before_a = set(_iceberg(lake, "tenant_a"))
    _run(job, lake, env=env)
    now_a = _iceberg(lake, "tenant_a")
    assert set(now_a) == before_a | all_versions(a)
    assert len(ir.read_pyiceberg_static(
        ir.iceberg_table_dir(lake / "tenant_a", "public", "events"))) == len(now_a), \
        "a version twice"
    assert set(_iceberg(lake, "tenant_b")) >= all_versions(b)
    assert ir.snapshots(ir.iceberg_table_dir(lake / "tenant_a", "public", "events"))[-1][
        "summary"]["operation"] == "append"

    # plan --json lists every (source, table) as a unit.
    p = run_pgtide("plan", "--config", job, "--output", lake, "--json", env=env)
    units = json.loads(p.stdout)["units"]
    assert sorted((u["source_name"], u["table"]) for u in units) == [
        ("tenant_a", "public.events"), ("tenant_b", "public.events"),
        ("tenant_b", "public.other")]


def test_a_mistake_in_one_source_stops_the_job_before_any_load(pg_db, second_db, tmp_path):
    a, b, lake = pg_db, second_db, tmp_path / "lake"
    create_events(a, 5)
    create_events(b, 5)
    job = _job(tmp_path / "job.json", {
        "tenant_a": {"source": a.uri},
        "tenant_b": {"source": b.uri, "include": ["public.evnts"]}})
    r = _run(job, lake, check=2)
    assert "tenant_b" in r.stderr and "evnts" in r.stderr, r.stderr
    # Planning tenant_a may have checked that its folder can be written; nothing is loaded.
    assert not list(lake.rglob("*.parquet")) and not list(lake.rglob("*.metadata.json")), \
        "a source was loaded before the job was checked"
    # Job-file mistakes: an unknown key, a bad name, an unset variable, --source as well.
    for sources, words in (
            ({"tenant_a": {"source": a.uri, "schemaz": ["public"]}}, "schemas"),
            ({"Tenant A": {"source": a.uri}}, "source name"),
            ({"tenant_a": {"source_env": "PGTIDE_TEST_UNSET_DSN"}}, "PGTIDE_TEST_UNSET_DSN"),
            ({"tenant_a": {}}, "exactly one")):
        r = _run(_job(tmp_path / "bad.json", sources), lake, check=2)
        assert words in r.stderr, (sources, r.stderr)
    r = run_pgtide("run", "--config", str(tmp_path / "job.json"), "--source", a.uri,
                   "--output", lake, "--no-progress", check=2)
    assert "--source" in r.stderr
    assert not list(lake.rglob("*.parquet"))


def test_an_unreachable_source_fails_alone(pg_db, tmp_path):
    a, lake = pg_db, tmp_path / "lake"
    create_events(a, 7)
    down = re.sub(r"@[^/]+/", f"@127.0.0.1:{closed_port()}/", a.uri)
    job = _job(tmp_path / "job.json", {"tenant_a": {"source": a.uri},
                                       "tenant_down": {"source": down}})
    r = _run(job, lake, "--connect-timeout", "3", check=3)
    assert "tenant_down" in r.stdout + r.stderr
    assert _iceberg(lake, "tenant_a") == _pg(a)
    assert a.password not in r.stdout + r.stderr
