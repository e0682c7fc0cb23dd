#!/usr/bin/env bash
# DvP happy path across three real routers: balances move, every router (the observer too) ends
# with the same execution and journal head; a ledger reload in between changes nothing.
source "$(dirname "$0")/harness.sh"
network_init "$WORK"
network_up

id=$(submit_fresh bank-a "$SRC/docs/examples/dvp.json")
expect_eq "$(wait_terminal bank-a "$id")" completed "bank-a status"
for org in bank-b bank-c; do expect_eq "$(wait_terminal "$org" "$id")" completed "$org status"; done
same_head_everywhere "$id"
expect_eq "$(plan_field bank-c "$id" "len(r['execution']['events'])")" 3 "completions seen by the observer"
expect_eq "$(available bank-a securities "$SELLER" "$BOND")" 900 "seller bonds"
expect_eq "$(available bank-a securities "$BUYER" "$BOND")" 100 "buyer bonds"
expect_eq "$(available bank-b cash "$BUYER" USD)" 989500 "buyer USD"
expect_eq "$(available bank-b cash "$SELLER" USD)" 10600 "seller USD"

# Swap the asset ledger's plugin without a restart; the next plan runs on the new generation.
ctl bank-a ledger reload securities | grep -q "generation 2" || fail "reload did not report generation 2"
id2=$(submit_fresh bank-a "$SRC/docs/examples/dvp.json")
expect_eq "$(wait_terminal bank-a "$id2")" completed "second plan after reload"
expect_eq "$(available bank-a securities "$SELLER" "$BOND")" 800 "seller bonds after two plans"
ctl bank-a plan list --status completed | grep -c "completed" | grep -q '^2$' || fail "plan list"
echo "ok"
