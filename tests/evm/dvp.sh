#!/usr/bin/env bash
# DvP between a bond on an EVM chain (anvil, evm-ledger) and cash on sqlite-ledger, across real
# routers; then a DvP whose payment fails (cash short): the on-chain hold is reverted. Every
# balance is read from the chain itself (tests/evm/chain.py), not through the plugin.
source "$(dirname "$0")/../e2e/harness.sh"
source "$SRC/tests/evm/network_evm.sh"
trap 'cleanup; anvil_stop' EXIT
evm_network_init "$WORK"
network_up

id=$(ctl bank-a plan submit "$SRC/docs/examples/dvp.json")
for org in bank-a bank-b bank-c; do expect_eq "$(wait_terminal "$org" "$id")" completed "$org status"; done
same_head_everywhere "$id"
expect_eq "$(chain_balance "$SELLER")" 900 "seller bonds on chain"
expect_eq "$(chain_balance "$BUYER")" 100 "buyer bonds on chain"
expect_eq "$(chain_held "$SELLER")" 0 "nothing left held on chain"
expect_eq "$(available bank-a securities "$SELLER" "$BOND")" 900 "seller bonds through the plugin"
expect_eq "$(available bank-b cash "$SELLER" USD)" 10600 "seller USD"
plan_field bank-a "$id" "r['execution']['events'][0]['receipt']['id']" | grep -Eq '^0x[0-9a-f]{64}$' ||
  fail "the hold's receipt does not carry the transaction hash"

# The buyer cannot pay: the payment fails and the RevertHold returns the bonds on chain.
derive_plan dvp.json "$WORK/expensive.json" "
p['id']['id'] = 'bank-a:106:6c1d2e3f-9a54-4b1c-8d2e-3f4a5b6c7d8e'
for i in p['instructions']:
    i['planId']['id'] = p['id']['id']
    if 'transfer' in i: i['transfer']['amount'] = '99999999.00'"
id2=$(ctl bank-a plan submit "$WORK/expensive.json")
for org in bank-a bank-b bank-c; do
  expect_eq "$(wait_terminal "$org" "$id2")" failed "$org status of the unpaid plan"
done
plan_field bank-a "$id2" "r['failureReason']" | grep -q "insufficient balance" ||
  fail "no reason given: $(plan_field bank-a "$id2" "r['failureReason']")"
expect_eq "$(chain_count "$HELD_EVENT")" 2 "holds on chain"
expect_eq "$(chain_count "$RELEASED_EVENT")" 1 "releases on chain"
expect_eq "$(chain_count "$REVERTED_EVENT")" 1 "reverted holds on chain"
expect_eq "$(chain_balance "$SELLER")" 900 "seller bonds back on chain"
expect_eq "$(chain_held "$SELLER")" 0 "nothing held on chain after the revert"
echo "ok"
