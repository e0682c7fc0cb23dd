# The hash time-locked swap of docs/examples/htlc-swap.json with the bond on an EVM chain and the
# cash on sqlite-ledger. The bond ledger "securities" is the chain: bank-a's evm-ledger deploys
# the contracts on first start and locks the bond; bank-b serves the same chain with its own
# sending key and bank-a's contract addresses (it claims the bond there, as anyone may: the
# preimage is the authority). "cash" is a sqlite-ledger file both routers open. bank-c observes.
# Source after tests/e2e/harness.sh (or network.sh with BIN, PLUGIN_DIR, SRC, WORK set); call
# evm_htlc_init, then evm_htlc_up instead of network_up.
# shellcheck shell=bash

source "$SRC/tests/evm/network_evm.sh"  # anvil, evm_ledger, deployed, chain_*
source "$SRC/tests/e2e/htlc.sh"         # shared_ledger, htlc_plan, revealed_preimage

org_ledgers() {
  local org=$1 cash=$2
  case $org in
    bank-a)
      evm_ledger securities "$BOND" "{ account = \"$SELLER\", asset = \"$BOND\", amount = \"1000\" }"
      shared_ledger cash USD "" ;;
    bank-b)  # its "securities" ledger is added by evm_htlc_up, once bank-a has deployed
      shared_ledger cash USD "{ account = \"$BUYER\", asset = \"USD\", amount = \"$cash\" },
                     { account = \"$SELLER\", asset = \"USD\", amount = \"100.00\" }" ;;
  esac
}

# bank-b's view of the chain: the contracts bank-a deployed, and a sending key of its own
# (anvil's development key 2; bank-a's are 0 and 1), which is no operator of the contracts.
evm_joining_ledger() {
  (umask 077 && echo "${ANVIL_KEYS[2]}" >"$NET/bank-b-evm.key")
  echo ""
  echo "[[ledger]]"
  echo "name = \"securities\""
  echo "plugin = \"$PLUGIN_DIR/libevm-ledger.so\""
  echo "assets = [\"$BOND\"]"
  echo "[ledger.config]"
  echo "rpc_url = \"$ANVIL_URL\""
  echo "chain_id = $ANVIL_CHAIN_ID"
  echo "state_database = \"bank-b.securities.evm.db\""
  echo "sending_keys = [ \"$NET/bank-b-evm.key\" ]"
  echo "escrow = \"$(deployed escrow)\""
  echo "assets = [ { id = \"$BOND\", token = \"$(deployed "token:$BOND")\", decimals = 0, name = \"Bond\", symbol = \"BOND\" } ]"
}
BANK_B_CHAIN_ADDRESS=0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc  # of anvil's key 2

# evm_htlc_init DIR [BUYER_USD]: anvil, keys and configs, with htlc_init's short margin.
evm_htlc_init() {
  mkdir -p "$1"
  anvil_start "$1"
  WORK=$1 htlc_init "${2:-1000000.00}"
}

evm_htlc_up() {
  router_start bank-a  # deploys the contracts
  evm_joining_ledger >>"$NET/bank-b.toml"
  router_start bank-b
  router_start bank-c
}

# Each claim on the chain, from the escrow's Claimed events: "sender S beneficiary B preimage X".
chain_claims() { $CHAIN "$ANVIL_URL" claims "$(deployed escrow)"; }
LOCKED_EVENT="Locked(bytes32,address,address,address,uint256,bytes32,uint8,uint64)"
