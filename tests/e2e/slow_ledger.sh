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
  stuck+=("$(ctl bank-a plan submit --new-id "$WORK/usd-$n.json")")
done
derive_plan dvp.json "$WORK/eur.json" "
p['id']['id'] = 'bank-a:106:8e3f4051-bc76-4d3e-8f40-5b6c7d8e9fa0'
for i in p['instructions']:
    i['planId']['id'] = p['id']['id']
    if 'transfer' in i: i['transfer']['asset']['id'] = 'EUR'"
sleep 1  # the six payments are now waiting on the stuck ledger
start=$(date +%s)
id=$(ctl bank-a plan submit --new-id "$WORK/eur.json")
expect_eq "$(wait_terminal bank-a "$id" 20)" completed "the EUR plan"
[ $(($(date +%s) - start)) -le 10 ] || fail "the EUR plan waited for the stuck ledger"
for s in "${stuck[@]}"; do
  expect_eq "$(plan_field bank-b "$s" "r['execution']['executionPlanStatus']")" in-progress "a USD plan"
done
echo "ok"
