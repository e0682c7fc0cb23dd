#!/usr/bin/env bash
# Crash at every kind of write: for a DvP and a compensating DvP, a router aborts (as kill -9
# would stop it) at the n-th journal append, ledger call or send, and is restarted. Every run
# must end with the plan terminal on every router with the same journal head, and every ledger
# operation performed exactly once (counted on the ledgers).
source "$(dirname "$0")/harness.sh"

count() {  # count DB TYPE: transactions of a type in a sqlite-ledger file
  python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM transactions WHERE type=?', (sys.argv[2],)).fetchone()[0])" "$1" "$2"
}

run_case() {  # run_case KIND ROUTER FAILPOINT
  local kind=$1 victim=$2 fp=$3 cash=1000000.00 expected=completed
  [ "$kind" = compensating ] && cash=10.00 && expected=failed
  network_down
  rm -rf "$WORK/net" && NET=
  network_init "$WORK/net" "$cash"
  for org in "${ORGS[@]}"; do
    if [ "$org" = "$victim" ]; then FAILPOINT=$fp router_start "$org"; else router_start "$org"; fi
  done
  local id
  id=$(submit_fresh bank-a "$SRC/docs/examples/dvp.json" 2>/dev/null) || id=""
  # Wait for the victim to crash (or for the plan to end without reaching the failpoint).
  for _ in $(seq 1 300); do kill -0 "${PID[$victim]}" 2>/dev/null || break; sleep 0.1; done
  kill -0 "${PID[$victim]}" 2>/dev/null && fail "$kind/$victim/$fp: the failpoint was never reached"
  wait "${PID[$victim]}" 2>/dev/null || true
  PID[$victim]=""
  grep -q "serving peers" "$WORK/net/$victim.log" || fail "$victim never started"
  router_start "$victim"
  [ -n "$id" ] || id=$(ctl bank-a plan list | awk 'NR==1 {print $1}')
  if [ -z "$id" ]; then
    # Crashed before the plan was durable: it never existed, and nothing may have moved.
    expect_eq "$(count "$WORK/net/bank-a.securities.db" hold)" 0 "$kind/$victim/$fp: holds of an unaccepted plan"
    echo "  $kind $victim $fp: plan never accepted, nothing moved"
    return
  fi
  for org in "${ORGS[@]}"; do
    expect_eq "$(wait_terminal "$org" "$id" 90)" "$expected" "$kind/$victim/$fp: $org status"
  done
  same_head_everywhere "$id"
  local a="$WORK/net/bank-a.securities.db" b="$WORK/net/bank-b.cash.db"
  expect_eq "$(count "$a" hold)" 1 "$kind/$victim/$fp: holds"
  if [ "$kind" = dvp ]; then
    expect_eq "$(count "$a" release)" 1 "$kind/$victim/$fp: releases"
    expect_eq "$(count "$b" transfer)" 1 "$kind/$victim/$fp: payments"
    expect_eq "$(available bank-a securities "$BUYER" "$BOND")" 100 "$kind/$victim/$fp: buyer bonds"
  else
    expect_eq "$(count "$a" revert_hold)" 1 "$kind/$victim/$fp: reverts"
    expect_eq "$(count "$b" transfer)" 0 "$kind/$victim/$fp: payments"
    expect_eq "$(available bank-a securities "$SELLER" "$BOND")" 1000 "$kind/$victim/$fp: seller bonds"
  fi
  echo "  $kind $victim $fp: $expected everywhere, each ledger operation once"
}

runs=0
for kind in dvp compensating; do
  for fp in before-journal-append:1 after-journal-append:1 before-journal-append:4 \
    after-journal-append:6 before-ledger-execute:1 after-ledger-execute:1 \
    before-ledger-execute:2 after-ledger-execute:2 before-send:1 after-send:3 before-send:6; do
    run_case "$kind" bank-a "$fp"
    runs=$((runs + 1))
  done
  for fp in after-journal-append:3 after-ledger-execute:1 before-send:2 after-send:2; do
    run_case "$kind" bank-b "$fp"
    runs=$((runs + 1))
  done
done
echo "ok: $runs crash runs"
