#!/usr/bin/env bash
# One peer cannot fill a router: bank-b takes at most 2 plans in flight from bank-a. A third is
# refused (code 10, "its limit") and retried by bank-a's outbox until a slot frees; all complete.
# bank-c takes one new plan per minute from bank-a: the next ones are refused with 10 too.
source "$(dirname "$0")/harness.sh"
network_init "$WORK"
echo "max_plans_in_flight_per_peer = 2" | cat - "$WORK/bank-b.toml" > "$WORK/b.toml" && mv "$WORK/b.toml" "$WORK/bank-b.toml"
echo "max_plans_per_peer_per_minute = 1" | cat - "$WORK/bank-c.toml" > "$WORK/c.toml" && mv "$WORK/c.toml" "$WORK/bank-c.toml"
network_up
derive_plan dvp.json "$WORK/slow.json" '
import copy
wait = copy.deepcopy(p["instructions"][0])
del wait["hold"]
wait.pop("timeoutSeconds", None)
wait["await"] = {"waitUntil": int(time.time()) + 4}
for i in p["instructions"]:
    i["sequence"] += 1
    for t in i.get("transitions", {}).values():
        if "sequence" in t: t["sequence"] += 1
    for k in ("release", "revertHold"):
        if k in i: i[k]["holdInstructionSequence"] += 1
wait["sequence"] = 1
p["instructions"].insert(0, wait)'
ids=()
for _ in 1 2 3; do ids+=("$(submit_fresh bank-a "$WORK/slow.json")"); done
reported=0
for _ in $(seq 1 150); do
  grep -q "peer bank-a has 2 plans in flight at bank-b, its limit" "$WORK/bank-a.log" "$WORK/bank-b.log" &&
    reported=1 && break
  sleep 0.1
done
[ $reported = 1 ] || fail "the per-peer limit was not reported"
for id in "${ids[@]}"; do expect_eq "$(wait_terminal bank-b "$id" 30)" completed "plan after the limit"; done
grep -q "refused message .* (code 10): peer bank-a has proposed 1 plans to bank-c in the last minute, its limit" \
  "$WORK/bank-c.log" || fail "the per-minute plan limit was not applied"
grep -q "(code 10): peer bank-a has 2 plans in flight at bank-b, its limit" "$WORK/bank-b.log" ||
  fail "the plans-in-flight limit is not answered with code 10"
echo "ok"
