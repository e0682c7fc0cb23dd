# The HTLC swap network: bank-a (seller, secret holder) and bank-b (buyer) both reach both
# ledgers, as two parties reach one chain: "securities" (the bond) and "cash" (USD) are
# sqlite-ledger files that both routers open, so the secret holder claims the cash on the cash
# ledger itself and the preimage never passes through the counterparty's router. bank-c observes.
# Source after network.sh; set WORK and SRC.
# shellcheck shell=bash

org_ledgers() {
  local org=$1 cash=$2
  case $org in
    bank-a)
      shared_ledger securities "$BOND" "{ account = \"$SELLER\", asset = \"$BOND\", amount = \"1000\" }"
      shared_ledger cash USD "" ;;
    bank-b)
      shared_ledger securities "$BOND" ""
      shared_ledger cash USD "{ account = \"$BUYER\", asset = \"USD\", amount = \"$cash\" },
                     { account = \"$SELLER\", asset = \"USD\", amount = \"100.00\" }" ;;
  esac
}

# shared_ledger NAME ASSET OPENING_BALANCES: a [[ledger]] on the database file both routers open.
shared_ledger() {
  echo ""
  echo "[[ledger]]"
  echo "name = \"$1\""
  echo "plugin = \"$PLUGIN_DIR/libsqlite-ledger.so\""
  echo "assets = [\"$2\"]"
  echo "[ledger.config]"
  echo "database = \"shared.$1.db\""
  echo "opening_balances = [ $3 ]"
}

# htlc_init [BUYER_USD]: the network with a short margin and refund delay, so that expiries a
# few seconds away are valid (the defaults are an hour and 5 s).
htlc_init() {
  network_init "$WORK" "${1:-1000000.00}"
  for org in "${ORGS[@]}"; do
    sed -i "1a hash_lock_margin_seconds = ${HTLC_MARGIN:-4}\nhash_lock_refund_delay_seconds = 1" \
      "$WORK/$org.toml"
  done
}

# htlc_plan OUT CASH_EXPIRY_IN BOND_EXPIRY_IN: the example with expiries this many seconds away,
# signed again by its investors as every derived plan is.
htlc_plan() {
  python3 - "$SRC/docs/examples/htlc-swap.json" "$1" "$2" "$3" <<'PY'
import json, sys, time
p = json.load(open(sys.argv[1]))
now = int(time.time())
p["instructions"][1]["hold"]["hashLock"]["expiry"] = now + int(sys.argv[3])
p["instructions"][0]["hold"]["hashLock"]["expiry"] = now + int(sys.argv[4])
json.dump(p, open(sys.argv[2], "w"))
PY
  sign_plan "$1"
}

# The preimage a plan's claim revealed, from its receipt in bank-X's view.
revealed_preimage() {
  plan_field "$1" "$2" "[e['receipt']['hashLock'].get('preimage','') for e in r['execution']['events'] if e['instruction']['sequence']==$3][0]"
}
