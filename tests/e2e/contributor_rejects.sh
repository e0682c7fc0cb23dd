#!/usr/bin/env bash
# bank-b cannot pay in EUR (no ledger of it serves EUR): its preflight fails, it rejects, the
# plan is rejected on every router and no ledger is touched.
source "$(dirname "$0")/harness.sh"
network_init "$WORK"
network_up

derive_plan dvp.json "$WORK/eur.json" 'p["instructions"][1]["transfer"]["asset"]["id"] = "EUR"'
id=$(ctl bank-a plan submit "$WORK/eur.json")
for org in bank-a bank-b bank-c; do
  expect_eq "$(wait_terminal "$org" "$id")" rejected "$org status"
done
plan_field bank-a "$id" "r['failureReason']" | grep -q 'rejected by bank-b: preflight failed: .*EUR' ||
  fail "reason: $(plan_field bank-a "$id" "r['failureReason']")"
expect_eq "$(plan_field bank-a "$id" "len(r['execution'].get('events', []))")" 0 "nothing executed"
ctl bank-a ledger balance securities "$SELLER" "$BOND" | grep -q "available 1000, held 0" ||
  fail "the bond ledger was touched"
echo "ok"
