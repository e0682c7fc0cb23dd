# scripts/demo --htlc: a hash time-locked swap across two ledgers (docs/examples/htlc-swap.json).
# Sourced by scripts/demo after network.sh, with BIN, PLUGIN_DIR, SRC and WORK set.
# shellcheck shell=bash
source "$FINP2P_ROOT/tests/e2e/htlc.sh"

htlc_balances() {
  echo "  seller bond: $(available bank-a securities "$SELLER" "$BOND")   buyer bond: $(available bank-b securities "$BUYER" "$BOND" 2>/dev/null || echo 0)"
  echo "  buyer USD:   $(available bank-b cash "$BUYER" USD)   seller USD: $(available bank-a cash "$SELLER" USD)"
}

# The ledger's own record of its hash locks (read from its database, not through a router).
htlc_ledger_view() {
  python3 - "$WORK/shared.$1.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
q = ("SELECT t.type, t.quantity, t.asset, h.hash, h.expiry, h.preimage FROM hash_locks h "
     "JOIN transactions t ON t.operation_id = h.operation_id ORDER BY t.timestamp, h.preimage")
for kind, qty, asset, h, expiry, preimage in db.execute(q):
    line = f"  {kind:9} {qty} {asset[:24]}  hash {h[:16]}…  expiry {expiry}"
    if preimage:
        line += f"  preimage {preimage}"
    print(line)
PY
}

htlc_demo() {
  HTLC_MARGIN=10 htlc_init
  log "starting routers bank-a (seller, holds the secret), bank-b (buyer), bank-c (observer)"
  network_up
  log "balances before"
  htlc_balances
  htlc_plan "$WORK/swap.json" 60 90
  log "bank-a submits htlc-swap.json: cash locked for 60 s, bonds for 90 s, under one sha256 hash"
  local rc=0 id
  ctl bank-a plan submit "$WORK/swap.json" --wait | tee "$WORK/submit.out" || rc=$?
  id=$(head -1 "$WORK/submit.out")
  log "what each router did (one log line per state change)"
  for org in bank-a bank-b bank-c; do
    grep -F "$id" "$WORK/$org.log" | sed -E "s/^[^ ]+ [a-z]+ /  $org: /; s/$id/<plan>/"
  done
  log "the locks and claims, as the ledgers recorded them"
  echo " securities:"
  htlc_ledger_view securities
  echo " cash:"
  htlc_ledger_view cash
  local hash preimage
  hash=$(plan_field bank-b "$id" "r['execution']['plan']['instructions'][0]['hold']['hashLock']['hash']")
  preimage=$(revealed_preimage bank-b "$id" 3)
  log "the preimage the cash claim revealed, checked by hand"
  echo "  H                = $hash"
  echo "  sha256(preimage) = $(python3 -c "import hashlib,sys; print(hashlib.sha256(bytes.fromhex(sys.argv[1])).hexdigest())" "$preimage")"
  log "the same execution seen by each router"
  for org in bank-a bank-b bank-c; do
    echo "  $org: $(plan_field "$org" "$id" "r['execution']['executionPlanStatus'] + ', journal head ' + r['journalHeadHash'][:16]")"
  done
  log "balances after"
  htlc_balances
  return $rc
}
