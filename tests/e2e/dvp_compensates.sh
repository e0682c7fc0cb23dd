#!/usr/bin/env bash
# The buyer is short of cash: the payment fails with a settlement error, the RevertHold gives the
# bonds back, the plan ends failed everywhere naming the failing step, balances as before.
source "$(dirname "$0")/harness.sh"
network_init "$WORK" 10.00
network_up

id=$(submit_fresh bank-a "$SRC/docs/examples/dvp.json")
for org in bank-a bank-b bank-c; do
  expect_eq "$(wait_terminal "$org" "$id")" failed "$org status"
  expect_eq "$(plan_field "$org" "$id" "r['failedInstructionSequence']")" 2 "$org failing step"
  plan_field "$org" "$id" "r['failureReason']" | grep -q "insufficient balance" ||
    fail "$org does not explain the failure: $(plan_field "$org" "$id" "r['failureReason']")"
done
same_head_everywhere "$id"
expect_eq "$(available bank-a securities "$SELLER" "$BOND")" 1000 "seller bonds restored"
ctl bank-a ledger balance securities "$SELLER" "$BOND" | grep -q "held 0" || fail "bonds still held"
expect_eq "$(available bank-b cash "$BUYER" USD)" 10 "buyer USD untouched"
echo "ok"
