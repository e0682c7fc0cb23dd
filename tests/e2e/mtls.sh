#!/usr/bin/env bash
# mTLS between routers: with certificates from the network's CA a DvP completes; a router whose
# certificate comes from another CA cannot connect, and the logs say why.
source "$(dirname "$0")/harness.sh"
network_init "$WORK"
"$SRC/scripts/dev-pki" "$WORK" "${ORGS[@]}"
for org in "${ORGS[@]}"; do
  printf '\n[tls]\ncertificate = "%s.crt"\nprivate_key = "%s.tls.key"\nca = "ca.crt"\n' "$org" "$org" >> "$WORK/$org.toml"
done
network_up
id=$(submit_fresh bank-a "$SRC/docs/examples/dvp.json")
for org in "${ORGS[@]}"; do expect_eq "$(wait_terminal "$org" "$id")" completed "$org over mTLS"; done
same_head_everywhere "$id"

# bank-c's certificate with bank-b's sealing key: the seal verifies, the TLS identity does not.
out=$("$BIN/hostile_peer" --target "127.0.0.1:${PEER_PORT[bank-a]}" --to bank-a --as bank-b \
  --key "$WORK/bank-b.key" --plan "$id" --mode approve --message-id tls1 \
  --tls-cert "$WORK/bank-c.crt" --tls-key "$WORK/bank-c.tls.key" --tls-ca "$WORK/ca.crt" --tls-name bank-a) ||
  fail "hostile_peer could not connect: $out"
[[ $out == *'code=5 the TLS certificate names "bank-c" but the message claims to come from "bank-b"'* ]] ||
  fail "TLS identity mismatch not refused: $out"

# bank-b comes back with a certificate for "bank-b" signed by a rogue CA.
router_stop bank-b
"$SRC/scripts/dev-pki" "$WORK/rogue" bank-b
cp "$WORK/rogue/bank-b.crt" "$WORK/bank-b.crt"
cp "$WORK/rogue/bank-b.tls.key" "$WORK/bank-b.tls.key"
router_start bank-b
id2=$(submit_fresh bank-a "$SRC/docs/examples/dvp.json")
sleep 3
expect_eq "$(plan_field bank-a "$id2" "r['execution']['executionPlanStatus']")" proposed \
  "a plan with an untrusted peer cannot progress"
grep -q "peer bank-b at .* unreachable" "$WORK/bank-a.log" || fail "bank-a does not say bank-b is unreachable"
grep -qiE "certificate verify failed|handshake fail" "$WORK/bank-a.log" "$WORK/bank-b.log" ||
  fail "no log names the certificate failure"
echo "ok"
