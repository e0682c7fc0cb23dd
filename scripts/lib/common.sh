# Shared by scripts/test, scripts/demo and scripts/bench: install what is missing, then build.
# shellcheck shell=bash

FINP2P_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FINP2P_BUILD=${FINP2P_BUILD:-$FINP2P_ROOT/build}

# Every Debian package the build, the tests and the demo need.
FINP2P_DEBIAN_PACKAGES=(
  cmake ninja-build g++ pkg-config ccache
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libboost-dev libssl-dev libtoml11-dev libspdlog-dev libsqlite3-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev
  python3 python3-cryptography clang libclang-rt-14-dev openssl
)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

ensure_packages() {
  local missing=()
  for pkg in "${FINP2P_DEBIAN_PACKAGES[@]}"; do
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

build_project() {
  log "configuring and building into $FINP2P_BUILD"
  if [ ! -f "$FINP2P_BUILD/build.ninja" ]; then
    cmake -S "$FINP2P_ROOT" -B "$FINP2P_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
  fi
  cmake --build "$FINP2P_BUILD"
}
