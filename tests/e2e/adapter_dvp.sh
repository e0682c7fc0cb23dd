#!/usr/bin/env bash
# A DvP between two real routers where the bond lives behind the adapter API: bank-a's
# "securities" ledger is the adapter-api bridge plugin, talking through Prism (validating every
# request and response against the OpenAPI file) to finp2p-adapter-gateway, which serves
# sqlite-ledger. Four plans:
#   1. plain;
#   2. bank-a aborts after its hold request was answered and before the answer was recorded
#      (FINP2P_FAILPOINT=bridge-after-send): restarted, it sends the recorded request again,
#      byte for byte, and the gateway answers it from its Idempotency-Key store;
#   3. the gateway aborts after sqlite-ledger held and before it stored the outcome
#      (FINP2P_FAILPOINT=gateway-after-execute): restarted, it finishes the operation by lookup;
#   4. the gateway is down: rejected at preflight, `ledger list` shows the ledger unavailable;
#      back up, the next plan settles and the mark is gone.
# Each plan: one hold and one release on the ledger, exact balances, no schema violation.
source "$(dirname "$0")/harness.sh"
DIR=$WORK
source "$SRC/tests/adapter-api/lib.sh"
trap 'rc=$?; adapter_cleanup; [ $rc -ne 0 ] && tail -20 "$WORK/bonds.log" "$WORK/prism.log"; cleanup $rc' EXIT

gateway_toml bonds securities "$BOND" "{ account = \"$SELLER\", asset = \"$BOND\", amount = \"1000\" }"
PROXY=$(free_port)
org_ledgers() {
  local org=$1 cash=$2
  case $org in
    bank-a)
      echo ""
      echo "[[ledger]]"
      echo "name = \"securities\""
      echo "plugin = \"$PLUGIN_DIR/libadapter-api.so\""
      echo "assets = [\"$BOND\"]"
      echo "[ledger.config]"
      echo "base_url = \"http://127.0.0.1:$PROXY\""
      echo "state = \"bank-a.bridge.db\""
      echo "poll_interval_ms = 100"
      ;;
    bank-b) sqlite_ledger cash USD "{ account = \"$BUYER\", asset = \"USD\", amount = \"$cash\" },
                     { account = \"$SELLER\", asset = \"USD\", amount = \"100.00\" }" ;;
  esac
}
network_init "$WORK"
gateway_start bonds
prism_start "$PROXY" "http://127.0.0.1:${GW_PORT[bonds]}"
network_up

count() {  # count TYPE: transactions of TYPE on the gateway's sqlite-ledger
  python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT count(*) FROM transactions WHERE type=?\", (sys.argv[2],)).fetchone()[0])" "$WORK/bonds.securities.db" "$1"
}
settled() {  # settled PLAN N: completed everywhere, N holds and N releases in all
  for org in bank-a bank-b bank-c; do
    expect_eq "$(wait_terminal "$org" "$1" 60)" completed "$org status of plan $2"
  done
  same_head_everywhere "$1"
  expect_eq "$(count hold)" "$2" "holds on the ledger after plan $2"
  expect_eq "$(count release)" "$2" "releases on the ledger after plan $2"
}
# wait_exit PID WHAT: the process stopped (at its failpoint) within 20 s.
wait_exit() {
  for _ in $(seq 1 200); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$1" 2>/dev/null && fail "$2 did not stop at its failpoint"
  wait "$1" 2>/dev/null || true
}

# 1. plain
id=$(submit_fresh bank-a "$SRC/docs/examples/dvp.json")
settled "$id" 1
grep -q "POST /plan/approve" "$WORK/bonds.log" || fail "bank-a's preflight did not ask /plan/approve"

# 2. the router dies between the hold's answer and its record
router_stop bank-a
FAILPOINT=bridge-after-send router_start bank-a
id=$(submit_fresh bank-a "$SRC/docs/examples/dvp.json")
wait_exit "${PID[bank-a]}" bank-a
PID[bank-a]=""
router_start bank-a
settled "$id" 2
grep -q "replayed" "$WORK/bonds.log" || fail "the gateway did not answer the resent hold from its store"

# 3. the gateway dies between its plugin's hold and the stored outcome
gateway_stop bonds
FAILPOINT=gateway-after-execute gateway_start bonds
id=$(submit_fresh bank-a "$SRC/docs/examples/dvp.json")
wait_exit "${GW_PID[bonds]}" gateway
GW_PID[bonds]=""
gateway_start bonds
settled "$id" 3
grep -q "resuming operation" "$WORK/bonds.log" || fail "the restarted gateway did not resume the hold"

# 4. the adapter is down (F21 of the 2026-12-03 review: `ledger list`, finp2p_ledger_up and the
# health view said "serving"): the plan is rejected at preflight, and the ledger shows as
# unavailable, not up, with the bridge's reason, until its next answer is another one.
gateway_stop bonds
GW_PID[bonds]=""
id=$(submit_fresh bank-a "$SRC/docs/examples/dvp.json")
expect_eq "$(wait_terminal bank-a "$id" 40)" rejected "plan with the adapter down"
out=$(ctl bank-a ledger list)
[[ $out == *"UNAVAILABLE for "*"adapter"* ]] || fail "ledger list with the adapter down: $out"
gateway_start bonds
id=$(submit_fresh bank-a "$SRC/docs/examples/dvp.json")
settled "$id" 4
out=$(ctl bank-a ledger list)
[[ $out != *"UNAVAILABLE"* ]] || fail "ledger list once the adapter is back: $out"

# Exact balances: through the bridge (the adapter API's /asset/balance) and on the ledger itself.
expect_eq "$(available bank-a securities "$BUYER" "$BOND")" 400 "buyer bonds"
expect_eq "$(available bank-a securities "$SELLER" "$BOND")" 600 "seller bonds"
expect_eq "$(available bank-b cash "$SELLER" USD)" 42100 "seller cash"
prism_clean
echo "ok"
