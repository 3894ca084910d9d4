"""Scale-out phase of the benchmark (issue 15), PHASES=scaleout:

  split    pgtide full of bench_orders read as K = 1, 2, 4 ranges (--split-ranges), with
           wall time, client CPU and server CPU (all backends of the run);
  balance  largest shard ÷ mean shard, by the estimates pgtide balances on, for a skewed
           set of tables (one big table and many small ones), N = 2, 4, 8 shards, from
           `pgtide plan --json --shard 0/N`.
"""
import json
import subprocess


def phase_scaleout(results, b):
    """`b` is the bench module (measure, interleaved, pgtide_cmd, ROWS, psql...)."""
    tools = {}
    for k in (1, 2, 4):
        extra = () if k == 1 else ("--split-larger-than", "1MB", "--split-ranges", str(k))
        tools[f"split_{k}"] = ((lambda o, e=extra: b.pgtide_cmd(o, "public", "full", *e)), b.ROWS)
    b.measure("warmup-scaleout", b.floor_cmd(None)[0])
    results["scaleout"] = b.interleaved(tools, "scaleout")
    # A skewed set: bench_orders and 60 small tables of 1..60 thousand rows.
    stmts = ["DROP SCHEMA IF EXISTS bench_skew CASCADE; CREATE SCHEMA bench_skew;",
             "CREATE TABLE bench_skew.big AS SELECT * FROM public.bench_orders;"]
    for i in range(60):
        stmts.append(f"CREATE TABLE bench_skew.small_{i:02d} AS SELECT * FROM "
                     f"public.bench_orders WHERE id <= {(i + 1) * 1000};")
    stmts.append("ANALYZE;")
    sql = b.WORK / "skew.sql"
    sql.write_text("\n".join(stmts))
    b.psql(None, "-f", str(sql))
    balance = {}
    for n in (2, 4, 8):
        out = subprocess.run([b.PGTIDE, "plan", "--source", b.URI, "--schema", "bench_skew",
                              "--json", "--shard", f"0/{n}"], capture_output=True,
                             text=True, check=True).stdout
        units = json.loads(out)["units"]
        load = [0] * n
        for u in units:
            load[u["shard"]] += u["estimated_bytes"]
        small = [0] * n
        for u in units:
            if u["name"] != "big":
                small[u["shard"]] += u["estimated_bytes"]
        big_shard = next(u["shard"] for u in units if u["name"] == "big")
        others = [x for i, x in enumerate(small) if i != big_shard]
        balance[n] = {"ratio": max(load) / (sum(load) / n), "tables": len(units),
                      "bytes": sum(load),
                      "small_ratio": (max(others) / (sum(others) / len(others))
                                      if others and sum(others) else 1.0)}
    results["scaleout_balance"] = balance
    b.psql("DROP SCHEMA bench_skew CASCADE")


def _median(runs, attr):
    vals = sorted(getattr(r, attr) for r in runs if r.ok)
    return vals[len(vals) // 2] if vals else float("nan")


def render(results):
    runs = results.get("scaleout")
    if not runs:
        return ""
    m = results["machine"]
    lines = ["", "## Scale-out (issue 15)", "",
             f"Split of bench_orders ({m['rows']:,} rows), full load, median of "
             f"{max(len(v) for v in runs.values())} run(s):", "",
             "| ranges K | wall s | client CPU s | server CPU s | rows ok |",
             "|---|---|---|---|---|"]
    for key, rs in runs.items():
        ok = all(r.ok for r in rs) and bool(rs)
        lines.append(f"| {key.split('_')[1]} | {_median(rs, 'wall'):.2f} | "
                     f"{_median(rs, 'cpu'):.2f} | {_median(rs, 'server_cpu'):.2f} | "
                     f"{'yes' if ok else 'NO: ' + rs[-1].error} |")
    bal = results.get("scaleout_balance", {})
    if bal:
        lines += ["", "Shard balance for a skewed set (bench_orders plus 60 tables of "
                  "1,000–60,000 rows), by pgtide's own estimates (pg_table_size):", "",
                  "| shards N | largest ÷ mean | small tables only, largest ÷ mean |",
                  "|---|---|---|"]
        for n, v in bal.items():
            lines.append(f"| {n} | {v['ratio']:.2f} | {v['small_ratio']:.2f} |")
    return "\n".join(lines) + "\n"
