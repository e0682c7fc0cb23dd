#!/usr/bin/env bash
# The responder never locks (the buyer is short of cash, so bank-b's lock fails): bank-a's bond
# lock is refunded automatically once its expiry has passed — also across a kill -9 of bank-a
# while it waits — and the plan ends failed everywhere, naming the lock that failed. Before any
# of it, plans with unsafe timelocks or two hashes are refused at submit.
source "$(dirname "$0")/harness.sh"
source "$(dirname "$0")/htlc.sh"
htlc_init 10.00
network_up

refused() {  # refused PLAN_FILE TEXT
  local out rc=0
  out=$(submit_fresh bank-a "$1" 2>&1) || rc=$?
  expect_eq "$rc" 1 "exit code of submitting $(basename "$1")"
  [[ $out == *"$2"* ]] || fail "$(basename "$1") refused without saying \"$2\": $out"
}
htlc_plan "$WORK/tight.json" 20 22
refused "$WORK/tight.json" "this router requires 4 s"
htlc_plan "$WORK/past.json" -5 30
refused "$WORK/past.json" "is not in the future"
derive_plan htlc-swap.json "$WORK/two-hashes.json" "
p['instructions'][1]['hold']['hashLock']['hash'] = '00' * 32"
refused "$WORK/two-hashes.json" "the hash differs"

htlc_plan "$WORK/swap.json" 10 16
expiry=$(python3 -c "import json; print(json.load(open('$WORK/swap.json'))['instructions'][0]['hold']['hashLock']['expiry'])")
id=$(submit_fresh bank-a "$WORK/swap.json")
# bank-a waits for its lock's expiry on the refund (instruction 5): kill it there, start it again.
for _ in $(seq 1 100); do
  [ "$(plan_field bank-a "$id" "r['execution'].get('currentInstructionSequence',0)" 2>/dev/null)" = 5 ] && break
  sleep 0.1
done
expect_eq "$(plan_field bank-a "$id" "r['execution'].get('currentInstructionSequence',0)")" 5 "bank-a at the refund"
ctl bank-a ledger balance securities "$SELLER" "$BOND" | grep -q "held 100" || fail "bond not locked"
router_kill9 bank-a
router_start bank-a
for org in bank-a bank-b bank-c; do
  expect_eq "$(wait_terminal "$org" "$id" 40)" failed "$org status"
  expect_eq "$(plan_field "$org" "$id" "r['failedInstructionSequence']")" 2 "$org failing step"
  plan_field "$org" "$id" "r['failureReason']" | grep -q "insufficient balance" ||
    fail "$org does not explain the failure: $(plan_field "$org" "$id" "r['failureReason']")"
done
same_head_everywhere "$id"
refunded_at=$(python3 -c "import sqlite3; print(sqlite3.connect('$WORK/shared.securities.db').execute(\"SELECT timestamp FROM transactions WHERE type='refund'\").fetchone()[0])")
[ "$refunded_at" -ge "$expiry" ] || fail "refunded at $refunded_at, before the expiry $expiry"
expect_eq "$(available bank-a securities "$SELLER" "$BOND")" 1000 "seller bonds refunded"
ctl bank-a ledger balance securities "$SELLER" "$BOND" | grep -q "held 0" || fail "bonds still held"
expect_eq "$(available bank-b cash "$BUYER" USD)" 10 "buyer USD untouched"
grep -q "refund waits for the hash lock's expiry" "$WORK/bank-a.log" || fail "no wait logged"
echo "ok"
