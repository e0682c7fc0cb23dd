#!/usr/bin/env bash
# A repo: opening DvP, Await until maturity (a few seconds), closing DvP the other way.
source "$(dirname "$0")/harness.sh"
network_init "$WORK"
network_up

derive_plan repo.json "$WORK/repo.json" 'p["instructions"][4]["await"]["waitUntil"] = int(time.time()) + 3'
start=$(date +%s)
id=$(submit_fresh bank-a "$WORK/repo.json")
for org in bank-a bank-b bank-c; do
  expect_eq "$(wait_terminal "$org" "$id" 40)" completed "$org status"
done
[ $(( $(date +%s) - start )) -ge 2 ] || fail "the Await did not wait"
same_head_everywhere "$id"
expect_eq "$(available bank-a securities "$SELLER" "$BOND")" 1000 "bonds back with the borrower"
expect_eq "$(available bank-b cash "$BUYER" USD)" 1000050 "lender got the repurchase price"
expect_eq "$(available bank-b cash "$SELLER" USD)" 50 "borrower paid the interest"
echo "ok"
