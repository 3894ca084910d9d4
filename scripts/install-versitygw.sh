#!/usr/bin/env bash
# Installs versitygw (Versity's S3 gateway) into .deps/versitygw/bin: the e2e tests' real S3
# server that enforces conditional writes (If-None-Match / If-Match), which Iceberg commits
# on S3 rely on. Idempotent: a binary of the pinned version is left alone.
#   scripts/install-versitygw.sh
# Environment: VERSITYGW_BIN_DIR overrides the target folder (a throwaway GOBIN for trying
# the install path); VERSITYGW_GO names the go binary to use (default: go on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=v1.8.0  # the version bench/run.sh pins (VERSITYGW_VERSION)
BIN_DIR=${VERSITYGW_BIN_DIR:-$PWD/.deps/versitygw/bin}
# Debian 12's golang-go is Go 1.19, which predates GOTOOLCHAIN (Go 1.21) and is too old
# for versitygw (its go.mod says go 1.25.0); a newer toolchain is itself a module on the Go module proxy.
TOOLCHAIN=go1.25.0
GO=${VERSITYGW_GO:-go}

if [ -x "$BIN_DIR/versitygw" ] && [ "$(cat "$BIN_DIR/.version" 2>/dev/null)" = "$VERSION" ]; then
  exit 0
fi

if ! command -v "$GO" >/dev/null; then
  echo "install-versitygw: no go on PATH: installing Debian's golang-go"
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends golang-go
  GO=go
fi

# go1.19 -> 19; GOTOOLCHAIN=auto needs 21 or later.
minor=$("$GO" env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')
if [ "$minor" -lt 21 ]; then
  echo "install-versitygw: $("$GO" env GOVERSION) has no GOTOOLCHAIN: fetching $TOOLCHAIN" \
       "from the Go module proxy"
  arch=$("$GO" env GOARCH) os=$("$GO" env GOOS)
  mod="golang.org/toolchain@v0.0.1-$TOOLCHAIN.$os-$arch"
  dir=$(GOFLAGS=-mod=mod "$GO" mod download -json "$mod" | sed -nE 's/^\s*"Dir": "(.*)",?$/\1/p')
  [ -f "$dir/bin/go" ] || { echo "install-versitygw: no go in $dir" >&2; exit 1; }
  # A module zip keeps no exec bits; the go command restores them the same way when it
  # switches toolchains itself.
  find "$dir/bin" "$dir/pkg/tool" -type f -exec chmod 0555 {} +
  GO=$dir/bin/go
fi

echo "install-versitygw: building versitygw $VERSION into $BIN_DIR (a first build takes minutes)"
mkdir -p "$BIN_DIR"
GOBIN=$BIN_DIR GOTOOLCHAIN=auto GOFLAGS=-buildvcs=false \
  "$GO" install "github.com/versity/versitygw/cmd/versitygw@$VERSION"
echo "$VERSION" > "$BIN_DIR/.version"
"$BIN_DIR/versitygw" --version >/dev/null
echo "install-versitygw: ok ($BIN_DIR/versitygw)"
