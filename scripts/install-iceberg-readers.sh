#!/usr/bin/env bash
# Installs the independent Iceberg readers the e2e tests compare pgtide's tables with:
#   .deps/iceberg/iceberg-spark-runtime-*.jar   Spark's Iceberg runtime, checked against its .sha1
#   .deps/iceberg/{postgresql,sqlite-jdbc}-*.jar JDBC drivers for Spark's Iceberg JdbcCatalog
#   .deps/iceberg-rest/                         Iceberg's REST catalog test server and its classpath
#                                               (scripts/iceberg-rest-fixture/pom.xml, via mvn)
#   .deps/iceberg-readers/                      a venv with the pyspark that jar is built for,
#                                               pyiceberg, fastavro and DuckDB with its iceberg extension
# A separate venv because the runtime jar is built for one Spark minor (4.1) and the main venv
# follows the newest pyspark. Idempotent: each step is skipped when its result is present.
set -euo pipefail
cd "$(dirname "$0")/.."

# The newest Iceberg runtime on Maven Central is built for Spark 4.1 (none for 4.2/4.3 yet);
# Spark 4.x runs on the machine's Java 17.
ICEBERG_VERSION=1.12.0
SPARK_MINOR=4.1
PYSPARK_VERSION=4.1.4
# The newest DuckDB whose iceberg/avro extensions are published as PyPI wheels (offline install).
DUCKDB_VERSION=1.5.5
PYARROW_VERSION=26.0.1

JAR_DIR=$PWD/.deps/iceberg
VENV=$PWD/.deps/iceberg-readers
artifact=iceberg-spark-runtime-${SPARK_MINOR}_2.13
# JDBC drivers for Spark's JdbcCatalog over pgtide's SQL catalog (PostgreSQL and SQLite).
PG_JDBC_VERSION=42.7.14
SQLITE_JDBC_VERSION=3.54.1.0
central=https://repo1.maven.org/maven2

# fetch_jar <path under Maven Central> <destination>: downloads once, checked against its .sha1.
fetch_jar() {
  local url=$central/$1 dest=$2
  [ -f "$dest" ] && return 0
  echo "install-iceberg-readers: downloading $(basename "$dest")"
  curl -fsSL --retry 3 -o "$dest.part" "$url"
  local want_sha1 got_sha1
  want_sha1=$(curl -fsSL --retry 3 "$url.sha1" | cut -c1-40)
  got_sha1=$(sha1sum "$dest.part" | cut -c1-40)
  if [ "$want_sha1" != "$got_sha1" ]; then
    echo "install-iceberg-readers: checksum mismatch for $dest (want $want_sha1, got $got_sha1)" >&2
    rm -f "$dest.part"
    exit 1
  fi
  mv "$dest.part" "$dest"
}

mkdir -p "$JAR_DIR"
jar=$JAR_DIR/$artifact-$ICEBERG_VERSION.jar
fetch_jar "org/apache/iceberg/$artifact/$ICEBERG_VERSION/$artifact-$ICEBERG_VERSION.jar" "$jar"
fetch_jar "org/postgresql/postgresql/$PG_JDBC_VERSION/postgresql-$PG_JDBC_VERSION.jar" \
  "$JAR_DIR/postgresql-$PG_JDBC_VERSION.jar"
fetch_jar "org/xerial/sqlite-jdbc/$SQLITE_JDBC_VERSION/sqlite-jdbc-$SQLITE_JDBC_VERSION.jar" \
  "$JAR_DIR/sqlite-jdbc-$SQLITE_JDBC_VERSION.jar"

# Iceberg's REST catalog server (a test fixture, not shaded): its classpath resolved by Maven.
REST_DIR=$PWD/.deps/iceberg-rest
rest_stamp="$REST_DIR/.pgtide-deps-$(sha1sum scripts/iceberg-rest-fixture/pom.xml | cut -c1-12)"
if [ ! -f "$rest_stamp" ]; then
  if command -v mvn > /dev/null; then
    echo "install-iceberg-readers: resolving the Iceberg REST fixture into $REST_DIR"
    rm -rf "$REST_DIR"
    mvn -q -B -f scripts/iceberg-rest-fixture/pom.xml dependency:copy-dependencies \
      -DoutputDirectory="$REST_DIR" -DincludeScope=runtime
    touch "$rest_stamp"
  else
    echo "install-iceberg-readers: no mvn: the REST catalog tests will skip" >&2
  fi
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "install-iceberg-readers: creating $VENV"
  python3 -m venv "$VENV"
fi
want=("pyspark==$PYSPARK_VERSION" "pyarrow==$PYARROW_VERSION" "pyiceberg[sql-sqlite]>=0.10"
      "fastavro>=1.9" "pytest>=8" "duckdb==$DUCKDB_VERSION"
      "duckdb-extension-iceberg==$DUCKDB_VERSION" "duckdb-extension-avro==$DUCKDB_VERSION"
      "duckdb-extension-httpfs==$DUCKDB_VERSION")
stamp="$VENV/.pgtide-deps-$(printf '%s\n' "${want[@]}" | sha1sum | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  "$VENV/bin/pip" install -q --disable-pip-version-check "${want[@]}"
  touch "$stamp"
fi
echo "install-iceberg-readers: ok ($jar)"
