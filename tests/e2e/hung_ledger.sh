#!/usr/bin/env bash
# Issue 14, defect 3: a plugin that never returns from a hook affects only the plans that use its
# ledger. bank-b's USD ledger blocks in on_preflight forever (the misbehaving fixture,
# "block_preflight" mode); six DvPs wait on it (more than the router's ledger threads), a DvP
# paid in EUR on bank-b's sqlite-ledger still completes at once, the USD plans end with a reason
# naming the ledger and the operation, and SIGTERM still stops bank-b promptly.
# $4 = the fixture plugin.
FIXTURE=$4
source "$(dirname "$0")/harness.sh"
org_ledgers() {
  local org=$1
  case $org in
    bank-a) sqlite_ledger securities "$BOND" "{ account = \"$SELLER\", asset = \"$BOND\", amount = \"1000\" }" ;;
    bank-b)
      printf '\n[[ledger]]\nname = "stuck"\nplugin = "%s"\nassets = ["USD"]\ncall_timeout_secs = 3\n[ledger.config]\nmode = "block_preflight"\n' "$FIXTURE"
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
  stuck+=("$(ctl bank-a plan submit "$WORK/usd-$n.json")")
done
derive_plan dvp.json "$WORK/eur.json" "
p['id']['id'] = 'bank-a:106:8e3f4051-bc76-4d3e-8f40-5b6c7d8e9fa0'
for i in p['instructions']:
    i['planId']['id'] = p['id']['id']
    if 'transfer' in i: i['transfer']['asset']['id'] = 'EUR'"
sleep 1  # the six approvals are now blocked inside the stuck ledger
start=$(date +%s)
id=$(ctl bank-a plan submit "$WORK/eur.json")
expect_eq "$(wait_terminal bank-a "$id" 20)" completed "the EUR plan"
[ $(($(date +%s) - start)) -le 10 ] || fail "the EUR plan waited for the stuck ledger"
for s in "${stuck[@]}"; do
  status=$(wait_terminal bank-b "$s" 30) || fail "USD plan $s did not end"
  [ "$status" != completed ] || fail "USD plan $s completed through a ledger that never approves"
  reason=$(ctl bank-b plan show "$s")
  grep -q "ledger stuck: preflight of" <<<"$reason" || fail "USD plan $s: reason does not name the ledger and the operation: $reason"
done
# Threads are still blocked inside the plugin; SIGTERM must still stop the router.
start=$(date +%s%N)
router_stop bank-b
took=$((($(date +%s%N) - start) / 1000000))
echo "bank-b stopped in $took ms with hung plugin calls"
[ "$took" -le 8000 ] || fail "bank-b took $took ms to stop (TimeoutStopSec is 10 s)"
echo "ok"
