#!/usr/bin/env bash
# Installs everything pgtide needs to build, test and demo on a fresh Debian 12 machine.
# Idempotent: each step is skipped when its result is already present.
#   scripts/install-deps.sh           build + test dependencies
#   scripts/install-deps.sh --spark   also pyspark (the third reader of the type-fidelity tests)
#                                     and the Iceberg readers (scripts/install-iceberg-readers.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(cmake ninja-build g++ pkg-config libpq-dev postgresql postgresql-contrib
              libcli11-dev libfmt-dev nlohmann-json3-dev libgtest-dev libgmock-dev
              libcurl4-openssl-dev libssl-dev ca-certificates time default-jre-headless
              clang-format zlib1g-dev libsqlite3-dev faketime  # faketime: the skewed-clock tests
              libyaml-cpp-dev libtomlplusplus-dev)  # --config in YAML / TOML
PYARROW_VERSION=26.0.1
VENV=${PGTIDE_VENV:-$PWD/.venv}

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: apt packages: ${missing[*]}"
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "install-deps: creating $VENV"
  python3 -m venv "$VENV"
fi
want=("pyarrow==$PYARROW_VERSION" "pytest>=8" "duckdb>=1.1" "psycopg[binary]>=3.2"
      "moto[server]>=5.1.5" "boto3>=1.35"
      "pyiceberg[sql-sqlite]>=0.10" "fastavro>=1.9")  # Iceberg metadata in unit tests and e2e
[ "${1:-}" = "--spark" ] && want+=("pyspark>=3.5")
stamp="$VENV/.pgtide-deps-$(printf '%s\n' "${want[@]}" | sha1sum | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  "$VENV/bin/pip" install -q --disable-pip-version-check "${want[@]}"
  touch "$stamp"
fi
scripts/install-versitygw.sh  # the e2e tests' S3 server that enforces conditional writes
[ "${1:-}" = "--spark" ] && scripts/install-iceberg-readers.sh
echo "install-deps: ok"
