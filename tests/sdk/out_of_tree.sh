#!/usr/bin/env bash
# A vendor's view: install the SDK, build the sample plugin against that prefix alone (no host
# source or headers), run the installed conformance runner on it, check its exports, and have
# the host load it.
set -euo pipefail
build=$1 source=$2 ctl=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
test -f "$work/prefix/include/finp2p/ledger/abi.h"
test -f "$work/prefix/lib/cmake/finp2p_ledger_sdk/finp2p_ledger_sdkConfig.cmake"
if find "$work/prefix/include" -path '*host*' | grep -q .; then
  echo "FAIL: host headers were installed with the SDK"; exit 1
fi
# The same install carries the product: daemon, CLI, both shipped ledgers and the systemd unit.
for f in bin/finp2p-execd bin/finp2p-execctl lib/finp2p/plugins/libsqlite-ledger.so \
  lib/finp2p/plugins/libevm-ledger.so \
  lib/systemd/system/finp2p-execd@.service; do
  test -e "$work/prefix/$f" || { echo "FAIL: $f not installed"; exit 1; }
done

cmake -S "$source/sdk/examples/file-ledger" -B "$work/sample" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/sample" >/dev/null
plugin="$work/sample/libfile-ledger.so"

"$source/tests/plugins/exports_only_entry_point.sh" "$plugin"

cat > "$work/conformance.toml" <<TOML
[conformance]
asset = "USD"
decimals = 2
[config]
log = "$work/file-ledger.log"
TOML
"$work/prefix/bin/finp2p-ledger-conformance" --plugin "$plugin" --config "$work/conformance.toml" \
  --gtest_brief=1

cat > "$work/ledgers.toml" <<TOML
[[ledger]]
name = "vendor"
plugin = "$plugin"
assets = ["USD"]
[ledger.config]
log = "$work/host.log"
TOML
"$ctl" ledger probe "$work/ledgers.toml" | tee "$work/probe.out"
grep -q 'vendor: file-ledger 0.1.0' "$work/probe.out"
echo "ok: out-of-tree plugin built, conformant, and loaded by the host"
