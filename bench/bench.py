#!/usr/bin/env python3
"""The benchmark driver of issue 7, started by bench/run.sh once the peers are installed and a
throwaway PostgreSQL is up (PGTIDE_TEST_PG_URI). It loads the shared orders table, measures every
tool interleaved and repeated, checks each output's row count and writes the report.

Phases (PHASES=...):
  main    the floor (server-side binary COPY to /dev/null), pgtide full and each peer
  memory  pgtide's peak RSS at two sizes, in physical order and with dates interleaved
  many    200 small tables against one table holding the same rows
  wide    pgtide's peak RSS for one 100 MB text value and one 300 MB bytea row under
          --memory-limit-mb 8 (issue 12): how far memory exceeds the limit for wide rows
  s3      pgtide to S3 (versitygw and moto) against the same load to local disk, in date
          order and with dates interleaved
  cdc     pgtide cdc after 1% of the rows changed (runs last: it updates the table)
  scaleout  split K = 1, 2, 4 and shard balance (bench/scaleout.py; not in the default set)

Every table is VACUUM (FREEZE, ANALYZE)d before the first measurement (hint bits set, as on
any production table). Beside time, CPU and RSS, every run samples its peak local disk:
the hidden staging and spill files under its output folder plus its TMPDIR (where an S3
output's spill goes).
"""
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import report  # noqa: E402
import scaleout  # noqa: E402

ENV = os.environ
ROWS = int(ENV.get("ROWS", "5000000"))
REPEAT = max(1, int(ENV.get("REPEAT", "3")))
ALL_PEERS = ["spark", "adbc", "dlt", "pg2parquet", "rivet", "sling"]
PEERS = [p for p in ENV.get("PEERS", ",".join(ALL_PEERS)).split(",") if p and p != "none"]
PHASES = ENV.get("PHASES", "main,memory,many,wide,s3,cdc").split(",")
URI = ENV["PGTIDE_TEST_PG_URI"]
PGDIR = Path(ENV["PGTIDE_TEST_PG_DIR"])
PGTIDE = ENV["PGTIDE_BIN"]
# An earlier pgtide to measure against in the same run (issue 13: Iceberg commits cost at
# most 1.2x on 200 small tables and 3% on the 5M-row full load). Unset: not measured.
BASELINE = ENV.get("BASELINE_BIN", "")
BASELINE_LABEL = ENV.get("BASELINE_LABEL", "baseline")
BENCH = Path(ENV["BENCH"])
PEERS_DIR = Path(ENV["PEERS_DIR"])
WORK = Path(ENV["WORK"])
OUT = WORK / "out"
LOGS = WORK / "logs"
REAP = str(PEERS_DIR / "reap")
VENV_PY = str(PEERS_DIR / "venv" / "bin" / "python")
TIMEOUT = int(ENV.get("BENCH_TIMEOUT", "3600"))  # seconds, per measured command

# Sizes of the memory and many-tables phases, scaled down for small development runs.
MEM_SMALL = 1_000_000 if ROWS >= 2_000_000 else max(1, ROWS // 5)
MANY_TABLES = 200
MANY_ROWS = min(5000, max(1, ROWS // MANY_TABLES))
# The wide-row phase: one row holding a value of this many MiB, read with this limit.
WIDE_CASES = {"wide_100": ("text", 100), "wide_300": ("bytea", 300)}
WIDE_LIMIT_MIB = 8
# The S3 phase: rows per table (the measurement used 2,000,000).
S3_ROWS = min(ROWS, 2_000_000)
S3_SERVERS = ("versitygw", "moto")


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# PostgreSQL helpers (psql, so the driver needs no client library)

def psql(sql, *args, capture=False):
    cmd = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", URI, *args]
    if sql is not None:
        cmd += ["-c", sql]
    r = subprocess.run(cmd, check=True, text=True, capture_output=True)
    return r.stdout.strip() if capture else None


def scalar(sql):
    return psql(sql, "-At", capture=True)


def postmaster_pid():
    return int((PGDIR / "data" / "postmaster.pid").read_text().split()[0])


# ---------------------------------------------------------------------------------------------
# Measuring: /usr/bin/time -v around reap (which waits for the whole process tree), plus a
# sampler thread for the tree's summed RSS and the server backends' peak RSS.

CLK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def _children(pid):
    kids = []
    for task in _listdir(f"/proc/{pid}/task"):
        kids += [int(c) for c in _read(f"/proc/{pid}/task/{task}/children").split()]
    return kids


def _listdir(path):
    try:
        return os.listdir(path)
    except OSError:
        return []


def _tree(root):
    pids, todo = [], [root]
    while todo:
        p = todo.pop()
        pids.append(p)
        todo += _children(p)
    return pids


def _rss_bytes(pid):
    fields = _read(f"/proc/{pid}/statm").split()
    return int(fields[1]) * PAGE if len(fields) > 1 else 0


def _hwm_kb(pid):
    for line in _read(f"/proc/{pid}/status").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def server_cpu_seconds():
    """CPU of the whole cluster so far: live processes plus the exited backends that the
    postmaster has reaped (its cutime/cstime)."""
    pm = postmaster_pid()
    total = 0
    for pid in [pm, *_children(pm)]:
        f = _read(f"/proc/{pid}/stat").rsplit(")", 1)[-1].split()
        if len(f) > 14:
            total += int(f[11]) + int(f[12])  # utime, stime
            if pid == pm:
                total += int(f[13]) + int(f[14])  # cutime, cstime
    return total / CLK


class Sampler(threading.Thread):
    """The summed RSS of the measured process tree and the peak RSS (VmHWM) of server backends
    started during the measurement: every 20 ms for the first 2 s (short runs and short-lived
    backends would be missed otherwise), then every 100 ms."""

    def __init__(self, root, backends_before, disk_root=None):
        super().__init__(daemon=True)
        self.root, self.before, self.disk_root = root, backends_before, disk_root
        self.tree_peak = 0
        self.disk_peak = 0
        self.backend_peak_kb = 0
        self.stop = threading.Event()

    def run(self):
        pm = postmaster_pid()
        t0 = time.monotonic()
        while not self.stop.wait(0.02 if time.monotonic() - t0 < 2 else 0.1):
            self.tree_peak = max(self.tree_peak, sum(_rss_bytes(p) for p in _tree(self.root)))
            if self.disk_root:
                self.disk_peak = max(self.disk_peak, local_disk_bytes(self.disk_root))
            for b in _children(pm):
                if b not in self.before:
                    self.backend_peak_kb = max(self.backend_peak_kb, _hwm_kb(b))


def local_disk_bytes(folder):
    """Bytes of what a run keeps on local disk besides its output: hidden files (spill
    names start with a dot) under `folder`, and everything under folder/tmp (the run's
    TMPDIR, where an S3 output's spill goes). A local output's data files written in place
    under a hidden name until their table commits (".<name>.parquet.tmp-*") are the output
    itself, renamed, not a copy: not counted."""
    total = 0
    for dirpath, dirnames, filenames in os.walk(folder):
        rel = os.path.relpath(dirpath, folder)
        in_tmp = rel == "tmp" or rel.startswith("tmp" + os.sep)
        hidden_dir = any(part.startswith(".") for part in rel.split(os.sep) if part != ".")
        for f in filenames:
            in_place = f.startswith(".") and ".parquet.tmp-" in f and not in_tmp
            if (in_tmp or hidden_dir or f.startswith(".")) and not in_place:
                try:
                    total += os.stat(os.path.join(dirpath, f)).st_size
                except OSError:
                    pass  # renamed or removed meanwhile
    return total


@dataclass
class Run:
    ok: bool
    wall: float = 0.0
    cpu: float = 0.0           # user + sys of the process tree
    rss_mib: float = 0.0       # peak RSS: max(largest process, sampled sum over the tree)
    server_cpu: float = 0.0    # CPU of the PostgreSQL cluster during the run
    backend_rss_mib: float = 0.0
    disk_mib: float = 0.0      # peak local disk besides the output (staging + spill)
    error: str = ""
    output: dict = field(default_factory=dict)


def parse_time_v(text):
    vals = {}
    for line in text.splitlines():
        k, _, v = line.strip().rpartition(": ")
        vals[k] = v
    return (float(vals.get("User time (seconds)", 0)) + float(vals.get("System time (seconds)", 0)),
            int(vals.get("Maximum resident set size (kbytes)", 0)))


def measure(name, argv, env=None, cwd=None, disk_root=None):
    """Runs argv once under /usr/bin/time -v; returns a Run."""
    LOGS.mkdir(parents=True, exist_ok=True)
    logf = LOGS / f"{name}.log"
    tfile = LOGS / f"{name}.time"
    full_env = {**ENV, **(env or {})}
    pm = postmaster_pid()
    before = set(_children(pm))
    cpu0 = server_cpu_seconds()
    t0 = time.monotonic()
    with open(logf, "w") as out:
        out.write("$ " + " ".join(argv) + "\n")
        out.flush()
        # A session of its own, so that a time-out can signal time and reap together.
        proc = subprocess.Popen(["/usr/bin/time", "-v", "-o", str(tfile), REAP, *argv],
                                stdout=out, stderr=subprocess.STDOUT, env=full_env, cwd=cwd,
                                start_new_session=True)
        sampler = Sampler(proc.pid, before, disk_root)
        sampler.start()
        try:
            rc = proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGTERM)  # reap then kills the tool's whole group
            proc.wait()
            rc = None
    wall = time.monotonic() - t0
    sampler.stop.set()
    sampler.join()
    time.sleep(0.05)  # let the backend finish exiting before reading the server's CPU
    server_cpu = server_cpu_seconds() - cpu0
    cpu, maxrss_kb = parse_time_v(_read(tfile))
    run = Run(ok=rc == 0, wall=wall, cpu=cpu,
              rss_mib=max(maxrss_kb * 1024, sampler.tree_peak) / 2**20,
              server_cpu=server_cpu, backend_rss_mib=sampler.backend_peak_kb / 1024,
              disk_mib=sampler.disk_peak / 2**20)
    if rc is None:
        run.error = f"timed out after {TIMEOUT} s"
    elif rc != 0:
        run.error = f"exit {rc}: " + last_lines(logf)
    return run


def last_lines(path, n=3):
    lines = [ln.strip() for ln in _read(path).splitlines() if ln.strip()]
    return " | ".join(lines[-n:])[-400:]


# ---------------------------------------------------------------------------------------------
# Checking outputs: row count (from Parquet footers), files, partitions, size, codec, types.

def inspect_output(root, expect_rows):
    import pyarrow.parquet as pq
    root = Path(root)
    files = [p for p in root.rglob("*.parquet")
             if not any(part.startswith(("_", ".")) for part in p.relative_to(root).parts)]
    info = {"rows": 0, "files": len(files), "bytes": 0, "partitions": 0, "codec": "",
            "types": "", "expect": expect_rows}
    dirs = set()
    for f in files:
        md = pq.ParquetFile(f).metadata
        info["rows"] += md.num_rows
        info["bytes"] += f.stat().st_size
        if md.num_row_groups and not info["codec"]:
            info["codec"] = md.row_group(0).column(0).compression
        dirs.add(f.parent)
    if files:
        s = pq.ParquetFile(files[0]).schema_arrow
        info["types"] = ", ".join(f"{n}: {s.field(n).type}" for n in ("amount", "updated_at")
                                  if n in s.names)
    info["partitions"] = len([d for d in dirs if "=" in d.name])
    info["rows_ok"] = info["rows"] == expect_rows
    return info


# ---------------------------------------------------------------------------------------------
# The tools. Each returns (argv, env, cwd, data_dir) for an output folder.

def pgtide_cmd(out, schema="public", load_type="full", *extra, binary=None):
    argv = [binary or PGTIDE, "run", "--source", URI, "--output", str(out), "--load-type", load_type,
            "--schema", schema, "--no-progress", "--job-name", "bench", *extra]
    return argv, tmpdir_env(out), None, out


def tmpdir_env(out):
    """A TMPDIR of the run's own, inside its folder, so that its local disk is sampled."""
    tmp = Path(out).parent / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    return {"TMPDIR": str(tmp)}


def floor_cmd(out, table="bench_orders"):
    sql = f"COPY (SELECT * FROM {table}) TO '/dev/null' WITH (FORMAT binary)"
    return ["psql", "-X", "-q", "-d", URI, "-c", sql], None, None, None


def floor_client_cmd(out):
    # The same COPY streamed to a client that throws it away: the floor plus the transfer.
    sql = "\\copy (SELECT * FROM bench_orders) TO '/dev/null' WITH (FORMAT binary)"
    return ["psql", "-X", "-q", "-d", URI, "-c", sql], None, None, None


def spark_cmd(out):
    argv = [VENV_PY, str(BENCH / "peers" / "spark_job.py"), URI, "public.bench_orders",
            str(out), ENV["JDBC_JAR"], str(ROWS)]
    # Spark spills its partition sort to SPARK_LOCAL_DIRS: keep that inside the tool's folder.
    # SPARK_LOCAL_IP: Spark's driver listens on loopback, not on the machine's interface.
    return argv, {"SPARK_LOCAL_DIRS": str(out.parent / "spark-tmp"),
                  "SPARK_LOCAL_IP": "127.0.0.1"}, None, out


def adbc_cmd(out):
    return ([VENV_PY, str(BENCH / "peers" / "adbc_job.py"), URI, "public.bench_orders", str(out)],
            None, None, out)


def dlt_cmd(out):
    argv = [VENV_PY, str(BENCH / "peers" / "dlt_job.py"), URI, "public.bench_orders", str(out)]
    return argv, None, None, out / "bench" / "bench_orders"


def pg2parquet_cmd(out):
    out.mkdir(parents=True, exist_ok=True)
    argv = [str(PEERS_DIR / "cargo" / "bin" / "pg2parquet"), "export",
            "--connection", URI + "?sslmode=disable", "--table", "bench_orders",
            "--output-file", str(out / "bench_orders.parquet"), "--compression", "zstd",
            "--numeric-handling", "decimal", "--decimal-precision", "12",
            "--decimal-scale", "2", "--quiet"]
    return argv, None, None, out


def rivet_cmd(out):
    out.mkdir(parents=True, exist_ok=True)
    cfg = out.parent / "rivet.yaml"
    cfg.write_text(f"""\
source:
  type: postgres
  url_env: RIVET_PG_URL
  tls: {{ mode: disable }}
exports:
  - name: bench_orders
    table: public.bench_orders
    mode: full
    format: parquet
    compression: zstd
    partition_by: updated_at
    partition_granularity: day
    destination:
      type: local
      path: {out}/{{partition}}
""")
    # Rivet keeps a SQLite state next to the config: a fresh folder per run keeps runs equal.
    return ([str(PEERS_DIR / "cargo" / "bin" / "rivet"), "run", "--config", str(cfg)],
            {"RIVET_PG_URL": URI}, str(out.parent), out)


def sling_cmd(out):
    site = subprocess.run([VENV_PY, "-c", "import sysconfig as s; print(s.get_paths()['purelib'])"],
                          text=True, capture_output=True, check=True).stdout.strip()
    env = {"PG": URI + "?sslmode=disable",
           "HOME": str(PEERS_DIR / "sling-home"),  # where its DuckDB finds the extensions
           "SLING_HOME_DIR": str(out.parent / "sling-state"),
           "DUCKDB_PATH": str(PEERS_DIR / "venv" / "bin" / "duckdb"),
           "DUCKDB_VERSION": "1.4.4", "SLING_DISABLE_TELEMETRY": "true"}
    argv = [f"{site}/sling_linux_amd64/bin/sling-linux-amd64", "run",
            "--src-conn", "PG", "--src-stream", "public.bench_orders",
            "--tgt-object", f"file://{out}/{{part_year}}/{{part_month}}/{{part_day}}",
            "--tgt-options", "{format: parquet, compression: zstd}",
            "--mode", "full-refresh", "--update-key", "updated_at"]
    return argv, env, None, out


@dataclass
class Tool:
    key: str
    label: str
    cmd: object   # out_dir -> (argv, env, cwd, data_dir)
    notes: str    # how it is configured, and where its output differs from pgtide's


PEER_TOOLS = {
    "spark": Tool("spark", "Spark JDBC (pyspark)", spark_cmd,
                  "JDBC read split on id into one partition per core, fetchsize 10000; "
                  "partitioned by date, ZSTD; includes JVM start-up"),
    "adbc": Tool("adbc", "ADBC + pyarrow", adbc_cmd,
                 "binary COPY into Arrow; pyarrow write_dataset partitioned by date, ZSTD; "
                 "numeric cast from text to decimal as pgtide writes it"),
    "dlt": Tool("dlt", "dlt sql_database (pyarrow)", dlt_cmd,
                "filesystem destination, Parquet ZSTD; NOT partitioned (dlt's layout has no "
                "data-column placeholder)"),
    "pg2parquet": Tool("pg2parquet", "pg2parquet", pg2parquet_cmd,
                       "one Parquet file, ZSTD; NOT partitioned (no such option)"),
    "rivet": Tool("rivet", "Rivet (rivet-cli)", rivet_cmd,
                  "partition_by updated_at (day): one query per day; ZSTD"),
    "sling": Tool("sling", "Sling", sling_cmd,
                  "partitioned year/month/day folders (three levels, via DuckDB); ZSTD"),
}


def peer_status(key):
    """('ok', version) or ('failed', reason) as bench/run.sh recorded the install."""
    lines = _read(PEERS_DIR / "status" / key).splitlines() + ["", ""]
    return (lines[0] or "failed", lines[1] or "not installed (no status recorded)")


# ---------------------------------------------------------------------------------------------
# Data

def load_data():
    log(f"loading bench_orders with {ROWS} rows")
    psql("ALTER SYSTEM SET autovacuum = off")  # no background work between measurements
    psql("SELECT pg_reload_conf()")
    psql(None, "-v", f"rows={ROWS}", "-f", ENV["ORDERS_SQL"])
    copies = []
    if "main" in PHASES or "memory" in PHASES:
        # The same rows with dates interleaved in physical order: every batch touches
        # every date (~170 at 5M rows), as in a table after years of updates.
        copies.append(("bench_shuf", "true", "random()"))
    if "memory" in PHASES:
        copies += [("bench_mem_seq_small", f"id <= {MEM_SMALL}", "id"),
                   ("bench_mem_shuf_small", f"id <= {MEM_SMALL}", "random()")]
    if "s3" in PHASES:
        copies += [("bench_s3", f"id <= {S3_ROWS}", "id"),
                   ("bench_s3_shuf", f"id <= {S3_ROWS}", "random()")]
    if copies:
        log("building copies of bench_orders: " + ", ".join(c[0] for c in copies))
        for schema, where, order in copies:
            psql(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};"
                 f"CREATE TABLE {schema}.bench_orders AS SELECT * FROM public.bench_orders"
                 f" WHERE {where} ORDER BY {order}")
    if "many" in PHASES:
        total = MANY_TABLES * MANY_ROWS
        log(f"building {MANY_TABLES} tables of {MANY_ROWS} rows and one of {total}")
        stmts = ["DROP SCHEMA IF EXISTS bench_many CASCADE; CREATE SCHEMA bench_many;",
                 "DROP SCHEMA IF EXISTS bench_one CASCADE; CREATE SCHEMA bench_one;"]
        for i in range(MANY_TABLES):
            lo = i * MANY_ROWS
            t = f"bench_many.orders_{i:03d}"
            stmts.append(f"CREATE TABLE {t} AS SELECT * FROM public.bench_orders"
                         f" WHERE id > {lo} AND id <= {lo + MANY_ROWS} ORDER BY id;"
                         f"ALTER TABLE {t} ADD PRIMARY KEY (id);")
        stmts.append("CREATE TABLE bench_one.bench_orders AS SELECT * FROM public.bench_orders"
                     f" WHERE id <= {total} ORDER BY id;"
                     "ALTER TABLE bench_one.bench_orders ADD PRIMARY KEY (id);")
        sql = WORK / "many.sql"
        sql.write_text("\n".join(stmts))
        psql(None, "-f", str(sql))
    if "wide" in PHASES:
        log("building the wide-row tables (" + ", ".join(
            f"{mib} MiB {kind}" for kind, mib in WIDE_CASES.values()) + ")")
        for name, (kind, mib) in WIDE_CASES.items():
            # md5 hex digests: values that do not compress to nothing.
            value = (f"string_agg(md5(g::text), '')" if kind == "text" else
                     f"decode(string_agg(md5(g::text), ''), 'hex')")
            step = 32 if kind == "text" else 16
            psql(f"DROP SCHEMA IF EXISTS bench_{name} CASCADE; CREATE SCHEMA bench_{name};"
                 f"CREATE TABLE bench_{name}.wide (id int PRIMARY KEY, body {kind},"
                 " updated_at timestamptz NOT NULL DEFAULT now());"
                 f"INSERT INTO bench_{name}.wide (id, body) SELECT 1, {value}"
                 f" FROM generate_series(1, {mib * 2**20 // step}) g")
    # Set hint bits and statistics now, so the first measured scan does no extra writing
    # (a freshly loaded table's first scans write hint bits: a slower floor than on any
    # production table).
    log("VACUUM (FREEZE, ANALYZE) of every bench table")
    psql("VACUUM (FREEZE, ANALYZE)")
    psql("CHECKPOINT")


# ---------------------------------------------------------------------------------------------
# Phases

def fresh(path):
    shutil.rmtree(path, ignore_errors=True)
    return Path(path)


RETIRED = OUT / ".retired"
RETIRED_KEEP_FREE = 10 * 2**30  # bytes of free disk below which retired outputs are deleted


def retire(path):
    """Moves a previous run's output aside instead of deleting it. ext4 does not hand out an
    inode freed in the last 60 s again when it runs without a journal, as here (fs/ext4/ialloc.c,
    recently_deleted), so a run that creates
    hundreds of files right after hundreds were deleted has its creates scan past the freed
    inodes: 17 % of the 200-table phase's samples, a cost no user's nightly run pays. The
    retired folders are deleted when the disk runs short, and with OUT at the end."""
    path = Path(path)
    if path.exists():
        RETIRED.mkdir(parents=True, exist_ok=True)
        path.rename(RETIRED / str(time.monotonic_ns()))
    if shutil.disk_usage(OUT.parent).free < RETIRED_KEEP_FREE:
        fresh(RETIRED)
    return path


def run_tool(name, cmd, out, expect):
    """Gives the tool an empty folder, measures once, checks the output's row count."""
    retire(out.parent).mkdir(parents=True)
    # The previous run's files (and their move aside) reach the disk now, not
    # during this measurement, whose own fsyncs would otherwise wait for them.
    os.sync()
    argv, env, cwd, data_dir = cmd(out)
    run = measure(name, argv, env, cwd or str(out.parent), disk_root=str(out.parent))
    if run.ok and data_dir is not None:
        run.output = (data_dir.inspect(expect) if hasattr(data_dir, "inspect")
                      else inspect_output(data_dir, expect))
        if not run.output["rows_ok"]:
            run.ok = False
            run.error = f"wrote {run.output['rows']} rows, expected {expect}"
    return run


def interleaved(tools, label):
    """tools: {key: (cmd, expect)}. Runs each REPEAT times, rotating the order every round
    so that no tool always runs first or last; returns {key: [Run]}."""
    runs = {k: [] for k in tools}
    keys = list(tools)
    for rep in range(REPEAT):
        order = keys[rep % len(keys):] + keys[:rep % len(keys)]
        for k in order:
            cmd, expect = tools[k]
            if runs[k] and not runs[k][-1].ok:
                continue  # a tool that failed once is not retried
            log(f"{label} round {rep + 1}/{REPEAT}: {k}")
            r = run_tool(f"{label}-{k}-{rep + 1}", cmd, OUT / label / k / "data", expect)
            log(f"  {k}: {'ok' if r.ok else 'FAILED'} {r.wall:.2f} s wall, {r.cpu:.2f} s cpu, "
                f"{r.rss_mib:.0f} MiB{'' if r.ok else ' — ' + r.error}")
            runs[k].append(r)
    return runs


def phase_main(results):
    tools = {"floor": (floor_cmd, ROWS), "floor_client": (floor_client_cmd, ROWS),
             "pgtide": (lambda o: pgtide_cmd(o), ROWS),
             "floor_shuf": ((lambda o: floor_cmd(o, "bench_shuf.bench_orders")), ROWS),
             "pgtide_shuf": ((lambda o: pgtide_cmd(o, "bench_shuf")), ROWS)}
    if BASELINE:
        tools["pgtide_base"] = ((lambda o: pgtide_cmd(o, binary=BASELINE)), ROWS)
    for key in PEERS:
        if key not in PEER_TOOLS:
            results["peer_status"][key] = ("failed", "unknown peer name")
            continue
        status = peer_status(key)
        results["peer_status"][key] = status
        if status[0] == "ok":
            tools[key] = (PEER_TOOLS[key].cmd, ROWS)
    for key in ALL_PEERS:
        if key not in PEERS:
            selected = ",".join(PEERS) or "none"
            results["peer_status"][key] = ("skipped", f"not selected (PEERS={selected})")
    # One untimed pass of the floor so that every measured run finds the table in memory.
    measure("warmup", floor_cmd(None)[0])
    measure("warmup_shuf", floor_cmd(None, "bench_shuf.bench_orders")[0])
    results["main"] = interleaved(tools, "main")


def phase_memory(results):
    variants = {"mem_seq_small": ("bench_mem_seq_small", MEM_SMALL),
                "mem_seq_large": ("public", ROWS),
                "mem_shuf_small": ("bench_mem_shuf_small", MEM_SMALL),
                "mem_shuf_large": ("bench_shuf", ROWS)}
    tools = {k: ((lambda o, s=s: pgtide_cmd(o, s)), n) for k, (s, n) in variants.items()}
    results["memory"] = interleaved(tools, "memory")


def phase_many(results):
    # Small tables are latency-bound (a snapshot, a COPY and a durable commit each): measure
    # them with the default one table at a time and with four at a time.
    n = MANY_TABLES * MANY_ROWS
    tools = {"many_tables": ((lambda o: pgtide_cmd(o, "bench_many")), n),
             "many_tables_jobs4": ((lambda o: pgtide_cmd(o, "bench_many", "full", "--jobs", "4")), n),
             "one_table": ((lambda o: pgtide_cmd(o, "bench_one")), n)}
    if BASELINE:
        tools["many_tables_base"] = ((lambda o: pgtide_cmd(o, "bench_many", binary=BASELINE)), n)
    results["many"] = interleaved(tools, "many")


def phase_wide(results):
    tools = {k: ((lambda o, k=k: pgtide_cmd(o, f"bench_{k}", "full", "--memory-limit-mb",
                                            str(WIDE_LIMIT_MIB))), 1) for k in WIDE_CASES}
    results["wide"] = interleaved(tools, "wide")


# ---------------------------------------------------------------------------------------------
# S3: local servers started for the phase

S3_KEY, S3_SECRET, S3_BUCKET = "benchkey", "benchsecret-not-a-real-one", "bench"


def free_port():
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class S3Server:
    """versitygw (posix backend in a folder) or moto, on a free port, with one bucket."""

    def __init__(self, kind):
        self.kind, self.proc, self.error = kind, None, ""
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.dir = WORK / f"s3-{kind}"

    def start(self):
        fresh(self.dir).mkdir(parents=True)
        env = {**ENV, "AWS_ACCESS_KEY_ID": S3_KEY, "AWS_SECRET_ACCESS_KEY": S3_SECRET}
        if self.kind == "versitygw":
            exe = PEERS_DIR / "gobin" / "versitygw"
            if not exe.exists():
                self.error = ("versitygw is not installed: " +
                              (_read(PEERS_DIR / "status" / "versitygw").splitlines() or
                               ["", "no status"])[-1])
                return False
            (self.dir / "data").mkdir()
            argv = [str(exe), "--access", S3_KEY, "--secret", S3_SECRET,
                    "--port", f"127.0.0.1:{self.port}", "posix", str(self.dir / "data")]
        else:
            exe = next((p for p in (Path(ENV.get("MOTO_SERVER", "/nonexistent")),
                                    Path(sys.executable).parent / "moto_server",
                                    Path(ENV["ROOT"]) / ".venv" / "bin" / "moto_server")
                        if p.exists()), None)
            if exe is None:
                self.error = "moto_server not found (scripts/install-deps.sh installs moto)"
                return False
            argv = [str(exe), "-H", "127.0.0.1", "-p", str(self.port)]
        self.log = open(self.dir / "server.log", "w")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT, env=env,
                                     start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.error = f"{self.kind} exited: " + last_lines(self.dir / "server.log")
                return False
            try:
                self.fs().create_dir(S3_BUCKET)
                return True
            except OSError:
                time.sleep(0.3)
        self.error = f"{self.kind} did not answer within 60 s"
        return False

    def fs(self):
        import pyarrow.fs as pafs
        return pafs.S3FileSystem(access_key=S3_KEY, secret_key=S3_SECRET,
                                 endpoint_override=self.endpoint, scheme="http",
                                 region="us-east-1", allow_bucket_creation=True)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


class S3Output:
    """An S3 prefix as a data_dir for run_tool: its row count read back over S3."""

    def __init__(self, server, prefix):
        self.server, self.prefix = server, prefix

    def inspect(self, expect):
        import pyarrow.fs as pafs
        import pyarrow.parquet as pq
        fs = self.server.fs()
        sel = pafs.FileSelector(f"{S3_BUCKET}/{self.prefix}", recursive=True, allow_not_found=True)
        info = {"rows": 0, "files": 0, "bytes": 0, "partitions": 0, "codec": "", "types": "",
                "expect": expect}
        dirs = set()
        for f in fs.get_file_info(sel):
            rel = f.path[len(S3_BUCKET) + 1 + len(self.prefix):].strip("/")
            if f.type != pafs.FileType.File or not f.path.endswith(".parquet") or any(
                    part.startswith(("_", ".")) for part in rel.split("/")):
                continue
            with fs.open_input_file(f.path) as fh:
                md = pq.ParquetFile(fh).metadata
                info["rows"] += md.num_rows
                if md.num_row_groups and not info["codec"]:
                    info["codec"] = md.row_group(0).column(0).compression
            info["files"] += 1
            info["bytes"] += f.size
            dirs.add(f.path.rsplit("/", 1)[0])
        info["partitions"] = len([d for d in dirs if "=" in d.rsplit("/", 1)[-1]])
        info["rows_ok"] = info["rows"] == expect
        return info


def pgtide_s3_cmd(server, schema, label):
    def cmd(out):
        prefix = f"{label}-{time.monotonic_ns()}"
        argv = [PGTIDE, "run", "--source", URI, "--output", f"s3://{S3_BUCKET}/{prefix}",
                "--s3-endpoint", server.endpoint, "--s3-region", "us-east-1",
                "--load-type", "full", "--schema", schema, "--no-progress",
                "--job-name", "bench"]
        # Local servers may keep the SDK's aws-chunked framing inside objects (README).
        env = {**tmpdir_env(out), "AWS_ACCESS_KEY_ID": S3_KEY,
               "AWS_SECRET_ACCESS_KEY": S3_SECRET,
               "AWS_REQUEST_CHECKSUM_CALCULATION": "when_required",
               "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required"}
        return argv, env, None, S3Output(server, prefix)
    return cmd


def phase_s3(results):
    """The same table loaded to local disk, to versitygw (a fast real S3 server) and to
    moto, in date order and interleaved: S3 ÷ local, and the local disk an S3 load uses.
    moto_server is looked up in MOTO_SERVER, beside this Python, then in the project's
    .venv."""
    servers = {k: S3Server(k) for k in S3_SERVERS}
    results["s3_status"] = {}
    try:
        tools = {"s3_local": ((lambda o: pgtide_cmd(o, "bench_s3")), S3_ROWS),
                 "s3_local_shuf": ((lambda o: pgtide_cmd(o, "bench_s3_shuf")), S3_ROWS)}
        for k, server in servers.items():
            log(f"s3: starting {k}")
            if not server.start():
                log(f"s3: {server.error}")
                results["s3_status"][k] = server.error
                continue
            results["s3_status"][k] = "ok"
            tools[f"s3_{k}"] = (pgtide_s3_cmd(server, "bench_s3", f"seq-{k}"), S3_ROWS)
            tools[f"s3_{k}_shuf"] = (pgtide_s3_cmd(server, "bench_s3_shuf", f"shuf-{k}"), S3_ROWS)
        results["s3"] = interleaved(tools, "s3")
    finally:
        for server in servers.values():
            server.stop()


def phase_cdc(results):
    """A full load sets the mark; then each round changes the same 1% of rows to now() and
    times a cdc run, which must write exactly those rows."""
    out = fresh(OUT / "cdc" / "data")
    log("cdc: untimed full load to set the mark")
    setup = measure("cdc_setup", pgtide_cmd(out)[0])
    if not setup.ok:
        results["cdc"] = {"cdc": [Run(ok=False, error="setup full load failed: " + setup.error)]}
        return
    changed = int(scalar("SELECT count(*) FROM bench_orders WHERE id % 100 = 0"))
    runs = []
    for rep in range(REPEAT):
        psql("UPDATE bench_orders SET updated_at = now() WHERE id % 100 = 0")
        psql("VACUUM ANALYZE bench_orders")
        before = inspect_output(out / "public" / "bench_orders", 0)["rows"]
        log(f"cdc round {rep + 1}/{REPEAT}: {changed} changed rows")
        r = measure(f"cdc-{rep + 1}", pgtide_cmd(out, load_type="cdc")[0])
        if r.ok:
            after = inspect_output(out / "public" / "bench_orders", 0)
            written = after["rows"] - before
            r.output = {**after, "rows": written, "expect": changed, "rows_ok": written == changed}
            if written != changed:
                r.ok, r.error = False, f"cdc wrote {written} rows, expected {changed}"
        log(f"  cdc: {'ok' if r.ok else 'FAILED'} {r.wall:.2f} s wall"
            f"{'' if r.ok else ' — ' + r.error}")
        runs.append(r)
        if not r.ok:
            break
    results["cdc"] = {"cdc": runs}


def machine(results):
    def sh(cmd):
        try:
            return subprocess.run(cmd, shell=True, text=True, capture_output=True).stdout.strip()
        except OSError:
            return ""
    root = ENV["ROOT"]
    commit = sh(f"git -C {root} rev-parse --short HEAD") or "unknown"
    if sh(f"git -C {root} status --porcelain --untracked-files=no"):
        commit += " (with uncommitted changes)"
    cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip()
    mem = int(sh("awk '/MemTotal/ {print $2}' /proc/meminfo") or 0) / 2**20
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "nproc": os.cpu_count(), "cpu": cpu, "memory": f"{mem:.1f} GiB",
        "kernel": sh("uname -sr"), "os": sh(". /etc/os-release && echo $PRETTY_NAME"),
        "postgres": scalar("SHOW server_version"), "pgtide": commit,
        "load": sh("cut -d' ' -f1-3 /proc/loadavg"),
        "rows": ROWS, "repeat": REPEAT, "mem_small": MEM_SMALL,
        "many_tables": MANY_TABLES, "many_rows": MANY_ROWS, "baseline": BASELINE_LABEL if BASELINE else "",
        "wide_cases": WIDE_CASES, "wide_limit": WIDE_LIMIT_MIB, "s3_rows": S3_ROWS,
    }


def main():
    fresh(OUT)
    fresh(LOGS)
    results = {"peer_status": {}, "tools": PEER_TOOLS}
    load_data()
    results["machine"] = machine(results)
    started = time.monotonic()
    for phase, fn in (("main", phase_main), ("memory", phase_memory), ("many", phase_many),
                      ("wide", phase_wide), ("s3", phase_s3), ("cdc", phase_cdc)):
        if phase in PHASES:
            fn(results)
    if "scaleout" in PHASES:
        scaleout.phase_scaleout(results, sys.modules[__name__])
    results["machine"]["duration"] = f"{(time.monotonic() - started) / 60:.1f} min"
    # The raw runs, so that the report can be rendered again (python3 bench/report.py).
    import pickle
    (WORK / "results.pickle").write_bytes(pickle.dumps(results))
    text = report.render(results) + scaleout.render(results)
    Path(ENV["RESULTS"]).write_text(text)
    log(f"wrote {ENV['RESULTS']}")
    fresh(OUT)  # outputs can be large; the logs stay in bench/.work/logs


if __name__ == "__main__":
    main()
