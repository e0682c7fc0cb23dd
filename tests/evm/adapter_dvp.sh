#!/usr/bin/env bash
# The DvP of e2e.adapter_dvp with the bond on an EVM chain: bank-a's "securities" ledger is the
# adapter-api bridge plugin, through Prism (validating both directions) to
# finp2p-adapter-gateway, which serves evm-ledger on anvil. A plain plan, then one where the
# gateway aborts after the chain held and before it stored the outcome (restarted, it finishes
# the hold by the plugin's lookup). Every balance and event is read from the chain itself.
source "$(dirname "$0")/../e2e/harness.sh"
source "$SRC/tests/evm/network_evm.sh"
DIR=$WORK
source "$SRC/tests/adapter-api/lib.sh"
trap 'rc=$?; adapter_cleanup; anvil_stop; [ $rc -ne 0 ] && tail -20 "$WORK/bonds.log"; cleanup $rc' EXIT

NET=$WORK
anvil_start "$WORK"
GW_PORT[bonds]=$(free_port)
{
  echo "listen = \"127.0.0.1:${GW_PORT[bonds]}\""
  echo "database = \"bonds.gateway.db\""
  echo "poll_interval_ms = 100"
  echo "[decimals]"
  echo "\"$BOND\" = 0"
  org=bonds evm_ledger securities "$BOND" "{ account = \"$SELLER\", asset = \"$BOND\", amount = \"1000\" }"
} >"$WORK/bonds.toml"
PROXY=$(free_port)
org_ledgers() {
  local org=$1 cash=$2
  case $org in
    bank-a)
      printf '\n[[ledger]]\nname = "securities"\nplugin = "%s"\nassets = ["%s"]\n' \
        "$PLUGIN_DIR/libadapter-api.so" "$BOND"
      printf '[ledger.config]\nbase_url = "http://127.0.0.1:%s"\nstate = "bank-a.bridge.db"\n' "$PROXY"
      printf 'poll_interval_ms = 100\n'
      ;;
    bank-b) sqlite_ledger cash USD "{ account = \"$BUYER\", asset = \"USD\", amount = \"$cash\" },
                     { account = \"$SELLER\", asset = \"USD\", amount = \"100.00\" }" ;;
  esac
}
deployed() {  # the gateway's evm-ledger deployed the contracts
  python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT address FROM deployments WHERE name=?', (sys.argv[2],)).fetchone()[0])" \
    "$WORK/bonds.securities.evm.db" "$1"
}
network_init "$WORK"
gateway_start bonds
prism_start "$PROXY" "http://127.0.0.1:${GW_PORT[bonds]}"
network_up

settled() {  # settled PLAN N
  for org in bank-a bank-b bank-c; do
    expect_eq "$(wait_terminal "$org" "$1" 90)" completed "$org status of plan $2"
  done
  same_head_everywhere "$1"
  expect_eq "$(chain_count "$HELD_EVENT")" "$2" "holds on chain after plan $2"
  expect_eq "$(chain_count "$RELEASED_EVENT")" "$2" "releases on chain after plan $2"
}

id=$(submit_fresh bank-a "$SRC/docs/examples/dvp.json")
settled "$id" 1

gateway_stop bonds
FAILPOINT=gateway-after-execute gateway_start bonds
id=$(submit_fresh bank-a "$SRC/docs/examples/dvp.json")
for _ in $(seq 1 300); do kill -0 "${GW_PID[bonds]}" 2>/dev/null || break; sleep 0.1; done
kill -0 "${GW_PID[bonds]}" 2>/dev/null && fail "the gateway did not stop at its failpoint"
wait "${GW_PID[bonds]}" 2>/dev/null || true
GW_PID[bonds]=""
gateway_start bonds
settled "$id" 2
grep -q "resuming operation" "$WORK/bonds.log" || fail "the restarted gateway did not resume the hold"

expect_eq "$(chain_balance "$SELLER")" 800 "seller bonds on chain"
expect_eq "$(chain_balance "$BUYER")" 200 "buyer bonds on chain"
expect_eq "$(chain_held "$SELLER")" 0 "nothing left held on chain"
expect_eq "$(available bank-a securities "$BUYER" "$BOND")" 200 "buyer bonds through bridge and gateway"
expect_eq "$(available bank-b cash "$SELLER" USD)" 21100 "seller USD"
prism_clean
echo "ok"
