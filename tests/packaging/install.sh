#!/usr/bin/env bash
# The Debian packages as a user gets them (issue 14, "The packages"): build the three packages
# from this build tree, install them with dpkg, build a ledger plugin out of tree against the
# installed SDK alone, run its conformance with the installed runner, start the installed daemon
# with it and reach it with the installed CLI, then purge the packages and check that nothing
# of them is left. $1 = the build tree, $2 = the source tree.
#
# It installs into /usr, so it runs only as root, only when none of the packages is installed
# already (an operator's installation is never touched), and one run at a time (a lock);
# otherwise it is skipped (exit 77). The build tree is only read: packages are made in a
# scratch directory.
set -uo pipefail
BUILD=$1 SRC=$2
PACKAGES=(finp2p-execd finp2p-ledger-plugins finp2p-ledger-sdk-dev)
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
step() { printf '%s  %s\n' "$(date +%T)" "$*"; }

[ "$(id -u)" -eq 0 ] || skip "installs packages: run as root"
command -v dpkg >/dev/null && command -v cpack >/dev/null || skip "needs dpkg and cpack"
exec 9>/run/lock/finp2p-packaging-test.lock
flock -n 9 || skip "another packaging test is running"
known() {  # known PACKAGE: dpkg has it in any state but not-installed (purged)
  local status
  status=$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)
  [ -n "$status" ] && [ "$status" != not-installed ]
}
for p in "${PACKAGES[@]}" "${PACKAGES[@]/%/-dbgsym}" finp2p-exec; do
  known "$p" && skip "$p is installed on this machine; this test leaves installations alone"
done

WORK=$(mktemp -d /tmp/finp2p-packaging.XXXXXX)
DAEMON=""
user_existed=0 etc_existed=0
getent passwd finp2p >/dev/null && user_existed=1
[ -e /etc/finp2p ] && etc_existed=1
installed=0
cleanup() {
  local rc=$?
  [ -n "$DAEMON" ] && kill "$DAEMON" 2>/dev/null && wait "$DAEMON" 2>/dev/null
  if [ $installed -eq 1 ]; then  # only what this run installed
    dpkg -P "${PACKAGES[@]/%/-dbgsym}" "${PACKAGES[@]}" >/dev/null 2>&1 || true
    [ $user_existed -eq 0 ] && getent passwd finp2p >/dev/null && userdel finp2p 2>/dev/null
    [ $etc_existed -eq 0 ] && rmdir /etc/finp2p 2>/dev/null
  fi
  if [ $rc -ne 0 ]; then
    echo "---- kept for inspection: $WORK"
    tail -20 "$WORK/router.log" 2>/dev/null
  else
    rm -rf "$WORK"
  fi
  exit $rc
}
trap cleanup EXIT

step "every install rule names its package"
# An install() without COMPONENT lands in "Unspecified", which no package holds: a new executable
# (a plugin host, a tool) would be missing from the packages without anyone noticing.
cmake --install "$BUILD" --component Unspecified --prefix "$WORK/unspecified" >/dev/null 2>&1
if [ -d "$WORK/unspecified" ] && [ -n "$(find "$WORK/unspecified" -type f)" ]; then
  fail "installed by no package (add COMPONENT execd, plugins or sdk to its install()): $(cd "$WORK/unspecified" && find . -type f | head -5)"
fi

step "cpack: three packages and their -dbgsym"
cpack --config "$BUILD/CPackConfig.cmake" -B "$WORK/debs" >"$WORK/cpack.log" 2>&1 ||
  { tail -30 "$WORK/cpack.log"; fail "cpack failed"; }
debs=()
for p in "${PACKAGES[@]}"; do
  deb=$(ls "$WORK"/debs/${p}_*.deb 2>/dev/null) || fail "no package $p: $(ls "$WORK/debs")"
  dbg=$(ls "$WORK"/debs/${p}-dbgsym_*.ddeb 2>/dev/null) || fail "no debug symbols package for $p"
  debs+=("$deb" "$dbg")
  printf '  %-28s %6s KB   %-30s %6s KB\n' "$(basename "$deb")" "$(($(stat -c %s "$deb") / 1024))" \
    "$(basename "$dbg")" "$(($(stat -c %s "$dbg") / 1024))"
done
extra=$(ls "$WORK/debs"/*.deb "$WORK/debs"/*.ddeb | wc -l)
[ "$extra" -eq 6 ] || fail "expected 6 package files, got: $(ls "$WORK/debs")"

# What each package holds, and what it must not.
# (Whole outputs in variables: `producer | grep -q` would fail under pipefail when grep stops
# reading early.)
contents() { dpkg-deb -c "$1" | awk '{print $6}' | sed 's#^\./#/#'; }
has() { local c; c=$(contents "$1"); grep -qx "$2" <<<"$c" || fail "$(basename "$1") lacks $2"; }
lacks() { local c; c=$(contents "$1"); ! grep -q "$2" <<<"$c" || fail "$(basename "$1") holds $2"; }
execd=${debs[0]} plugins=${debs[2]} sdk=${debs[4]}
has "$execd" /usr/bin/finp2p-execd
has "$execd" /usr/bin/finp2p-execctl
has "$execd" /usr/bin/finp2p-adapter-gateway
has "$execd" /usr/lib/systemd/system/finp2p-execd@.service
# The plugin host of isolation = "process" runs beside the daemon, when this tree builds it.
if [ -x "$BUILD/bin/finp2p-ledger-host" ]; then has "$execd" /usr/bin/finp2p-ledger-host; fi
lacks "$execd" '\.so$'
lacks "$execd" '/include/'
has "$plugins" /usr/lib/finp2p/plugins/libsqlite-ledger.so
has "$plugins" /usr/lib/finp2p/plugins/libevm-ledger.so
has "$plugins" /usr/lib/finp2p/plugins/libadapter-api.so
lacks "$plugins" '/bin/'
has "$sdk" /usr/include/finp2p/ledger/abi.h
has "$sdk" /usr/lib/cmake/finp2p_ledger_sdk/finp2p_ledger_sdkConfig.cmake
has "$sdk" /usr/lib/libfinp2p_ledger_sdk.a
has "$sdk" /usr/bin/finp2p-ledger-conformance
lacks "$sdk" 'toml'
for f in "${debs[1]}" "${debs[3]}" "${debs[5]}"; do
  has "$f" '/usr/lib/debug/.build-id/.*\.debug'
done
depends=$(dpkg-deb -f "$execd" Depends)
[[ $depends == *passwd* ]] || fail "finp2p-execd: no Depends on passwd (useradd): $depends"
depends=$(dpkg-deb -f "$sdk" Depends)
[[ $depends == *libboost-dev*libssl-dev* ]] ||
  fail "finp2p-ledger-sdk-dev does not depend on what its CMake config finds: $depends"
for f in "$execd" "$plugins" "$sdk"; do  # each takes over its files from the old single package
  [[ $(dpkg-deb -f "$f" Replaces) == *finp2p-exec* ]] || fail "$(basename "$f") does not replace finp2p-exec"
done
control=$(dpkg-deb --ctrl-tarfile "$execd" | tar -t)
for f in postinst prerm postrm; do
  grep -qx "./$f" <<<"$control" || fail "finp2p-execd has no $f"
done

step "dpkg -i"
installed=1
dpkg -i "${debs[@]}" >"$WORK/dpkg-i.log" 2>&1 || { cat "$WORK/dpkg-i.log"; fail "dpkg -i failed"; }
for f in /usr/bin/finp2p-execd /usr/bin/finp2p-ledger-conformance \
  /usr/lib/finp2p/plugins/libsqlite-ledger.so; do
  what=$(file -L "$f")
  [[ $what == *", stripped"* ]] || fail "$f is not stripped: $what"
  id=$(readelf -n "$f" | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p')
  [ -f "/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug" ] || fail "no debug symbols for $f (build id $id)"
done
getent passwd finp2p >/dev/null || fail "postinst did not create the finp2p user"
[ -d /etc/finp2p ] || fail "postinst did not create /etc/finp2p"
if ls /etc/systemd/system/*.wants/finp2p-execd@* >/dev/null 2>&1; then
  fail "the unit was enabled; the operator enables it"
fi
# Every installed header stands alone with the package's Depends (none includes what nothing
# provides, like <toml.hpp> did).
for h in $(dpkg -L finp2p-ledger-sdk-dev | grep '^/usr/include/.*\.h\(pp\)\?$'); do
  echo "#include \"$h\"" | g++ -std=c++20 -fsyntax-only -x c++ - 2>"$WORK/header.log" ||
    { cat "$WORK/header.log"; fail "$h does not compile on its own"; }
done

step "an out-of-tree plugin against the installed SDK alone"
cp -r "$SRC/sdk/examples/file-ledger" "$WORK/plugin-src"
(cmake -S "$WORK/plugin-src" -B "$WORK/plugin-build" -G Ninja -DCMAKE_BUILD_TYPE=Release &&
  cmake --build "$WORK/plugin-build") >"$WORK/plugin-build.log" 2>&1 ||
  { tail -30 "$WORK/plugin-build.log"; fail "the sample plugin does not build against the installed SDK"; }
grep -q "/usr/lib/cmake/finp2p_ledger_sdk" "$WORK/plugin-build/CMakeCache.txt" ||
  fail "the plugin did not use the installed SDK"
plugin=$WORK/plugin-build/libfile-ledger.so

step "installed conformance runner"
cat >"$WORK/conformance.toml" <<TOML
[conformance]
asset = "USD"
decimals = 2
[config]
log = "$WORK/conformance.log"
TOML
finp2p-ledger-conformance --plugin "$plugin" --config "$WORK/conformance.toml" --gtest_brief=1 \
  >"$WORK/conformance.out" 2>&1 || { tail -30 "$WORK/conformance.out"; fail "conformance failed"; }
grep -q 'PASSED' "$WORK/conformance.out" || fail "conformance did not pass: $(tail -5 "$WORK/conformance.out")"

step "the installed daemon with the plugin, reached by the installed CLI"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
finp2p-execctl keys generate "$WORK/bank-p" >/dev/null || fail "keys generate"
admin=127.0.0.1:$(port)
cat >"$WORK/bank-p.toml" <<TOML
organization = "bank-p"
listen = "127.0.0.1:$(port)"
admin_listen = "$admin"
key = "bank-p.key"
journal = "bank-p.journal.db"

[[ledger]]
name = "vendor"
plugin = "$plugin"
assets = ["EUR"]
[ledger.config]
log = "$WORK/router-ledger.log"

[[ledger]]
name = "cash"
plugin = "/usr/lib/finp2p/plugins/libsqlite-ledger.so"
assets = ["USD"]
[ledger.config]
database = "cash.db"
opening_balances = [ { account = "alice", asset = "USD", amount = "1000.50" } ]
TOML
out=$(finp2p-execd --config "$WORK/bank-p.toml" --check-config 2>&1) || fail "--check-config: $out"
finp2p-execd --config "$WORK/bank-p.toml" >"$WORK/router.log" 2>&1 &
DAEMON=$!
for _ in $(seq 1 100); do
  finp2p-execctl --admin "$admin" ledger list >"$WORK/ledgers.out" 2>/dev/null && break
  kill -0 "$DAEMON" 2>/dev/null || fail "the daemon exited"
  sleep 0.1
done
grep -q '^vendor: file-ledger ' "$WORK/ledgers.out" || fail "ledger list: $(cat "$WORK/ledgers.out")"
grep -q '^cash: sqlite-ledger ' "$WORK/ledgers.out" || fail "ledger list: $(cat "$WORK/ledgers.out")"
grep -q 'serving peers' "$WORK/router.log" || fail "the daemon did not report serving"
# The vendor's plugin answers through the daemon (its own message for an account it never saw),
# and the packaged sqlite-ledger holds its opening balance (in cash.db beside the TOML).
out=$(finp2p-execctl --admin "$admin" ledger balance vendor nobody EUR 2>&1)
[[ $out == *"unknown account"* ]] || fail "ledger balance on the vendor's ledger: $out"
out=$(finp2p-execctl --admin "$admin" ledger balance cash alice USD 2>&1) || fail "balance: $out"
[[ $out == *"available 1000.5"* ]] || fail "ledger balance on the packaged sqlite-ledger: $out"
[ -f "$WORK/cash.db" ] || fail "the sqlite-ledger's database is not beside the router's TOML"
kill "$DAEMON"
wait "$DAEMON"
rc=$?
DAEMON=""
[ $rc -eq 0 ] || fail "the daemon exited $rc on SIGTERM"

step "dpkg -P"
files=$(dpkg -L "${PACKAGES[@]}" "${PACKAGES[@]/%/-dbgsym}" | while read -r f; do
  [ -f "$f" ] || [ -L "$f" ] && echo "$f"; done)
dpkg -P "${PACKAGES[@]/%/-dbgsym}" "${PACKAGES[@]}" >"$WORK/dpkg-P.log" 2>&1 ||
  { cat "$WORK/dpkg-P.log"; fail "dpkg -P failed"; }
installed=0
for p in "${PACKAGES[@]}" "${PACKAGES[@]/%/-dbgsym}"; do
  known "$p" && fail "$p still known to dpkg after purge"
done
left=$(for f in $files; do [ -e "$f" ] || [ -L "$f" ] && echo "$f"; done)
[ -z "$left" ] || fail "left after purge: $left"
for d in /usr/lib/finp2p /usr/include/finp2p /usr/lib/cmake/finp2p_ledger_sdk \
  /usr/share/doc/finp2p-execd; do
  [ ! -e "$d" ] || fail "left after purge: $d"
done
[ $etc_existed -eq 1 ] || [ ! -e /etc/finp2p ] || fail "purge left /etc/finp2p (empty)"
# The system user stays, as on Debian (files it owns may remain); remove it if this run made it.
[ $user_existed -eq 1 ] || userdel finp2p || fail "userdel finp2p"
echo "ok: 3 packages (+3 -dbgsym) built, installed, used by an out-of-tree plugin and purged"
