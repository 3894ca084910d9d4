"""Issue 12, item 14: progress when stderr is not a terminal (cron, Airflow, Glue).

A throttling TCP proxy (tcp_proxy.TcpProxy) slows the COPY down to a few seconds, so that the
table is still loading when the heartbeat interval (1 s here) passes.
"""

from __future__ import annotations

import re

from conftest import read_lake_arrow, run_pgtide
from tcp_proxy import TcpProxy


def ThrottlingProxy(target_port: int, rate: int) -> TcpProxy:
    """Forwards 127.0.0.1:<port> to PostgreSQL, server-to-client at about `rate` bytes/s."""
    return TcpProxy("127.0.0.1", target_port, rate=rate)


def _slow_table(pg_db):
    # About 4 MB of COPY data; at 1 MB/s the scan takes about 4 s.
    pg_db.execute("CREATE TABLE slow (id int PRIMARY KEY, body text, "
                  "updated_at timestamptz NOT NULL DEFAULT now())")
    pg_db.execute("INSERT INTO slow (id, body) SELECT g, repeat(md5(g::text), 3) "
                  "FROM generate_series(1, 40000) g")
    pg_db.execute("ANALYZE slow")  # a row estimate, for the percent


def _proxy_uri(pg_db, proxy):
    return re.sub(r"@127\.0\.0\.1:\d+/", f"@127.0.0.1:{proxy.port}/", pg_db.uri)


def test_heartbeat_lines_when_stderr_is_not_a_terminal(pg_db, tmp_path):
    _slow_table(pg_db)
    proxy = ThrottlingProxy(pg_db.cluster.port, rate=1_000_000)
    try:
        r = run_pgtide("run", "--source", _proxy_uri(pg_db, proxy), "--output",
                       tmp_path / "lake", "--load-type", "full", "--progress-interval",
                       "1s", timeout=60)
    finally:
        proxy.close()
    beats = [ln for ln in r.stderr.splitlines() if "progress: table public.slow:" in ln]
    assert len(beats) >= 2, r.stderr
    # Rows grow from one heartbeat to the next, and the estimate gives a percent.
    rows = [int(re.search(r"public\.slow: (\d+)", ln).group(1)) for ln in beats
            if "writing files" not in ln]
    assert rows == sorted(rows) and rows[-1] > rows[0], beats
    assert any(re.search(r"of ~40000 rows \(~\d+%\)", ln) for ln in beats), beats
    assert any("rows/s" in ln and ("MiB/s" in ln or "KiB/s" in ln) for ln in beats), beats
    # No terminal control characters reach a log that is not a terminal.
    assert "\r" not in r.stderr and "\033[" not in r.stderr
    assert read_lake_arrow(tmp_path / "lake", "public", "slow").num_rows == 40000
    # The heartbeats are in the run log as well.
    logs = list((tmp_path / "lake" / "_pgtide" / "logs").glob("*.log"))
    assert logs and "progress: table public.slow:" in logs[0].read_text()


def test_progress_never_logs_no_heartbeat(pg_db, tmp_path):
    _slow_table(pg_db)
    proxy = ThrottlingProxy(pg_db.cluster.port, rate=2_000_000)
    try:
        for flags in (("--progress", "never"), ("--no-progress",)):
            r = run_pgtide("run", "--source", _proxy_uri(pg_db, proxy), "--output",
                           tmp_path / f"lake{len(flags)}", "--load-type", "full",
                           "--progress-interval", "1s", *flags, timeout=60)
            assert "progress:" not in r.stderr, r.stderr
            assert "\r" not in r.stderr
    finally:
        proxy.close()


def test_bad_progress_interval_is_a_usage_error(pg_db, tmp_path):
    r = run_pgtide("run", "--source", pg_db.uri, "--output", tmp_path / "lake",
                   "--progress-interval", "soon", check=2)
    assert "--progress-interval" in r.stderr and "30s" in r.stderr
    assert not (tmp_path / "lake" / "public").exists()
