#!/usr/bin/env bash
# The happy path of a hash time-locked swap: bank-a locks the bond, bank-b the cash under the
# same hash, bank-a claims the cash with its secret (the receipt reveals it), bank-b claims the
# bond with the preimage from that receipt. Every router checked hash(preimage) == H; balances
# moved exactly; the plan's secret was never in a message before the claim (nor in the plan).
source "$(dirname "$0")/harness.sh"
source "$(dirname "$0")/htlc.sh"
htlc_init
network_up

htlc_plan "$WORK/swap.json" 30 40
id=$(ctl bank-a plan submit --new-id "$WORK/swap.json")  # signed by its investors for this plan
for org in bank-a bank-b bank-c; do
  expect_eq "$(wait_terminal "$org" "$id" 30)" completed "$org status"
done
same_head_everywhere "$id"

hash=$(plan_field bank-b "$id" "r['execution']['plan']['instructions'][0]['hold']['hashLock']['hash']")
preimage=$(revealed_preimage bank-b "$id" 3)
[ -n "$preimage" ] || fail "the cash claim's receipt carries no preimage"
got=$(python3 -c "import hashlib,sys; print(hashlib.sha256(bytes.fromhex(sys.argv[1])).hexdigest())" "$preimage")
expect_eq "$got" "$hash" "sha256(revealed preimage)"
expect_eq "$(revealed_preimage bank-a "$id" 4)" "$preimage" "the bond claim used the revealed preimage"
# The secret left bank-a only with its claim: every journal row of any router that holds the
# preimage was written at or after the claim's transaction on the cash ledger.
claimed_at=$(python3 -c "import sqlite3; print(sqlite3.connect('$WORK/shared.cash.db').execute(\"SELECT timestamp FROM transactions WHERE type='claim'\").fetchone()[0])")
for org in bank-a bank-b bank-c; do
  python3 - "$WORK/$org.journal.db" "$preimage" "$claimed_at" <<'PY' || fail "$org had the preimage before the claim"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
needle, claimed_ms = sys.argv[2].encode(), int(sys.argv[3]) * 1000
rows = [(at, bytes(p)) for at, p in db.execute("SELECT at_ms, payload FROM events ORDER BY id")]
holding = [at for at, p in rows if needle in p]
assert holding, "the preimage never reached this router"
assert min(holding) >= claimed_ms, f"preimage journaled at {min(holding)} ms, the claim ran at {claimed_ms}"
PY
done

expect_eq "$(available bank-a securities "$SELLER" "$BOND")" 900 "seller bonds"
expect_eq "$(available bank-b securities "$BUYER" "$BOND")" 100 "buyer bonds"
expect_eq "$(available bank-a cash "$SELLER" USD)" 10600 "seller USD"
expect_eq "$(available bank-b cash "$BUYER" USD)" 989500 "buyer USD"
ctl bank-a ledger balance securities "$SELLER" "$BOND" | grep -q "held 0" || fail "bonds still held"

# Submitting the same file again under its id is the same plan (the secret is derived from the
# router's key and the plan id, so the hash is the same) and starts nothing new.
# (Not signed again: signing draws a new nonce, and that is a different plan.)
python3 - "$WORK/swap.json" "$WORK/again.json" "$id" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p['id']['id'] = sys.argv[3]
for i in p['instructions']: i['planId']['id'] = sys.argv[3]
json.dump(p, open(sys.argv[2], 'w'))
PY
out=$(ctl bank-a plan submit "$WORK/again.json" 2>&1) || true
[[ $out == *"nothing new"* ]] || fail "resubmission started a new plan: $out"
echo "ok"
