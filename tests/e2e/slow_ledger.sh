#!/usr/bin/env bash
# A ledger that never answers must not stall the router's other ledgers: bank-b's USD ledger
# hangs (the misbehaving fixture, "hang" mode), six DvPs wait on it (more than the router's four
# ledger threads), and a DvP paid in EUR on bank-b's sqlite-ledger still completes at once.
# $4 = the fixture plugin.
FIXTURE=$4
source "$(dirname "$0")/harness.sh"
org_ledgers() {
  local org=$1
  case $org in
    bank-a) sqlite_ledger securities "$BOND" "{ account = \"$SELLER\", asset = \"$BOND\", amount = \"1000\" }" ;;
    bank-b)
      printf '\n[[ledger]]\nname = "stuck"\nplugin = "%s"\nassets = ["USD"]\n[ledger.config]\nmode = "hang"\n' "$FIXTURE"
      sqlite_ledger euro EUR "{ account = \"$BUYER\", asset = \"EUR\", amount = \"1000000.00\" }" ;;
  esac
}
network_init "$WORK"
network_up
stuck=()
for n in 1 2 3 4 5 6; do
  derive_plan dvp.json "$WORK/usd-$n.json" "
import uuid
p['id']['id'] = 'bank-a:106:' + str(uuid.uuid4())
for i in p['instructions']: i['planId']['id'] = p['id']['id']"
  stuck+=("$(submit_fresh bank-a "$WORK/usd-$n.json")")
done
derive_plan dvp.json "$WORK/eur.json" "
p['id']['id'] = 'bank-a:106:8e3f4051-bc76-4d3e-8f40-5b6c7d8e9fa0'
for i in p['instructions']:
    i['planId']['id'] = p['id']['id']
    if 'transfer' in i: i['transfer']['asset']['id'] = 'EUR'"
sleep 1  # the six payments are now waiting on the stuck ledger
start=$(date +%s)
id=$(submit_fresh bank-a "$WORK/eur.json")
expect_eq "$(wait_terminal bank-a "$id" 20)" completed "the EUR plan"
[ $(($(date +%s) - start)) -le 10 ] || fail "the EUR plan waited for the stuck ledger"
for s in "${stuck[@]}"; do
  expect_eq "$(plan_field bank-b "$s" "r['execution']['executionPlanStatus']")" in-progress "a USD plan"
done

# A reload the router refuses prints the router's reason and exits 1 (a refusal), not 3 (router
# not reachable), and its drain is bounded by the reload_drain_timeout_secs it re-reads from the
# TOML, not by the value loaded at start (60 s by default). F8, F9.
sed -i 's/^assets = \["USD"\]$/assets = ["USD"]\nreload_drain_timeout_secs = 1/' "$WORK/bank-b.toml"
start=$(date +%s)
rc=0
out=$(timeout 30 "$BIN/finp2p-execctl" --admin "127.0.0.1:${ADMIN_PORT[bank-b]}" ledger reload stuck 2>&1) || rc=$?
took=$(($(date +%s) - start))
expect_eq "$rc" 1 "exit code of a reload refused at its drain timeout ($out)"
[[ $out == *"6 operations still in flight"*"after 1.0 s (reload_drain_timeout_secs)"* ]] || fail "reason not shown: $out"
[[ $out != *"not reachable"* ]] || fail "a refusal reported as an unreachable router: $out"
[ "$took" -le 10 ] || fail "the drain took $took s: not the re-read 1 s"
# A file that does not match the pin is refused before the drain, with the hash in the reason.
sed -i "s#^plugin = \"$PLUGIN_DIR/libsqlite-ledger.so\"#&\nsha256 = \"$(printf '0%.0s' $(seq 64))\"#" "$WORK/bank-b.toml"
rc=0
out=$(ctl bank-b ledger reload euro 2>&1) || rc=$?
expect_eq "$rc" 1 "exit code of a reload refused for its pin ($out)"
[[ $out == *"hash mismatch"* ]] || fail "pin refusal not shown: $out"
expect_eq "$(wait_terminal bank-a "$id" 1)" completed "the EUR plan after the refused reloads"
echo "ok"
