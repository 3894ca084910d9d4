#!/usr/bin/env bash
# `make demo`: a throwaway PostgreSQL with a few sample tables, a full load into
# ./demo-lake, some changes, then a cdc load that writes only the changed rows.
set -euo pipefail
cd "$(dirname "$0")/.."
PGTIDE=${PGTIDE_BIN:-build/src/pgtide/pgtide}
PG_DIR=$(mktemp -d /tmp/pgtide-demo-pg.XXXXXX)
trap 'scripts/pg-cluster.sh stop "$PG_DIR"' EXIT
scripts/pg-cluster.sh start "$PG_DIR" Europe/Berlin >/dev/null
source "$PG_DIR/env"
export PGTIDE_SOURCE=$PGTIDE_TEST_PG_URI
psql() { command psql "$PGTIDE_TEST_PG_URI" -X -q -v ON_ERROR_STOP=1 "$@"; }

echo "== sample data: orders (${DEMO_ROWS:-100000} rows), customers, events (partitioned), countries, \"Sales\".\"Order Items\""
psql -v rows="${DEMO_ROWS:-100000}" -f "${ORDERS_SQL:-tests/fixtures/orders.sql}"
psql -f scripts/demo/sample.sql
rm -rf demo-lake

echo; echo "== pgtide plan"
"$PGTIDE" plan --output demo-lake --schema public --schema Sales

echo; echo "== pgtide run --load-type full"
"$PGTIDE" run --output demo-lake --schema public --schema Sales --load-type full --no-progress 2>/dev/null

echo; echo "== changing rows: 1,000 orders updated, 10 customers inserted, 5 events updated"
psql <<'SQL'
UPDATE bench_orders SET status = 'refunded', updated_at = now() WHERE id % 100 = 0 AND id <= 100000;
INSERT INTO customers (id, name, email, balance) SELECT g, 'new ' || g, NULL, 0 FROM generate_series(501, 510) g;
UPDATE events SET kind = 'refund', updated_at = now() WHERE id <= 5;
SQL

echo; echo "== pgtide run --load-type cdc"
"$PGTIDE" run --output demo-lake --schema public --schema Sales --load-type cdc --no-progress 2>/dev/null

echo; echo "== state file demo-lake/_pgtide/max_timestamps.csv (table, mark)"
awk -F, '{ printf "%-22s %s\n", $1, $2 }' demo-lake/_pgtide/max_timestamps.csv
echo; echo "== lake: $(find demo-lake -name '*.parquet' | wc -l) Parquet files; logs in demo-lake/_pgtide/logs"
