#!/usr/bin/env bash
# The ledger enforces the swap, not the routers. In this plan the bond claim is bank-a's to run
# (the bond's router, as in an escrow DvP), with a 10 s timeout. bank-a locks the bond on the
# chain and claims the cash with its secret (the preimage is now in the cash claim's receipt,
# which every router approved), then does not run the bond claim: it dies as it would (a router
# that refuses to execute looks the same to the others: no completion comes). bank-b, the
# router of the bond's beneficiary, serves the same chain: once bank-a has had the claim's
# timeout it claims the bond itself with the revealed preimage. The buyer has the bonds on the
# chain while bank-a is still down; restarted, bank-a finds the claim on the chain by lookup and
# the plan completes everywhere with one claim per leg.
source "$(dirname "$0")/../e2e/harness.sh"
source "$SRC/tests/evm/htlc_network.sh"
trap 'cleanup; anvil_stop' EXIT
evm_htlc_init "$WORK"
# bank-a's ledger calls: 1 the bond lock, 2 the cash claim, 3 the bond claim (never made).
FAILPOINT=before-ledger-execute:3 router_start bank-a  # deploys the contracts
evm_joining_ledger >>"$NET/bank-b.toml"
router_start bank-b
router_start bank-c

htlc_plan "$WORK/swap.json" 40 60
python3 - "$WORK/swap.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
claim = p["instructions"][3]
claim["organizations"] = ["bank-a"]
claim["timeoutSeconds"] = 10
json.dump(p, open(sys.argv[1], "w"))
PY
sign_plan "$WORK/swap.json"
id=$(ctl bank-a plan submit --new-id "$WORK/swap.json")
for _ in $(seq 1 300); do kill -0 "${PID[bank-a]}" 2>/dev/null || break; sleep 0.1; done
kill -0 "${PID[bank-a]}" 2>/dev/null && fail "bank-a did not stop at its bond claim"
wait "${PID[bank-a]}" 2>/dev/null || true
PID[bank-a]=""
expect_eq "$(chain_balance "$BUYER")" 0 "no bond claimed yet"

for _ in $(seq 1 300); do [ "$(chain_balance "$BUYER")" = 100 ] && break; sleep 0.1; done
expect_eq "$(chain_balance "$BUYER")" 100 "buyer bonds on the chain, claimed while bank-a is down"
read -r _ sender _ _ _ preimage <<<"$(chain_claims)"
expect_eq "$sender" "$BANK_B_CHAIN_ADDRESS" "the claim was sent by bank-b's key"
expect_eq "$preimage" "$(revealed_preimage bank-b "$id" 3)" "with the preimage of the cash claim's receipt"
grep -q "claiming the lock for its beneficiary without waiting for the plan" "$WORK/bank-b.log" ||
  fail "bank-b does not say it claimed for the beneficiary"
expect_eq "$(plan_field bank-b "$id" "r['execution']['executionPlanStatus']")" in-progress \
  "the plan waits for bank-a's completion"
expect_eq "$(available bank-b cash "$SELLER" USD)" 10600 "seller USD"

router_start bank-a
for org in bank-a bank-b bank-c; do
  expect_eq "$(wait_terminal "$org" "$id" 60)" completed "$org status after bank-a's restart"
done
same_head_everywhere "$id"
grep -q "ledger already has" "$WORK/bank-a.log" || fail "bank-a did not find the claim by lookup"
expect_eq "$(chain_claims | wc -l)" 1 "claims on the chain"
expect_eq "$(chain_held "$SELLER")" 0 "nothing held on the chain"
echo "ok"
