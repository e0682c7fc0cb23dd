#!/usr/bin/env bash
# A second implementation takes part in a real plan: bank-a is a real router, bank-b is
# tests/e2e/second_peer.py, written from docs/protocol.md alone. bank-b approves the plan and
# each of bank-a's completions (after checking the receipt); the plan completes on bank-a, and
# the agreed chain head bank-b computed itself equals bank-a's journalHeadHash.
source "$(dirname "$0")/harness.sh"
ORGS=(bank-a bank-b)
network_init "$WORK"
router_start bank-a
# A two-party plan that moves the bond on bank-a's ledger: hold, then release to the buyer.
derive_plan dvp.json "$WORK/two.json" '
p["participants"] = p["participants"][:2]
p["instructions"] = [i for i in p["instructions"] if i["sequence"] in (1, 3)]'
/usr/bin/python3 "$SRC/tests/e2e/second_peer.py" --org bank-b --key "$WORK/bank-b.key" \
  --listen "127.0.0.1:${PEER_PORT[bank-b]}" \
  --peer "bank-a=127.0.0.1:${PEER_PORT[bank-a]}=$WORK/bank-a.pub" --plan-timeout 60 \
  > "$WORK/second_peer.out" 2>&1 &
PEER=$!
for _ in $(seq 1 50); do grep -q listening "$WORK/second_peer.out" && break; sleep 0.1; done
id=$(ctl bank-a plan submit "$WORK/two.json")
expect_eq "$(wait_terminal bank-a "$id" 60)" completed "plan with the second implementation"
wait $PEER || fail "the second peer failed: $(cat "$WORK/second_peer.out")"
theirs=$(sed -n 's/^head //p' "$WORK/second_peer.out")
ours=$(plan_field bank-a "$id" "r['journalHeadHash']")
expect_eq "$theirs" "$ours" "the second implementation's agreed chain head"
expect_eq "$(available bank-a securities "$BUYER" "$BOND")" 100 "bond released to the buyer"
echo "agreed chain head $ours, computed by both implementations"
echo "ok"
