#!/usr/bin/env bash
# Regression (issue 12, defect 1): what a router owes a peer that is down must reach it after
# any number of the router's own restarts, for finished plans too. bank-c (the observer) is
# down while a DvP completes on bank-a and bank-b; bank-b is killed (-9) and bank-a stopped and
# both restarted; then bank-c starts and must end completed, with the same journal head.
# Before the fix recovery re-sent only unfinished plans' messages: bank-c ended with no plan.
source "$(dirname "$0")/harness.sh"
AGREEMENT_TIMEOUT=4
network_init "$WORK"
network_up

router_stop bank-c
id=$(submit_fresh bank-a "$SRC/docs/examples/dvp.json")
for org in bank-a bank-b; do
  expect_eq "$(wait_terminal "$org" "$id")" completed "$org status"
done
router_kill9 bank-b
router_start bank-b
router_stop bank-a
router_start bank-a
router_start bank-c
expect_eq "$(wait_terminal bank-c "$id" 30)" completed "bank-c status once it is back"
same_head_everywhere "$id"
grep -q "re-sending what peers may have missed" "$WORK/bank-a.log" ||
  fail "bank-a's recovery did not re-send the finished plan's messages"
echo "ok"
