#!/usr/bin/env bash
# finp2p-execd --check-config: a valid router passes; a broken one is refused naming the file,
# the line and the key, and a missing key file is named. Issue 14, defect 7: what would stop the
# router at start is refused too (a missing plugin file, a plugin for another ABI, a hash that
# does not match the pin, an unknown key, a negative opening balance), without running any
# plugin's init.
source "$(dirname "$0")/harness.sh"
network_init "$WORK"
out=$("$BIN/finp2p-execd" --config "$WORK/bank-a.toml" --check-config) || fail "valid config refused: $out"
[[ $out == *"configuration of bank-a is valid"* ]] || fail "no confirmation: $out"

sed 's/^listen = .*/listen = 7001/' "$WORK/bank-a.toml" > "$WORK/bad.toml"
out=$("$BIN/finp2p-execd" --config "$WORK/bad.toml" --check-config 2>&1) && fail "bad config accepted"
[[ $out == *"bad.toml:2: "*'key "listen": must be a string'* ]] || fail "unclear error: $out"

sed 's/^key = .*/key = "missing.key"/' "$WORK/bank-a.toml" > "$WORK/nokey.toml"
out=$("$BIN/finp2p-execd" --config "$WORK/nokey.toml" --check-config 2>&1) && fail "missing key accepted"
[[ $out == *"missing.key"* ]] || fail "missing key not named: $out"
FIXTURES=$BIN/../tests/plugins/fixtures
refused() {  # refused NAME EXPECTED_SUBSTRING: bank-a's config edited by $EDIT (sed) is refused
  sed "$EDIT" "$WORK/bank-a.toml" > "$WORK/$1.toml"
  out=$(cd / && "$BIN/finp2p-execd" --config "$WORK/$1.toml" --check-config 2>&1) && fail "$1 accepted: $out"
  [[ $out == *"$2"* ]] || fail "$1: unclear error: $out"
}
EDIT='s#^plugin = .*#plugin = "/nonexistent/libledger.so"#' refused noplugin 'ledger "securities": ledger plugin /nonexistent/libledger.so: no such file'
EDIT="s#^plugin = .*#plugin = \"$FIXTURES/libfixture_abi_major.so\"#" refused abi 'built for ledger ABI 2.0'
EDIT='s#^assets = #sha256 = "'"$(printf '0%.0s' $(seq 64))"'"\nassets = #' refused pin 'hash mismatch'
EDIT='s#^agreement_timeout_seconds = .*#agreement_timeout_secs = 5#' refused unknown 'key "agreement_timeout_secs": unknown'
EDIT='s#^assets = #asets = ["x"]\nassets = #' refused unknownledger 'key "asets": unknown in [[ledger]]'
EDIT='s#amount = "1000"#amount = "-5"#' refused negative 'opening_balances.0.amount'
# No plugin init ran: the sqlite-ledger would have created its database file beside the TOML or
# in the working directory.
[ ! -e "$WORK/bank-a.securities.db" ] && [ ! -e /bank-a.securities.db ] || fail "--check-config ran a plugin's init"
echo "ok"
