#!/usr/bin/env bash
# finp2p-execd --check-config: a valid router passes; a broken one is refused naming the file,
# the line and the key, and a missing key file is named.
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
echo "ok"
