#!/usr/bin/env bash
# Issue 14, defect 8: a plugin's relative paths resolve against the router's TOML, like the
# router's own, whatever the working directory (under systemd it is not the TOML's directory).
source "$(dirname "$0")/harness.sh"
network_init "$WORK"
mkdir -p "$WORK/elsewhere"
(cd "$WORK/elsewhere" && exec "$BIN/finp2p-execd" --config "$WORK/bank-a.toml" >>"$WORK/bank-a.log" 2>&1) &
PID[bank-a]=$!
for _ in $(seq 1 100); do
  ctl bank-a ledger list >/dev/null 2>&1 && break
  kill -0 "${PID[bank-a]}" 2>/dev/null || { tail -5 "$WORK/bank-a.log"; fail "bank-a exited"; }
  sleep 0.1
done
[ -e "$WORK/bank-a.securities.db" ] || fail "the ledger database is not beside the TOML"
[ ! -e "$WORK/elsewhere/bank-a.securities.db" ] || fail "the ledger database was created in the working directory"
grep -q "ledger securities loaded" "$WORK/bank-a.log" || fail "the log does not name the configured ledger"
echo "ok"
