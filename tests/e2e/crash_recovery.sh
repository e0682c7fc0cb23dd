#!/usr/bin/env bash
# bank-a dies (abort, as kill -9) right after its ledger performed the hold and before the
# outcome was journaled. Restarted, it asks the ledger (lookup) instead of holding again, and
# the plan completes: exactly one hold and one release on the ledger.
source "$(dirname "$0")/harness.sh"
network_init "$WORK"
for org in bank-b bank-c; do router_start "$org"; done
FAILPOINT=after-ledger-execute router_start bank-a

id=$(submit_fresh bank-a "$SRC/docs/examples/dvp.json")
for _ in $(seq 1 100); do kill -0 "${PID[bank-a]}" 2>/dev/null || break; sleep 0.1; done
kill -0 "${PID[bank-a]}" 2>/dev/null && fail "bank-a did not stop at the failpoint"
wait "${PID[bank-a]}" 2>/dev/null || true
PID[bank-a]=""

router_start bank-a
for org in bank-a bank-b bank-c; do
  expect_eq "$(wait_terminal "$org" "$id")" completed "$org status after restart"
done
same_head_everywhere "$id"
count() {
  python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT count(*) FROM transactions WHERE type=?\", (sys.argv[2],)).fetchone()[0])" "$WORK/bank-a.securities.db" "$1"
}
expect_eq "$(count hold)" 1 "holds on the ledger"
expect_eq "$(count release)" 1 "releases on the ledger"
grep -q "ledger already has" "$WORK/bank-a.log" || fail "bank-a did not find the hold by lookup"
expect_eq "$(available bank-a securities "$BUYER" "$BOND")" 100 "buyer bonds"
echo "ok"
