#!/usr/bin/env bash
# The responder approves and then never locks: bank-b's router dies before its cash lock (abort
# at its first ledger call) and stays down. bank-a's bond lock is refunded by bank-a alone once
# it has expired — the plan cannot move without bank-b, the money does not wait for it. When
# bank-b comes back, its lock is refused (the cash lock's expiry has passed), the plan takes the
# refund path, finds the refund done, and ends failed everywhere (docs/protocol.md, "A refund
# needs nobody").
source "$(dirname "$0")/harness.sh"
source "$(dirname "$0")/htlc.sh"
htlc_init
router_start bank-a
router_start bank-c
FAILPOINT=before-ledger-execute router_start bank-b

htlc_plan "$WORK/swap.json" 8 14
expiry=$(python3 -c "import json; print(json.load(open('$WORK/swap.json'))['instructions'][0]['hold']['hashLock']['expiry'])")
id=$(submit_fresh bank-a "$WORK/swap.json")
for _ in $(seq 1 100); do kill -0 "${PID[bank-b]}" 2>/dev/null || break; sleep 0.1; done
kill -0 "${PID[bank-b]}" 2>/dev/null && fail "bank-b did not stop before its lock"
wait "${PID[bank-b]}" 2>/dev/null || true
PID[bank-b]=""
ctl bank-a ledger balance securities "$SELLER" "$BOND" | grep -q "held 100" || fail "bond not locked"

for _ in $(seq 1 300); do
  ctl bank-a ledger balance securities "$SELLER" "$BOND" | grep -q "held 0" && break
  sleep 0.1
done
ctl bank-a ledger balance securities "$SELLER" "$BOND" | grep -q "available 1000, held 0" ||
  fail "bank-a did not refund its expired lock alone: $(ctl bank-a ledger balance securities "$SELLER" "$BOND")"
refunded_at=$(python3 -c "import sqlite3; print(sqlite3.connect('$WORK/shared.securities.db').execute(\"SELECT timestamp FROM transactions WHERE type='refund'\").fetchone()[0])")
[ "$refunded_at" -ge "$expiry" ] || fail "refunded at $refunded_at, before the expiry $expiry"
expect_eq "$(plan_field bank-a "$id" "r['execution']['executionPlanStatus']")" in-progress \
  "bank-a's plan, waiting for bank-b"
grep -q "hash lock expired; refunding it without waiting for the plan" "$WORK/bank-a.log" ||
  fail "no early refund logged"

router_start bank-b
for org in bank-a bank-b bank-c; do
  expect_eq "$(wait_terminal "$org" "$id" 30)" failed "$org status"
  expect_eq "$(plan_field "$org" "$id" "r['failedInstructionSequence']")" 2 "$org failing step"
done
same_head_everywhere "$id"
count=$(python3 -c "import sqlite3; print(sqlite3.connect('$WORK/shared.securities.db').execute(\"SELECT count(*) FROM transactions WHERE type='refund'\").fetchone()[0])")
expect_eq "$count" 1 "refunds of the bond"
expect_eq "$(available bank-a securities "$SELLER" "$BOND")" 1000 "seller bonds"
expect_eq "$(available bank-b cash "$BUYER" USD)" 1000000 "buyer USD untouched"
echo "ok"
