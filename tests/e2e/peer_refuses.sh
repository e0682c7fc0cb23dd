#!/usr/bin/env bash
# Regression (F27, docs/reviews/2026-12-03-newcomer-issues-16-17.md): bank-c is configured with
# the wrong public key for bank-a (bank-b's), so it refuses every message of bank-a with code 4.
# bank-a's `peer list` and /api/peers must say that bank-c refuses our messages, and why; once
# bank-c's key is fixed and bank-c restarted, the refused messages must reach it with no other
# operator action: bank-c ends with the plan, in the same status and the same journal head,
# also when bank-a restarted in between.
# Before the fix bank-a showed bank-c "reachable, 0 queued" and bank-c never learnt the plan.
source "$(dirname "$0")/harness.sh"
AGREEMENT_TIMEOUT=4
network_init "$WORK"
METRICS_PORT=$(free_port)
sed -i "1a metrics_listen = \"127.0.0.1:$METRICS_PORT\"" "$WORK/bank-a.toml"
# bank-c's [[peer]] table for bank-a names bank-b's key.
sed -i '/^organization = "bank-a"$/,/^public_key/ s/^public_key = "bank-a.pub"$/public_key = "bank-b.pub"/' \
  "$WORK/bank-c.toml"
grep -q 'public_key = "bank-b.pub"' <(sed -n '/^organization = "bank-a"$/,/^public_key/p' "$WORK/bank-c.toml") ||
  fail "the test did not give bank-c the wrong key"
network_up

id=$(ctl bank-a plan submit --new-id "$SRC/docs/examples/dvp.json")
for org in bank-a bank-b; do
  expect_eq "$(wait_terminal "$org" "$id")" completed "$org status"
done
ctl bank-c plan show "$id" >/dev/null 2>&1 && fail "bank-c has the plan although it refuses bank-a"
grep -q 'seal does not verify' "$WORK/bank-c.log" || fail "bank-c does not say why it refuses"

# bank-a's view of bank-c: refusing, with the code and the reason, the refused messages held.
line=""
for _ in $(seq 1 300); do
  line=$(ctl bank-a peer list | grep '^bank-c ')
  case $line in *"REFUSING our messages (code 4: seal does not verify"*"held for re-delivery"*) break ;; esac
  sleep 0.1
done
case $line in
  *"REFUSING our messages (code 4: seal does not verify"*"held for re-delivery"*"refused since the start"*) ;;
  *) fail "bank-a's peer list does not show bank-c refusing: $line" ;;
esac
case $line in *" 0 queued"*) fail "bank-a shows no message owed to bank-c: $line" ;; esac
# The status page's JSON says the same.
curl -sf "http://127.0.0.1:$METRICS_PORT/api/peers" | python3 -c '
import json, sys
peers = {p["organization"]: p for p in json.load(sys.stdin)["peers"]}
c = peers["bank-c"]
assert c["state"].startswith("refusing our messages (code 4: "), c
assert c["lastRefusalCode"] == 4 and int(c["heldForRedelivery"]) > 0, c
assert int(c["refusedMessages"]) >= int(c["heldForRedelivery"]), c
assert int(c["lastRefusalAtMillis"]) > 0 and "seal does not verify" in c["lastRefusalMessage"], c
assert peers["bank-b"]["state"] == "reachable", peers["bank-b"]
' || fail "/api/peers does not show bank-c refusing"
metrics=$(curl -sf "http://127.0.0.1:$METRICS_PORT/metrics") || fail "GET /metrics on bank-a"
grep -Eq '^finp2p_outbox_held_messages\{peer="bank-c"\} [1-9]' <<<"$metrics" ||
  fail "bank-a's metrics show no message held for bank-c: $(grep held_messages <<<"$metrics")"

# A restart of bank-a meanwhile loses nothing: the held messages were not settled, so its
# recovery re-sends them, and bank-c refuses them again.
router_stop bank-a
router_start bank-a
refusing_again=""
for _ in $(seq 1 300); do
  line=$(ctl bank-a peer list | grep '^bank-c ')
  case $line in *"REFUSING our messages (code 4: "*"held for re-delivery"*) refusing_again=1; break ;; esac
  sleep 0.1
done
[ -n "$refusing_again" ] || fail "after bank-a's restart it holds nothing for bank-c: $line"

# The operator fixes bank-c's key and restarts it: nothing else.
router_stop bank-c
sed -i '/^organization = "bank-a"$/,/^public_key/ s/^public_key = "bank-b.pub"$/public_key = "bank-a.pub"/' \
  "$WORK/bank-c.toml"
sed -n '/^organization = "bank-b"$/,/^public_key/p' "$WORK/bank-c.toml" | grep -q 'public_key = "bank-b.pub"' ||
  fail "the test broke bank-c's key for bank-b"
router_start bank-c
# Held messages are re-sent with a backoff of at most 60 s.
expect_eq "$(wait_terminal bank-c "$id" 120)" completed "bank-c status once its key is fixed"
same_head_everywhere "$id"

for _ in $(seq 1 300); do
  line=$(ctl bank-a peer list | grep '^bank-c ')
  case $line in *": reachable, 0 queued"*) break ;; esac
  sleep 0.1
done
case $line in
  *": reachable, 0 queued, "*"refused since the start"*) ;;
  *) fail "bank-a's peer list after the fix: $line" ;;
esac
grep -q "accepted after" "$WORK/bank-a.log" || fail "bank-a did not log the re-delivery"
echo "ok"
