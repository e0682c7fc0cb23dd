#!/usr/bin/env bash
# docs/examples/htlc-swap.json across two ledgers: the bond on an EVM chain (anvil, evm-ledger),
# the cash on sqlite-ledger. bank-a locks the bond on the chain, bank-b the cash, bank-a claims
# the cash with its secret, bank-b claims the bond on the chain with the preimage the cash claim
# revealed. Read from the chain itself (tests/evm/chain.py): one Locked and one Claimed event,
# the Claimed event's preimage hashes to the plan's H and was sent by bank-b's own key.
source "$(dirname "$0")/../e2e/harness.sh"
source "$SRC/tests/evm/htlc_network.sh"
trap 'cleanup; anvil_stop' EXIT
evm_htlc_init "$WORK"
evm_htlc_up

htlc_plan "$WORK/swap.json" 30 45
id=$(ctl bank-a plan submit --new-id "$WORK/swap.json")
for org in bank-a bank-b bank-c; do
  expect_eq "$(wait_terminal "$org" "$id" 60)" completed "$org status"
done
same_head_everywhere "$id"

hash=$(plan_field bank-b "$id" "r['execution']['plan']['instructions'][0]['hold']['hashLock']['hash']")
claims=$(chain_claims)
expect_eq "$(echo "$claims" | wc -l)" 1 "claims on the chain"
read -r _ sender _ beneficiary _ preimage <<<"$claims"
expect_eq "$(python3 -c "import hashlib,sys; print(hashlib.sha256(bytes.fromhex(sys.argv[1])).hexdigest())" "$preimage")" \
  "$hash" "sha256 of the preimage in the chain's Claimed event"
expect_eq "$preimage" "$(revealed_preimage bank-b "$id" 3)" "the cash claim revealed the same preimage"
expect_eq "$(revealed_preimage bank-a "$id" 4)" "$preimage" "the bond claim's receipt, read from the chain"
expect_eq "$sender" "$BANK_B_CHAIN_ADDRESS" "the bond claim was sent by bank-b's key"
expect_eq "$beneficiary" "$($CHAIN "$ANVIL_URL" address "$BUYER")" "the Claimed event pays the buyer"
expect_eq "$(chain_count "$LOCKED_EVENT")" 1 "locks on the chain"
expect_eq "$(chain_balance "$BUYER")" 100 "buyer bonds on the chain"
expect_eq "$(chain_balance "$SELLER")" 900 "seller bonds on the chain"
expect_eq "$(chain_held "$SELLER")" 0 "nothing held on the chain"
expect_eq "$(available bank-a cash "$SELLER" USD)" 10600 "seller USD"
expect_eq "$(available bank-b cash "$BUYER" USD)" 989500 "buyer USD"
echo "ok"
