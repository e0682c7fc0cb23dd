# The three-router network of tests/e2e/network.sh with bank-a's bond on an EVM chain (anvil,
# the evm-ledger plugin, contracts deployed on first start) and bank-b's cash on sqlite-ledger.
# Source after tests/e2e/harness.sh; call evm_network_init instead of network_init.
# shellcheck shell=bash

FINP2P_ROOT=$SRC
source "$SRC/tests/evm/anvil.sh"
CHAIN="python3 $SRC/tests/evm/chain.py"

org_ledgers() {
  local org=$1 cash=$2
  case $org in
    bank-a) evm_ledger securities "$BOND" "{ account = \"$SELLER\", asset = \"$BOND\", amount = \"1000\" }" ;;
    bank-b) sqlite_ledger cash USD "{ account = \"$BUYER\", asset = \"USD\", amount = \"$cash\" },
                     { account = \"$SELLER\", asset = \"USD\", amount = \"100.00\" }" ;;
  esac
}

# evm_ledger NAME ASSET OPENING_BALANCES: one [[ledger]] table served by the EVM plugin.
evm_ledger() {
  echo ""
  echo "[[ledger]]"
  echo "name = \"$1\""
  echo "plugin = \"$PLUGIN_DIR/libevm-ledger.so\""
  echo "assets = [\"$2\"]"
  echo "[ledger.config]"
  echo "rpc_url = \"$ANVIL_URL\""
  echo "chain_id = $ANVIL_CHAIN_ID"
  echo "state_database = \"$org.$1.evm.db\""
  echo "sending_keys = $(anvil_key_files "$NET" 2)"
  echo "deploy = true"
  echo "assets = [ { id = \"$2\", decimals = 0, name = \"Bond\", symbol = \"BOND\" } ]"
  echo "opening_balances = [ $3 ]"
}

evm_network_init() {
  local dir=$1 cash=${2:-1000000.00}
  mkdir -p "$dir"
  anvil_start "$dir"
  network_init "$dir" "$cash"
}

# Contract addresses the plugin deployed, from its state file.
deployed() {  # deployed NAME ("escrow" or "token:ASSET")
  python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT address FROM deployments WHERE name=?', (sys.argv[2],)).fetchone()[0])" \
    "$NET/bank-a.securities.evm.db" "$1"
}
chain_balance() { $CHAIN "$ANVIL_URL" balance "$(deployed "token:$BOND")" "$1" 0; }
chain_held() { $CHAIN "$ANVIL_URL" held "$(deployed escrow)" "$(deployed "token:$BOND")" "$1" 0; }
chain_count() { $CHAIN "$ANVIL_URL" count "$(deployed escrow)" "$1"; }
HELD_EVENT="Held(bytes32,address,address,address,uint256)"
RELEASED_EVENT="Released(bytes32,bytes32,address,address,address,uint256)"
REVERTED_EVENT="Reverted(bytes32,bytes32,address,address,uint256)"
