#!/usr/bin/env bash
# The Byzantine suite against live routers (issue 13): bank-a, bank-b and bank-c are real
# finp2p-execd processes; everything bank-b sends bank-a goes through tests/e2e/byzantine_relay,
# which first sends bank-a every mutation of that message (each set field at any depth,
# re-sealed with bank-b's key), the message sealed by bank-a and by bank-c (the observer), and
# with its inner signature made by their keys, and checks after each that bank-a's journal and
# ledger files did not change and that the answer was a refusal. Two real plans: a DvP issued by
# bank-b (proposal, plan approval, the payment's completion, completion approvals, and the
# completion rejections bank-b could have sent) and one bank-b rejects (plan rejection). Both
# must then end as they would have without the relay.
source "$(dirname "$0")/harness.sh"
AGREEMENT_TIMEOUT=600
network_init "$WORK"
RELAY_PORT=$(free_port)
# bank-b reaches bank-a through the relay.
sed -i "s/127.0.0.1:${PEER_PORT[bank-a]}/127.0.0.1:$RELAY_PORT/" "$WORK/bank-b.toml"
network_up
"$BIN/byzantine_relay" --listen "$RELAY_PORT" --target "127.0.0.1:${PEER_PORT[bank-a]}" \
  --sender bank-b --receiver bank-a \
  --key "bank-a=$WORK/bank-a.key" --key "bank-b=$WORK/bank-b.key" --key "bank-c=$WORK/bank-c.key" \
  --state "$WORK/bank-a.journal.db" --state "$WORK/bank-a.securities.db" \
  --report "$WORK/byzantine.report" > "$WORK/relay.out" 2>&1 &
RELAY=$!
stop_relay() { kill "$RELAY" 2>/dev/null || true; wait "$RELAY" 2>/dev/null || true; }
trap 'stop_relay; cleanup' EXIT
for _ in $(seq 1 50); do grep -q listening "$WORK/relay.out" && break; sleep 0.1; done

id=$(submit_fresh bank-b "$SRC/docs/examples/dvp.json")
for org in bank-a bank-b bank-c; do
  expect_eq "$(wait_terminal "$org" "$id" 240)" completed "$org status of the DvP"
done
same_head_everywhere "$id"
expect_eq "$(available bank-a securities "$SELLER" "$BOND")" 900 "seller bonds"
expect_eq "$(available bank-a securities "$BUYER" "$BOND")" 100 "buyer bonds"
expect_eq "$(available bank-b cash "$BUYER" USD)" 989500 "buyer USD"

derive_plan dvp.json "$WORK/eur.json" 'p["instructions"][1]["transfer"]["asset"]["id"] = "EUR"'
id2=$(submit_fresh bank-a "$WORK/eur.json")
for org in bank-a bank-b bank-c; do
  expect_eq "$(wait_terminal "$org" "$id2" 120)" rejected "$org status of the rejected plan"
done
expect_eq "$(available bank-a securities "$SELLER" "$BOND")" 900 "seller bonds after the rejection"

stop_relay
trap cleanup EXIT
set +e
code=0
grep -q "byzantine relay:.* 0 findings" "$WORK/relay.out" || code=1
cat "$WORK/relay.out"
grep FINDING "$WORK/byzantine.report" | head -40
[ $code -eq 0 ] || fail "the Byzantine relay has findings (above)"
echo "ok"
