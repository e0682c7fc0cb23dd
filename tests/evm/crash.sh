#!/usr/bin/env bash
# Crash recovery with the EVM ledger. (1) bank-a aborts inside the plugin right after the hold
# transaction was sent, before its receipt was read or anything journaled; (2) bank-a aborts
# after the ledger answered, before the router journaled the outcome. Each time the restarted
# router finds the hold (the plugin's record of the signed transaction, then the chain) instead
# of sending it again: one Held event per plan on the chain, and both plans complete.
source "$(dirname "$0")/../e2e/harness.sh"
source "$SRC/tests/evm/network_evm.sh"
trap 'cleanup; anvil_stop' EXIT
evm_network_init "$WORK"
for org in bank-b bank-c; do router_start "$org"; done

crash_and_recover() {  # crash_and_recover PLAN_FILE -> prints the plan id
  local plan=$1 id
  id=$(ctl bank-a plan submit "$plan")
  for _ in $(seq 1 100); do kill -0 "${PID[bank-a]}" 2>/dev/null || break; sleep 0.1; done
  kill -0 "${PID[bank-a]}" 2>/dev/null && fail "bank-a did not stop at the failpoint"
  wait "${PID[bank-a]}" 2>/dev/null || true
  PID[bank-a]=""
  unset FINP2P_EVM_FAILPOINT FAILPOINT
  router_start bank-a
  for org in bank-a bank-b bank-c; do
    expect_eq "$(wait_terminal "$org" "$id")" completed "$org status after restart" >&2
  done
  same_head_everywhere "$id" >&2
  echo "$id"
}

export FINP2P_EVM_FAILPOINT=after-send:hold
router_start bank-a
crash_and_recover "$SRC/docs/examples/dvp.json" >/dev/null
expect_eq "$(chain_count "$HELD_EVENT")" 1 "holds on chain after the crash inside the plugin"
expect_eq "$(chain_count "$RELEASED_EVENT")" 1 "releases on chain"
grep -q "ledger already has" "$WORK/bank-a.log" || fail "bank-a did not find the hold by lookup"

router_stop bank-a
derive_plan dvp.json "$WORK/second.json" "
p['id']['id'] = 'bank-a:106:7d2e3f40-ab65-4c2d-9e3f-4a5b6c7d8e9f'
for i in p['instructions']: i['planId']['id'] = p['id']['id']"
FAILPOINT=after-ledger-execute router_start bank-a
crash_and_recover "$WORK/second.json" >/dev/null
expect_eq "$(chain_count "$HELD_EVENT")" 2 "holds on chain after the crash in the router"
expect_eq "$(chain_count "$RELEASED_EVENT")" 2 "releases on chain"
expect_eq "$(chain_balance "$SELLER")" 800 "seller bonds on chain"
expect_eq "$(chain_balance "$BUYER")" 200 "buyer bonds on chain"
echo "ok"
