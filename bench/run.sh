#!/usr/bin/env bash
# The benchmark of issue 7 (`make bench`): pgtide against PostgreSQL's own COPY (the floor) and
# against the peers users would run instead, on one throwaway PostgreSQL.
#
#   bench/run.sh            full run: ROWS=5000000 REPEAT=3, writes bench/results.md
#   bench/run.sh --quick    development run: ROWS=100000 REPEAT=1, writes bench/.work/results.md
#                           (also QUICK=1, e.g. `make bench QUICK=1`)
#
# Environment:
#   ROWS=N        rows of bench_orders (default 5000000; quick 100000)
#   REPEAT=N      runs of every measurement, interleaved; the median is reported (default 3)
#   PEERS=a,b     only these peers (spark,adbc,dlt,pg2parquet,rivet,sling); PEERS=none for none
#   PHASES=a,b    only these phases (main,memory,many,wide,s3,cdc; also scaleout, not by default)
#   PGTIDE_BIN    the pgtide binary (default: a Release build in build-bench/, built here)
#   BASELINE_COMMIT  an earlier commit measured beside it in the main and many phases
#                 (default 1f308d0, the last before Iceberg commits: issue 13's cost
#                 targets); built once into bench/.peers/baseline-<commit>/. none: skip.
#   BASELINE_BIN  an already built baseline binary instead (BASELINE_LABEL names it)
#   RESULTS       where the report goes
#   BENCH_TIMEOUT seconds one measured command may take before it counts as failed (3600)
#
# The first run on a machine compiles rivet-cli and pg2parquet (about 25 minutes on 2 cores);
# later runs find them in bench/.peers/ and go straight to measuring.
#
# Peers are installed from the registries into bench/.peers/ (git-ignored), never committed:
# their own Python venv (so the project's pinned .venv stays as it is), cargo --root, and a
# Maven repository of their own. A peer that does not install is reported with the reason.
set -euo pipefail
BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH")
PEERS_DIR=$BENCH/.peers
WORK=$BENCH/.work
STATUS=$PEERS_DIR/status
ALL_PEERS=spark,adbc,dlt,pg2parquet,rivet,sling

QUICK=${QUICK:-0}
[ "${1:-}" = "--quick" ] && QUICK=1
if [ "$QUICK" = 1 ]; then
  export ROWS=${ROWS:-100000} REPEAT=${REPEAT:-1} RESULTS=${RESULTS:-$WORK/results.md}
else
  export ROWS=${ROWS:-5000000} REPEAT=${REPEAT:-3} RESULTS=${RESULTS:-$BENCH/results.md}
fi
export PEERS=${PEERS:-$ALL_PEERS} PHASES=${PHASES:-main,memory,many,wide,s3,cdc}

# Versions are pinned so that figures from different runs compare the same peers.
PYARROW_VERSION=26.0.1       # the project's own pin (scripts/install-deps.sh)
PYSPARK_VERSION=4.3.0
ADBC_VERSION=1.13.0
DLT_VERSION=1.31.0
SLING_BIN_VERSION=1.4.11     # sling-linux-amd64: the binary shipped inside a PyPI wheel
DUCKDB_CLI_VERSION=1.4.4.post2
DUCKDB_EXT_VERSION=1.4.4.20260205
PG2PARQUET_VERSION=0.2.2
RIVET_VERSION=0.32.2
PGJDBC_VERSION=42.7.14
VERSITYGW_VERSION=v1.8.0     # the S3 phase's fast S3 server (Go module proxy)

log() { printf 'bench: %s\n' "$*" >&2; }
wants() { [[ ",$PEERS," == *",$1,"* ]]; }

# Records a peer's install outcome for bench.py: "ok" + version, or "failed" + the reason.
mark() {  # mark PEER ok|failed DETAIL
  mkdir -p "$STATUS"
  printf '%s\n%s\n' "$2" "$3" > "$STATUS/$1"
}

# Last meaningful line of an install log, for the report.
reason_from() { grep -v '^\s*$' "$1" | tail -3 | tr '\n' ' ' | cut -c1-300; }

build_pgtide() {
  if [ -n "${PGTIDE_BIN:-}" ]; then return; fi
  # A Release build of its own: the figures are for an optimized binary, and the benchmark
  # does not disturb the RelWithDebInfo build/ that `make test` uses.
  log "building pgtide (Release, build-bench/)"
  cmake -S "$ROOT" -B "$ROOT/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DPGTIDE_BUILD_TESTS=OFF >/dev/null
  cmake --build "$ROOT/build-bench" >/dev/null
  export PGTIDE_BIN=$ROOT/build-bench/src/pgtide/pgtide
}

BASELINE_COMMIT=${BASELINE_COMMIT:-1f308d0}
build_baseline() {
  if [ -n "${BASELINE_BIN:-}" ] || [ "$BASELINE_COMMIT" = none ]; then return; fi
  [[ ",$PHASES," == *",main,"* || ",$PHASES," == *",many,"* ]] || return 0
  local dir=$PEERS_DIR/baseline-$BASELINE_COMMIT
  if [ ! -x "$dir/build/src/pgtide/pgtide" ]; then
    log "building the baseline pgtide $BASELINE_COMMIT (Release, $dir)"
    rm -rf "$dir"
    mkdir -p "$dir"
    if ! git -C "$ROOT" archive "$BASELINE_COMMIT" | tar -x -C "$dir" ||
       ! cmake -S "$dir" -B "$dir/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
             -DPGTIDE_PYTHON="$ROOT/.venv/bin/python" \
             -DPGTIDE_BUILD_TESTS=OFF >/dev/null ||
       ! cmake --build "$dir/build" >/dev/null; then
      log "baseline $BASELINE_COMMIT did not build; its comparison is left out"
      return 0
    fi
  fi
  export BASELINE_BIN=$dir/build/src/pgtide/pgtide
  export BASELINE_LABEL=${BASELINE_LABEL:-$BASELINE_COMMIT}
}

build_reaper() {
  # See reap.c: lets /usr/bin/time count helpers a tool starts but never waits for.
  if [ ! -x "$PEERS_DIR/reap" ] || [ "$BENCH/reap.c" -nt "$PEERS_DIR/reap" ]; then
    cc -O2 -Wall -o "$PEERS_DIR/reap" "$BENCH/reap.c"
  fi
}

venv_pip() {  # venv_pip LOG PACKAGES...
  local log=$1; shift
  "$PEERS_DIR/venv/bin/pip" install -q --disable-pip-version-check "$@" >"$log" 2>&1
}

install_python_peers() {
  local v=$PEERS_DIR/venv
  if [ ! -x "$v/bin/python" ]; then
    log "creating the peers' venv $v"
    python3 -m venv "$v"
  fi
  # pyarrow also serves bench.py to check every output's row count.
  venv_pip "$PEERS_DIR/pip-base.log" "pyarrow==$PYARROW_VERSION" \
    || log "pyarrow did not install: $(reason_from "$PEERS_DIR/pip-base.log")"
  if wants spark; then
    log "installing pyspark $PYSPARK_VERSION"
    if venv_pip "$PEERS_DIR/pip-spark.log" "pyspark==$PYSPARK_VERSION"; then
      mark spark ok "pyspark $PYSPARK_VERSION"
    else mark spark failed "pip install pyspark: $(reason_from "$PEERS_DIR/pip-spark.log")"; fi
  fi
  if wants adbc; then
    log "installing adbc-driver-postgresql $ADBC_VERSION"
    if venv_pip "$PEERS_DIR/pip-adbc.log" "adbc-driver-postgresql==$ADBC_VERSION" \
         "adbc-driver-manager==$ADBC_VERSION"; then
      mark adbc ok "adbc-driver-postgresql $ADBC_VERSION, pyarrow $PYARROW_VERSION"
    else mark adbc failed "pip install adbc: $(reason_from "$PEERS_DIR/pip-adbc.log")"; fi
  fi
  if wants dlt; then
    log "installing dlt $DLT_VERSION"
    if venv_pip "$PEERS_DIR/pip-dlt.log" "dlt[parquet,filesystem]==$DLT_VERSION" sqlalchemy \
         psycopg2-binary; then
      mark dlt ok "dlt $DLT_VERSION (sql_database, pyarrow backend)"
    else mark dlt failed "pip install dlt: $(reason_from "$PEERS_DIR/pip-dlt.log")"; fi
  fi
  if wants sling; then install_sling; fi
}

install_sling() {
  # PyPI's `sling` package downloads its binary at first use, which this machine cannot;
  # `sling-linux-amd64` ships the binary inside the wheel. Sling writes partitioned files
  # through the DuckDB CLI (which it would also download): PyPI's duckdb-cli provides it, and
  # the duckdb-ext-* wheels the two extensions Sling installs into it (json, httpfs).
  log "installing sling $SLING_BIN_VERSION (+ duckdb-cli $DUCKDB_CLI_VERSION)"
  if ! venv_pip "$PEERS_DIR/pip-sling.log" "sling-linux-amd64==$SLING_BIN_VERSION" \
       "duckdb-cli==$DUCKDB_CLI_VERSION" "duckdb-ext-json==$DUCKDB_EXT_VERSION" \
       "duckdb-ext-httpfs==$DUCKDB_EXT_VERSION"; then
    mark sling failed "pip install sling-linux-amd64: $(reason_from "$PEERS_DIR/pip-sling.log")"
    return
  fi
  local site ext home=$PEERS_DIR/sling-home
  site=$("$PEERS_DIR/venv/bin/python" -c 'import sysconfig as s; print(s.get_paths()["purelib"])')
  ext=$site/duckdb_ext/extensions
  mkdir -p "$home/.duckdb"
  ln -sfn "$ext" "$home/.duckdb/extensions"
  local bin=$site/sling_linux_amd64/bin/sling-linux-amd64
  if "$bin" --version >"$PEERS_DIR/sling-version.log" 2>&1; then
    mark sling ok "sling $SLING_BIN_VERSION, duckdb-cli $DUCKDB_CLI_VERSION"
  else mark sling failed "sling --version: $(reason_from "$PEERS_DIR/sling-version.log")"; fi
}

install_cargo_peer() {  # install_cargo_peer PEER CRATE VERSION BINARY
  local peer=$1 crate=$2 version=$3 bin=$PEERS_DIR/cargo/bin/$4 log=$PEERS_DIR/cargo-$1.log
  # Already there: skip cargo, whose index update alone takes a while.
  if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -qF "$version"; then
    mark "$peer" ok "$crate $version"; return
  fi
  if ! command -v cargo >/dev/null; then mark "$peer" failed "cargo is not installed"; return; fi
  log "installing $crate $version with cargo (a first build takes minutes)"
  # --locked: build with the crate's own Cargo.lock, as its authors tested it.
  if cargo install --locked --root "$PEERS_DIR/cargo" "$crate" --version "$version" \
       >"$log" 2>&1; then
    mark "$peer" ok "$crate $version"
  else mark "$peer" failed "cargo install $crate: $(reason_from "$log")"; fi
}

install_jdbc_driver() {
  local jar=$PEERS_DIR/jars/postgresql-$PGJDBC_VERSION.jar
  [ -f "$jar" ] && return
  if ! command -v mvn >/dev/null; then
    mark spark failed "mvn is not installed (needed for the PostgreSQL JDBC driver)"; return
  fi
  log "fetching the PostgreSQL JDBC driver $PGJDBC_VERSION from Maven Central"
  if ! mvn -q -B -Dmaven.repo.local="$PEERS_DIR/m2" dependency:copy \
       -Dartifact="org.postgresql:postgresql:$PGJDBC_VERSION" \
       -DoutputDirectory="$PEERS_DIR/jars" >"$PEERS_DIR/mvn.log" 2>&1; then
    mark spark failed "mvn dependency:copy postgresql: $(reason_from "$PEERS_DIR/mvn.log")"
  fi
}

check_java() {
  if ! java -version >"$PEERS_DIR/java.log" 2>&1; then
    mark spark failed "no Java runtime (scripts/install-deps.sh installs default-jre-headless)"
  fi
}

# The S3 phase's real S3 server, built from the Go module proxy into bench/.peers/ (a
# Go too old for it fetches the toolchain it needs: GOTOOLCHAIN=auto).
install_versitygw() {
  local bin=$PEERS_DIR/gobin/versitygw log=$PEERS_DIR/go-versitygw.log
  if [ -x "$bin" ] && [ -f "$PEERS_DIR/gobin/.version" ] \
       && [ "$(cat "$PEERS_DIR/gobin/.version")" = "$VERSITYGW_VERSION" ]; then
    mark versitygw ok "versitygw $VERSITYGW_VERSION"; return
  fi
  if ! command -v go >/dev/null; then
    mark versitygw failed "go is not installed (apt-get install golang)"; return
  fi
  log "installing versitygw $VERSITYGW_VERSION with go (a first build takes minutes)"
  if GOPATH=$PEERS_DIR/gopath GOBIN=$PEERS_DIR/gobin GOTOOLCHAIN=auto GOFLAGS=-buildvcs=false \
       go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION" >"$log" 2>&1; then
    echo "$VERSITYGW_VERSION" > "$PEERS_DIR/gobin/.version"
    mark versitygw ok "versitygw $VERSITYGW_VERSION"
  else mark versitygw failed "go install versitygw: $(reason_from "$log")"; fi
}

install_peers() {
  mkdir -p "$PEERS_DIR"
  rm -rf "$STATUS"
  install_python_peers
  if wants spark && [ "$(head -1 "$STATUS/spark" 2>/dev/null)" = ok ]; then
    install_jdbc_driver
    check_java
  fi
  if wants pg2parquet; then
    install_cargo_peer pg2parquet pg2parquet "$PG2PARQUET_VERSION" pg2parquet
  fi
  if wants rivet; then install_cargo_peer rivet rivet-cli "$RIVET_VERSION" rivet; fi
  if [[ ",$PHASES," == *",s3,"* ]]; then install_versitygw; fi
}

# The Python that runs bench.py: it needs pyarrow to read the outputs back.
driver_python() {
  local p
  for p in "$PEERS_DIR/venv/bin/python" "$ROOT/.venv/bin/python"; do
    if [ -x "$p" ] && "$p" -c 'import pyarrow' 2>/dev/null; then echo "$p"; return; fi
  done
  log "no Python with pyarrow (run scripts/install-deps.sh)"; exit 1
}

main() {
  [ -x /usr/bin/time ] || { log "/usr/bin/time is missing (apt-get install time)"; exit 1; }
  build_pgtide
  install_peers
  build_baseline
  build_reaper
  mkdir -p "$WORK"
  # One throwaway cluster for the whole run, removed however the run ends.
  local pgdir=$WORK/pg envfile
  "$ROOT/scripts/pg-cluster.sh" stop "$pgdir"
  trap '"$ROOT/scripts/pg-cluster.sh" stop "'"$pgdir"'"' EXIT
  envfile=$("$ROOT/scripts/pg-cluster.sh" start "$pgdir")
  # shellcheck disable=SC1090
  source "$envfile"
  export PGTIDE_BIN BENCH ROOT PEERS_DIR WORK
  export JDBC_JAR=$PEERS_DIR/jars/postgresql-$PGJDBC_VERSION.jar
  export ORDERS_SQL=${ORDERS_SQL:-$ROOT/tests/fixtures/orders.sql}
  "$(driver_python)" "$BENCH/bench.py"
}

main "$@"
