#!/usr/bin/env bash
# The secret holder dies (abort, as kill -9) right after its claim of the cash ran on the cash
# ledger and before it journaled the outcome. The preimage is then on the ledger already — public
# to whoever reads it, not held by bank-a's router — and bank-b's bond claim needs nothing more
# than it: bank-b reads it from the cash ledger and claims the bond while bank-a is still down.
# Restarted, bank-a finds its claim by lookup (its secret is derived from its key, so nothing of
# it was lost) and proposes the completion; bank-b's bond claim is found on the ledger: one lock,
# one claim per leg, the plan completes everywhere.
source "$(dirname "$0")/harness.sh"
source "$(dirname "$0")/htlc.sh"
htlc_init
for org in bank-b bank-c; do router_start "$org"; done
# bank-a's ledger calls: 1 the bond lock, 2 the cash claim.
FAILPOINT=after-ledger-execute:2 router_start bank-a

htlc_plan "$WORK/swap.json" 40 50
id=$(submit_fresh bank-a "$WORK/swap.json")
for _ in $(seq 1 200); do kill -0 "${PID[bank-a]}" 2>/dev/null || break; sleep 0.1; done
kill -0 "${PID[bank-a]}" 2>/dev/null && fail "bank-a did not stop at the failpoint"
wait "${PID[bank-a]}" 2>/dev/null || true
PID[bank-a]=""

hash=$(plan_field bank-b "$id" "r['execution']['plan']['instructions'][0]['hold']['hashLock']['hash']")
on_ledger=$(python3 -c "import sqlite3; print(sqlite3.connect('$WORK/shared.cash.db').execute(\"SELECT h.preimage FROM hash_locks h JOIN transactions t ON t.operation_id=h.operation_id WHERE t.type='claim'\").fetchone()[0])")
got=$(python3 -c "import hashlib,sys; print(hashlib.sha256(bytes.fromhex(sys.argv[1])).hexdigest())" "$on_ledger")
expect_eq "$got" "$hash" "sha256 of the preimage the cash ledger holds, bank-a down"
count() {
  python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT count(*) FROM transactions WHERE type=?\", (sys.argv[2],)).fetchone()[0])" "$WORK/shared.$1.db" "$2"
}
# A claim needs nobody: bank-b reads the preimage from the cash ledger and claims the bond for
# the buyer while bank-a is still down (the plan has not even settled the cash claim).
for _ in $(seq 1 100); do [ "$(count securities claim)" = 1 ] && break; sleep 0.1; done
expect_eq "$(count securities claim)" 1 "bond claims while bank-a is down"
expect_eq "$(available bank-b securities "$BUYER" "$BOND")" 100 "buyer bonds while bank-a is down"
grep -q "the ledger shows the lock of instruction 2 claimed" "$WORK/bank-b.log" ||
  fail "bank-b did not take the preimage from the cash ledger"
expect_eq "$(plan_field bank-b "$id" "r['execution']['executionPlanStatus']")" in-progress \
  "the plan waits for bank-a's completion"

router_start bank-a
for org in bank-a bank-b bank-c; do
  expect_eq "$(wait_terminal "$org" "$id" 30)" completed "$org status after the restart"
done
same_head_everywhere "$id"
expect_eq "$(revealed_preimage bank-b "$id" 3)" "$on_ledger" "the receipt's preimage is the ledger's"
grep -q "ledger already has" "$WORK/bank-a.log" || fail "bank-a did not find its claim by lookup"
expect_eq "$(count cash claim)" 1 "cash claims"
expect_eq "$(count securities claim)" 1 "bond claims"
expect_eq "$(count securities hash_lock)" 1 "bond locks"
expect_eq "$(available bank-b securities "$BUYER" "$BOND")" 100 "buyer bonds"
expect_eq "$(available bank-a cash "$SELLER" USD)" 10600 "seller USD"
echo "ok"
