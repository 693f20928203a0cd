#!/usr/bin/env bash
# Chart tooling for the k8s/ checks, built from source with `go install` (nothing downloaded at test time):
#
#   bash scripts/stack/helm.sh [install|version]
#
#   helm         helm.sh/helm/v3/cmd/helm        HELM_VERSION        (lint, template, schema checks)
#   kubeconform  github.com/yannh/kubeconform    KUBECONFORM_VERSION (validates rendered manifests against the
#                                                                     Kubernetes API schemas in k8s/test/schemas)
#
# Binaries land in <repo>/.stack/bin (git-ignored) and are kept: a binary is rebuilt only when it is missing or
# reports another version than the pinned one, so the go build (a few minutes for helm) runs once per machine.
# Needs Go (Debian's golang-go is installed when `go` is missing) and the Go module proxy.
set -euo pipefail
umask 022

HELM_VERSION=v3.21.4
KUBECONFORM_VERSION=v0.8.0

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
BIN_DIR="$REPO_ROOT/.stack/bin"

STACK_LOG_TAG=helm
# shellcheck source=common.sh
. "$SCRIPT_DIR/common.sh"

# Go 1.24+ (helm v3.21 needs it): the one on PATH, else the usual /usr/local/go (a non-login shell, CI's, may not
# have it on PATH), else Debian's golang-go when that is new enough.
ensure_go() {
  command -v go >/dev/null || { [[ -x /usr/local/go/bin/go ]] && export PATH="/usr/local/go/bin:$PATH"; }
  if ! command -v go >/dev/null; then
    log "go not found: installing Debian's golang-go"
    local sudo=""
    [[ "$(id -u)" -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq golang-go >/dev/null \
      || die "could not install Go; install Go 1.24+ and re-run"
  fi
  local v
  v="$(go env GOVERSION)" # go1.26.8
  [[ "$(printf '%s\n' go1.24 "$v" | sort -V | head -n1)" == go1.24 ]] \
    || die "$v is too old to build helm $HELM_VERSION: install Go 1.24+ (or put it first on PATH) and re-run"
}

# The version a built binary reports, or nothing when it is missing or broken. go install leaves helm's version at
# "v3.21" and kubeconform's at "development", so the build stamps the exact versions in with -X (see go_install).
helm_built_version() { "$BIN_DIR/helm" version --template '{{ .Version }}' 2>/dev/null || true; }
kubeconform_built_version() { "$BIN_DIR/kubeconform" -v 2>/dev/null || true; }

go_install() { # <module path>@<version> <binary> <-X flag>
  ensure_go
  mkdir -p "$BIN_DIR"
  log "building $2 from source ($1); takes a few minutes the first time"
  local t0=$SECONDS
  # -trimpath keeps the binary independent of where the module cache lives; CGO is not needed.
  GOBIN="$BIN_DIR" CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -buildvcs=false" go install -trimpath -ldflags "-X $3" "$1" \
    || die "go install $1 failed (is the Go module proxy reachable?)"
  log "$2 built in $((SECONDS - t0))s"
}

cmd_install() {
  if [[ "$(helm_built_version)" != "$HELM_VERSION" ]]; then
    go_install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" helm "helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
    [[ "$(helm_built_version)" == "$HELM_VERSION" ]] \
      || die "built helm reports '$(helm_built_version)', expected $HELM_VERSION"
  fi
  if [[ "$(kubeconform_built_version)" != "$KUBECONFORM_VERSION" ]]; then
    go_install "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION" kubeconform \
      "main.version=$KUBECONFORM_VERSION"
    [[ "$(kubeconform_built_version)" == "$KUBECONFORM_VERSION" ]] \
      || die "built kubeconform reports '$(kubeconform_built_version)', expected $KUBECONFORM_VERSION"
  fi
  log "helm $HELM_VERSION and kubeconform $KUBECONFORM_VERSION ready in ${BIN_DIR#"$REPO_ROOT"/}"
}

cmd_version() {
  echo "helm $(helm_built_version)"
  echo "kubeconform $(kubeconform_built_version)"
}

case "${1:-install}" in
  install) cmd_install ;;
  version) cmd_version ;;
  *)
    echo "usage: $0 [install|version]" >&2
    exit 2
    ;;
esac
