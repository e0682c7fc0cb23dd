#!/usr/bin/env bash
# finp2p-execctl plan validate, as an operator runs it: valid examples exit 0 with a summary,
# the broken one exits 1 naming every violated field, a missing file exits 3, bad usage 2.
set -u
ctl=$1 examples=$2
fail() { echo "FAIL: $*"; exit 1; }

for plan in dvp dvp-payment-fails repo htlc-swap; do
  out=$("$ctl" plan validate "$examples/$plan.json" 2>&1) || fail "$plan.json: exit $?: $out"
  [[ $out == *"valid plan bank-a:106:"* ]] || fail "$plan.json: no summary: $out"
done

out=$("$ctl" plan validate "$examples/broken.json" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "broken.json: exit $rc, expected 1"
for field in 'participants[3].organizationID' 'instructions[0].organizations[0]: "bank-c" is not a contributor' \
  'instructions[1].transfer.amount: invalid amount "1e3"' 'instructions[1].planId' \
  'instructions[2].release.holdInstructionSequence' 'instructions[3].sequence' \
  'instructions[3].transitions.onSuccess.sequence'; do
  [[ $out == *"$field"* ]] || fail "broken.json: output does not name $field: $out"
done

# The examples carry their investors' signatures; without the seller's, the hold is not covered.
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
python3 - "$examples/dvp.json" "$work/unsigned.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
del p["intent"]["intent"]["investors"][0]["signature"]
json.dump(p, open(sys.argv[2], "w"))
PY
out=$("$ctl" plan validate "$work/unsigned.json" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "unsigned.json: exit $rc, expected 1: $out"
[[ $out == *"instructions[0].hold.source: investor 02466d7f"* ]] || fail "unsigned.json: $out"
"$ctl" plan validate --allow-unsigned "$work/unsigned.json" >/dev/null 2>&1 ||
  fail "unsigned.json with --allow-unsigned: refused"
"$ctl" plan sign "$work/unsigned.json" --key "$examples/investors/seller.key" >/dev/null ||
  fail "plan sign failed"
"$ctl" plan validate "$work/unsigned.json" >/dev/null 2>&1 || fail "signed again: still refused"

"$ctl" plan validate /nonexistent/plan.json >/dev/null 2>&1; rc=$?
[ $rc -eq 3 ] || fail "missing file: exit $rc, expected 3"
"$ctl" plan >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "usage error: exit $rc, expected 2"
echo "ok"
