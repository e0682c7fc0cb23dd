#!/usr/bin/env bash
# A bad network: every router is reached through a relay that drops 10 % of requests, loses 5 %
# of answers (the request was delivered), duplicates 10 % and delays up to 20 ms (reordering
# messages in parallel). 500 DvPs must all end completed on every router, with the same journal
# head everywhere and exact balances.
source "$(dirname "$0")/harness.sh"
PLANS=${PLANS:-500}
# The agreement deadline must not be what ends plans here: 500 plans queue up at once on a
# machine that may be running other tests.
AGREEMENT_TIMEOUT=900
network_init "$WORK"
declare -A RELAY_PORT RELAY_PID
for org in "${ORGS[@]}"; do RELAY_PORT[$org]=$(free_port); done
for org in "${ORGS[@]}"; do
  for peer in "${ORGS[@]}"; do
    sed -i "s/127.0.0.1:${PEER_PORT[$peer]}\"$/127.0.0.1:${RELAY_PORT[$peer]}\"/" "$WORK/$org.toml"
  done
  # the router itself still listens on its own port
  sed -i "s/^listen = .*/listen = \"127.0.0.1:${PEER_PORT[$org]}\"/" "$WORK/$org.toml"
done
seed=1
for org in "${ORGS[@]}"; do
  "$BIN/fault_relay" --listen "${RELAY_PORT[$org]}" --target "127.0.0.1:${PEER_PORT[$org]}" \
    --drop 0.10 --lose-answer 0.05 --duplicate 0.10 --max-delay-ms 20 --seed $((seed++)) \
    > "$WORK/relay-$org.log" 2>&1 &
  RELAY_PID[$org]=$!
done
stop_relays() {
  for org in "${ORGS[@]}"; do kill "${RELAY_PID[$org]}" 2>/dev/null || true; done
  for org in "${ORGS[@]}"; do wait "${RELAY_PID[$org]}" 2>/dev/null || true; done
}
trap 'rc=$?; stop_relays; (exit $rc); cleanup' EXIT
network_up

derive_plan dvp.json "$WORK/small.json" '
for i in p["instructions"]:
    for k in ("hold", "transfer", "release"):
        if k in i: i[k]["amount"] = "1.00" if k == "transfer" else "1"'
# Each settlement signed by its investors (a router takes a signature in one plan only).
for n in $(seq 1 "$PLANS"); do cp "$WORK/small.json" "$WORK/small-$n.json" && sign_plan "$WORK/small-$n.json"; done
seq 1 "$PLANS" | xargs -P 8 -I{} "$BIN/finp2p-execctl" --admin "127.0.0.1:${ADMIN_PORT[bank-a]}" \
  plan submit --new-id "$WORK/small-{}.json" > "$WORK/ids" || fail "a submit failed"
expect_eq "$(wc -l < "$WORK/ids")" "$PLANS" "plans submitted"

for _ in $(seq 1 600); do
  done_all=1
  for org in "${ORGS[@]}"; do
    n=$(ctl "$org" plan list --limit 100000 | grep -c " completed " || true)
    [ "$n" -eq "$PLANS" ] || done_all=0
  done
  [ $done_all = 1 ] && break
  sleep 1
done
for org in "${ORGS[@]}"; do
  ctl "$org" plan list --limit 100000 | awk '{print $1, $2, $6}' | sort > "$WORK/$org.plans"
  expect_eq "$(grep -c " completed " "$WORK/$org.plans")" "$PLANS" "$org completed plans"
done
cmp -s "$WORK/bank-a.plans" "$WORK/bank-b.plans" || fail "bank-a and bank-b diverge"
cmp -s "$WORK/bank-a.plans" "$WORK/bank-c.plans" || fail "bank-a and bank-c diverge"
expect_eq "$(available bank-a securities "$SELLER" "$BOND")" $((1000 - PLANS)) "seller bonds"
expect_eq "$(available bank-a securities "$BUYER" "$BOND")" "$PLANS" "buyer bonds"
expect_eq "$(available bank-b cash "$BUYER" USD)" $((1000000 - PLANS)) "buyer USD"
expect_eq "$(available bank-b cash "$SELLER" USD)" $((100 + PLANS)) "seller USD"
stop_relays
cat "$WORK"/relay-*.log
dropped=$(cat "$WORK"/relay-*.log | awk '{s += $4} END {print s}')
[ "${dropped:-0}" -gt 0 ] || fail "the relays injected no faults"
echo "ok"
