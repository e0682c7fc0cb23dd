# Shared by scripts/test, scripts/demo and scripts/bench: install what is missing, then build.
# shellcheck shell=bash

FINP2P_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FINP2P_BUILD=${FINP2P_BUILD:-$FINP2P_ROOT/build}

# Every Debian package the build, the tests and the demo need (prometheus: the server and
# promtool, for the metrics tests; chromium, chromium-driver and python3-selenium: the status
# page's browser test; docs/operations.md; faketime: routers whose clocks are off, in the HTLC
# clock-skew test).
FINP2P_DEBIAN_PACKAGES=(
  cmake ninja-build g++ pkg-config ccache
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libboost-dev libssl-dev libtoml11-dev libspdlog-dev libsqlite3-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev
  python3 python3-cryptography python3-grpcio clang libclang-rt-14-dev openssl
  libsecp256k1-dev libcrypto++-dev libcurl4-openssl-dev nlohmann-json3-dev
  prometheus curl chromium chromium-driver python3-selenium faketime
)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# ensure_packages [PACKAGE...]: the given packages, or all of FINP2P_DEBIAN_PACKAGES.
ensure_packages() {
  local missing=() wanted=("$@")
  [ ${#wanted[@]} -eq 0 ] && wanted=("${FINP2P_DEBIAN_PACKAGES[@]}")
  for pkg in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
}

# The EVM plugin's chain (anvil) and compiler (solc) come from npm, pinned by the lockfile in
# plugins/evm/tools; installed with `npm ci` when missing or when the lockfile changed.
ensure_evm_tools() {
  local tools=$FINP2P_ROOT/plugins/evm/tools
  # Node from Debian only when the machine has none (a newer Node may be installed otherwise).
  command -v npm >/dev/null 2>&1 || ensure_packages nodejs npm
  if [ -x "$tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil" ] &&
    cmp -s "$tools/package-lock.json" "$tools/node_modules/.finp2p-lock"; then
    return 0
  fi
  log "installing the EVM tools (anvil, solc) with npm ci"
  # --ignore-scripts: the anvil binary ships inside its platform package; nothing is fetched at
  # install or run time.
  (cd "$tools" && npm ci --ignore-scripts --no-audit --no-fund)
  cp "$tools/package-lock.json" "$tools/node_modules/.finp2p-lock"
}

# Stoplight Prism, validating the adapter API traffic in tests/adapter-api and e2e.adapter_dvp.
ensure_adapter_api_tools() {
  local tools=$FINP2P_ROOT/tests/adapter-api/prism
  command -v npm >/dev/null 2>&1 || ensure_packages nodejs npm
  if [ -x "$tools/node_modules/.bin/prism" ] &&
    cmp -s "$tools/package-lock.json" "$tools/node_modules/.finp2p-lock"; then
    return 0
  fi
  log "installing Stoplight Prism with npm ci"
  (cd "$tools" && npm ci --ignore-scripts --no-audit --no-fund)
  cp "$tools/package-lock.json" "$tools/node_modules/.finp2p-lock"
}

build_project() {
  log "configuring and building into $FINP2P_BUILD"
  if [ ! -f "$FINP2P_BUILD/build.ninja" ]; then
    cmake -S "$FINP2P_ROOT" -B "$FINP2P_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
  fi
  cmake --build "$FINP2P_BUILD"
}
