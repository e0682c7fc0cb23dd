#!/usr/bin/env bash
# Routers whose clocks are off (libfaketime, issue 15). Within what the timelocks allow — a skew
# smaller than the refund delay and the margin — the swap settles as with true clocks, and a leg
# the responder never matched is refunded no earlier than its expiry by the true clock. A router
# whose clock is off by more than a lock's remaining time refuses the plan as having an expiry in
# the past, and every router ends the plan rejected with that reason: skew beyond the window
# stops a swap before anything is locked, it never splits the outcome.
#
# In this network both routers open the same sqlite-ledger files in-process, so a ledger's clock
# is the clock of the router that calls it: the skewed router's own calls see the skewed time,
# as they would on a ledger whose clock is off by as much.
source "$(dirname "$0")/harness.sh"
source "$(dirname "$0")/htlc.sh"
ROOT=$WORK
# skewed_network DIR BUYER_USD: the HTLC network under DIR, refund delay 3 s, margin 6 s.
skewed_network() {
  WORK=$ROOT/$1
  HTLC_MARGIN=6 htlc_init "$2"
  for org in "${ORGS[@]}"; do
    sed -i 's/^hash_lock_refund_delay_seconds = .*/hash_lock_refund_delay_seconds = 3/' "$WORK/$org.toml"
  done
}

# The skew is real where the test runs.
b_now=$(LD_PRELOAD="$FAKETIME_LIB" FAKETIME="+20s" FAKETIME_DONT_FAKE_MONOTONIC=1 date +%s)
[ $((b_now - $(date +%s))) -ge 19 ] || fail "libfaketime does not shift the clock here"

# 1. The happy path, bank-b 2 s ahead and bank-c 2 s behind.
skewed_network rich 1000000.00
CLOCK_OFFSET[bank-b]="+2s"
CLOCK_OFFSET[bank-c]="-2s"
network_up
htlc_plan "$WORK/swap.json" 30 40
id=$(submit_fresh bank-a "$WORK/swap.json")
ends_everywhere "$id" completed 40 "skewed clocks"
same_head_everywhere "$id"
expect_eq "$(available bank-b securities "$BUYER" "$BOND")" 100 "buyer bonds"
expect_eq "$(available bank-a cash "$SELLER" USD)" 10600 "seller USD"
network_down

# 2. A buyer who cannot pay, bank-a 2 s ahead: its bond lock is refunded by its own skewed clock,
#    yet not before the lock's expiry by the true clock, because the refund delay (3 s) covers
#    the skew.
skewed_network short 10.00
CLOCK_OFFSET[bank-a]="+2s"
CLOCK_OFFSET[bank-b]=""
CLOCK_OFFSET[bank-c]=""
network_up
htlc_plan "$WORK/refund.json" 10 17
expiry=$(python3 -c "import json; print(json.load(open('$WORK/refund.json'))['instructions'][0]['hold']['hashLock']['expiry'])")
id2=$(submit_fresh bank-a "$WORK/refund.json")
ends_everywhere "$id2" failed 40 "refund, skewed clocks"
same_head_everywhere "$id2"
# The refund row is stamped with bank-a's clock, 2 s ahead of the true one.
refunded_at=$(python3 -c "import sqlite3; print(sqlite3.connect('$WORK/shared.securities.db').execute(\"SELECT max(timestamp) FROM transactions WHERE type='refund'\").fetchone()[0])")
[ $((refunded_at - 2)) -ge "$expiry" ] ||
  fail "refunded at $((refunded_at - 2)) by the true clock, before the expiry $expiry"
expect_eq "$(available bank-a securities "$SELLER" "$BOND")" 1000 "seller bonds after the refund"
ctl bank-a ledger balance securities "$SELLER" "$BOND" | grep -q "held 0" || fail "bonds still held"

# 3. bank-b 20 s ahead: the cash lock's expiry, 10 s away for bank-a, is in bank-b's past. bank-b
#    refuses the plan at validation; nothing is locked and every router says why.
router_stop bank-b
CLOCK_OFFSET[bank-b]="+20s"
router_start bank-b
htlc_plan "$WORK/late.json" 10 20
id3=$(submit_fresh bank-a "$WORK/late.json")
ends_everywhere "$id3" rejected 40 "bank-b 20 s ahead"
plan_field bank-a "$id3" "r['failureReason']" | grep -q "rejected by bank-b: .*not in the future" ||
  fail "reason: $(plan_field bank-a "$id3" "r['failureReason']")"
ctl bank-a ledger balance securities "$SELLER" "$BOND" | grep -q "held 0" || fail "bonds held"
network_down
WORK=$ROOT
echo "ok"
