#!/usr/bin/env bash
# bank-b cannot pay in EUR (no ledger of it serves EUR): its preflight fails, it rejects, the
# plan is rejected on every router and no ledger is touched.
source "$(dirname "$0")/harness.sh"
AGREEMENT_TIMEOUT=8
network_init "$WORK"
network_up

derive_plan dvp.json "$WORK/eur.json" 'p["instructions"][1]["transfer"]["asset"]["id"] = "EUR"'
id=$(submit_fresh bank-a "$WORK/eur.json")
for org in bank-a bank-b bank-c; do
  expect_eq "$(wait_terminal "$org" "$id")" rejected "$org status"
done
plan_field bank-a "$id" "r['failureReason']" | grep -q 'rejected by bank-b: preflight failed: .*EUR' ||
  fail "reason: $(plan_field bank-a "$id" "r['failureReason']")"
expect_eq "$(plan_field bank-a "$id" "len(r['execution'].get('events', []))")" 0 "nothing executed"
ctl bank-a ledger balance securities "$SELLER" "$BOND" | grep -q "available 1000, held 0" ||
  fail "the bond ledger was touched"

# A contributor that never answers: the routers that approved do not decide alone at their
# deadline (the silent one may hold every approval); they wait, saying for whom, and the plan
# goes on once bank-b is back.
router_stop bank-b
id2=$(submit_fresh bank-a "$SRC/docs/examples/dvp.json")
sleep $((AGREEMENT_TIMEOUT + 2))
expect_eq "$(plan_field bank-a "$id2" "r['execution']['executionPlanStatus']")" proposed "status after the deadline"
plan_field bank-a "$id2" "r['failureReason']" | grep -q "agreement deadline passed; no approval from bank-b; waiting" ||
  fail "deadline reason: $(plan_field bank-a "$id2" "r['failureReason']")"
expect_eq "$(plan_field bank-c "$id2" "r['execution']['executionPlanStatus']")" proposed "observer does not decide"
router_start bank-b
for org in bank-a bank-b bank-c; do
  expect_eq "$(wait_terminal "$org" "$id2" 60)" completed "$org status once bank-b is back"
done
same_head_everywhere "$id2"
expect_eq "$(plan_field bank-a "$id2" "r.get('failureReason', '')")" "" "no stale reason once it went on"
echo "ok"
