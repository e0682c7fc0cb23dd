# scripts/demo --htlc: a hash time-locked swap across two ledgers (docs/examples/htlc-swap.json):
# the bond on a local EVM chain (anvil, evm-ledger), the cash on sqlite-ledger.
# Sourced by scripts/demo after network.sh, with BIN, PLUGIN_DIR, SRC and WORK set.
# shellcheck shell=bash
source "$FINP2P_ROOT/tests/evm/htlc_network.sh"

htlc_balances() {
  echo "  on the chain:  seller bond $(chain_balance "$SELLER")   buyer bond $(chain_balance "$BUYER")   held $(chain_held "$SELLER")"
  echo "  cash ledger:   buyer USD $(available bank-b cash "$BUYER" USD)   seller USD $(available bank-a cash "$SELLER" USD)"
}

# The cash ledger's own record of its hash locks (read from its database, not through a router).
htlc_cash_view() {
  python3 - "$WORK/shared.cash.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
q = ("SELECT t.type, t.quantity, t.asset, h.hash, h.expiry, h.preimage FROM hash_locks h "
     "JOIN transactions t ON t.operation_id = h.operation_id ORDER BY t.timestamp, h.preimage")
for kind, qty, asset, h, expiry, preimage in db.execute(q):
    line = f"  {kind:9} {qty} {asset}  hash {h[:16]}…  expiry {expiry}"
    if preimage:
        line += f"  preimage {preimage[:16]}…"
    print(line)
PY
}

htlc_demo() {
  log "starting a local Ethereum chain (anvil, chain id $ANVIL_CHAIN_ID)"
  HTLC_MARGIN=10 evm_htlc_init "$WORK"
  echo "  $ANVIL_URL"
  log "starting routers bank-a (seller, holds the secret; deploys the contracts), bank-b (buyer), bank-c (observer)"
  evm_htlc_up
  echo "  escrow $(deployed escrow), bond token $(deployed "token:$BOND")"
  log "balances before"
  htlc_balances
  htlc_plan "$WORK/swap.json" 60 90
  log "bank-a submits htlc-swap.json: the bond locked on the chain for 90 s, the cash on sqlite-ledger"
  log "  for 60 s, under one sha256 hash of a secret only bank-a's router can derive"
  local rc=0 id
  ctl bank-a plan submit "$WORK/swap.json" --wait | tee "$WORK/submit.out" || rc=$?
  id=$(head -1 "$WORK/submit.out")
  log "what each router did (one log line per state change)"
  for org in bank-a bank-b bank-c; do
    grep -F "$id" "$WORK/$org.log" | sed -E "s/^[^ ]+ [a-z]+ /  $org: /; s/$id/<plan>/"
  done
  log "the locks and claims, as the ledgers recorded them"
  echo " the chain (escrow events, read with eth_getLogs):"
  echo "  Locked events: $(chain_count "$LOCKED_EVENT")"
  chain_claims | sed -E "s/^sender $BANK_B_CHAIN_ADDRESS/sent by bank-b's key $BANK_B_CHAIN_ADDRESS,/;
    s/beneficiary $($CHAIN "$ANVIL_URL" address "$BUYER")/paying the buyer's address $($CHAIN "$ANVIL_URL" address "$BUYER"),/;
    s/^/  Claimed: /"
  echo " the cash ledger (its database):"
  htlc_cash_view
  local hash preimage
  hash=$(plan_field bank-b "$id" "r['execution']['plan']['instructions'][0]['hold']['hashLock']['hash']")
  preimage=$(chain_claims | head -1 | awk '{print $6}')
  log "the preimage the chain's Claimed event revealed, checked by hand"
  echo "  preimage         = $preimage"
  echo "  H (in the plan)  = $hash"
  echo "  sha256(preimage) = $(python3 -c "import hashlib,sys; print(hashlib.sha256(bytes.fromhex(sys.argv[1])).hexdigest())" "$preimage")"
  log "the same execution seen by each router"
  for org in bank-a bank-b bank-c; do
    echo "  $org: $(plan_field "$org" "$id" "r['execution']['executionPlanStatus'] + ', journal head ' + r['journalHeadHash'][:16]")"
  done
  log "balances after"
  htlc_balances
  return $rc
}
