#!/usr/bin/env bash
# Investor signatures between real routers (issue 16). bank-a refuses to submit a plan that moves
# the seller's bond without the seller's signature. With require_investor_signatures = false,
# bank-a proposes it anyway; bank-b, which requires them, rejects it to everyone with a reason
# naming the seller and the field, and no ledger is touched.
source "$(dirname "$0")/harness.sh"
AGREEMENT_TIMEOUT=8
network_init "$WORK"
echo "require_investor_signatures = false" | cat - "$WORK/bank-a.toml" > "$WORK/a.toml" &&
  mv "$WORK/a.toml" "$WORK/bank-a.toml"
network_up

# The seller's signature removed, nothing re-signed.
python3 - "$SRC/docs/examples/dvp.json" "$WORK/unsigned.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
del p["intent"]["intent"]["investors"][0]["signature"]
json.dump(p, open(sys.argv[2], "w"))
PY
"$BIN/finp2p-execctl" plan validate "$WORK/unsigned.json" >/dev/null 2>&1 &&
  fail "plan validate accepted the unsigned plan"

# bank-b as issuer requires signatures: the submission is refused, naming investor and field.
out=$(ctl bank-b plan submit --new-id "$WORK/unsigned.json" 2>&1) && fail "bank-b submitted it: $out"
[[ $out == *"instructions[0].hold.source: investor $SELLER"* ]] || fail "bank-b's refusal: $out"

# bank-a does not require them and proposes it; bank-b rejects it.
id=$(ctl bank-a plan submit --new-id "$WORK/unsigned.json")
for org in bank-a bank-b bank-c; do
  expect_eq "$(wait_terminal "$org" "$id")" rejected "$org status"
done
reason=$(plan_field bank-a "$id" "r['failureReason']")
[[ $reason == *"rejected by bank-b"*"investor signatures: instructions[0].hold.source: investor $SELLER"* ]] ||
  fail "reason: $reason"
expect_eq "$(plan_field bank-a "$id" "len(r['execution'].get('events', []))")" 0 "nothing executed"
ctl bank-a ledger balance securities "$SELLER" "$BOND" | grep -q "available 1000, held 0" ||
  fail "the bond ledger was touched"

# A forged signature is rejected whatever the setting: bank-a refuses it itself.
python3 - "$SRC/docs/examples/dvp.json" "$WORK/forged.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
inv = p["intent"]["intent"]["investors"]
inv[0]["signature"] = inv[1]["signature"]  # the buyer's signature under the seller's finId
json.dump(p, open(sys.argv[2], "w"))
PY
out=$(ctl bank-a plan submit --new-id "$WORK/forged.json" 2>&1) && fail "bank-a submitted a forged plan"
[[ $out == *"intent.intent.investors[0].signature: investor $SELLER"* ]] || fail "forged: $out"

# The signed example settles.
id2=$(submit_fresh bank-a "$SRC/docs/examples/dvp.json")
for org in bank-a bank-b bank-c; do
  expect_eq "$(wait_terminal "$org" "$id2")" completed "$org status of the signed plan"
done

# A signed trade settles once (F4 of the 2026-12-03 review: the same file with --new-id settled
# five times). The issuer refuses it again, and so does bank-b, which took part in the first
# plan, were it to issue it; signed anew by its investors, it settles.
cp "$SRC/docs/examples/dvp.json" "$WORK/once.json" && sign_plan "$WORK/once.json"
id3=$(ctl bank-a plan submit --new-id "$WORK/once.json")
for org in bank-a bank-b bank-c; do
  expect_eq "$(wait_terminal "$org" "$id3")" completed "$org status of the first settlement"
done
for org in bank-a bank-b; do
  out=$(ctl "$org" plan submit --new-id "$WORK/once.json" 2>&1) && fail "$org settled it twice: $out"
  [[ $out == *"was used by plan $id3 (completed); a signed intent settles once"* ]] ||
    fail "$org's refusal of the second settlement: $out"
done
sign_plan "$WORK/once.json"
id4=$(ctl bank-a plan submit --new-id "$WORK/once.json")
expect_eq "$(wait_terminal bank-a "$id4")" completed "signed again"
echo "ok"
