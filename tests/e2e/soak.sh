#!/usr/bin/env bash
# Soak of real routers: PLANS DvPs (about one in five designed to fail and compensate) across
# three contributors (bank-a bonds, bank-b cash, bank-c approving) and an observer (bank-d),
# submitted while KILLS random routers are killed with -9 at random moments and restarted after
# 0-2 s. The operator resubmits the same plan file (same plan id) until a router takes it. Then
# a checker compares every router's `plan show --json` (status and journal head) and the
# ledgers' balances against what the completed plans imply.
#   soak.sh BIN PLUGIN_DIR SRC [SEED] [PLANS] [KILLS]
source "$(dirname "$0")/harness.sh"
SEED=${4:-1} PLANS=${5:-60} KILLS=${6:-20}
RANDOM=$SEED
ORGS=(bank-a bank-b bank-c bank-d)
org_ledgers() {
  case $1 in
    bank-a) sqlite_ledger securities "$BOND" "{ account = \"$SELLER\", asset = \"$BOND\", amount = \"1000\" }" ;;
    bank-b) sqlite_ledger cash USD "{ account = \"$BUYER\", asset = \"USD\", amount = \"50000.00\" }" ;;
  esac
}
network_init "$WORK"
network_up
echo "soak seed $SEED: $PLANS plans, $KILLS kills"

# The plans: each with its own id (the file is resubmitted as is), issued by bank-a or bank-b.
python3 - "$SRC/docs/examples/dvp.json" "$WORK" "$PLANS" "$SEED" <<'PY'
import json, random, sys, uuid
src, work, plans, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(seed)
base = json.load(open(src))
with open(work + "/plans.txt", "w") as index:
    for n in range(plans):
        p = json.loads(json.dumps(base))
        issuer = rng.choice(["bank-a", "bank-b"])
        pid = "%s:106:%s" % (issuer, uuid.UUID(int=rng.getrandbits(128), version=4))
        p["id"]["id"] = pid
        p["participants"] = [{"organizationID": o, "roles": ["Contributor"]} for o in ["bank-a", "bank-b", "bank-c"]]
        p["participants"].append({"organizationID": "bank-d", "roles": ["Observer"]})
        fails = rng.random() < 0.2
        for i in p["instructions"]:
            i["planId"]["id"] = pid
            for k in ("hold", "release"):
                if k in i: i[k]["amount"] = "1"
            if "transfer" in i: i["transfer"]["amount"] = "1000000.00" if fails else "10.00"
        json.dump(p, open("%s/plan-%d.json" % (work, n), "w"))
        index.write("%d %s %s %s\n" % (n, issuer, pid, "fails" if fails else "settles"))
PY
for f in "$WORK"/plan-*.json; do sign_plan "$f"; done

submitter() {
  while read -r n issuer pid kind; do
    for _ in $(seq 1 200); do
      ctl "$issuer" plan submit "$WORK/plan-$n.json" >/dev/null 2>&1 && break
      sleep 0.2
    done
    sleep "0.$((RANDOM % 3))"
  done < "$WORK/plans.txt"
}
submitter &
SUBMITTER=$!

for k in $(seq 1 "$KILLS"); do
  sleep "$((RANDOM % 2)).$((RANDOM % 10))"
  victim=${ORGS[$((RANDOM % ${#ORGS[@]}))]}
  echo "kill $k: kill -9 $victim"
  router_kill9 "$victim"
  sleep "$((RANDOM % 2)).$((RANDOM % 10))"
  router_start "$victim" || fail "$victim did not restart"
done
wait "$SUBMITTER"

# Every router reaches the same terminal status and journal head for every plan.
completed=0 failed=0 rejected=0
while read -r n issuer pid kind; do
  status=""
  for org in "${ORGS[@]}"; do
    s=$(wait_terminal "$org" "$pid" 120) || fail "plan $n ($pid) not finished on $org: $s"
    [ -z "$status" ] && status=$s
    [ "$s" = "$status" ] || fail "plan $n ($pid): $org ended $s, another router $status"
  done
  a=$(plan_field bank-a "$pid" "r['journalHeadHash']")
  for org in bank-b bank-c bank-d; do
    [ "$(plan_field "$org" "$pid" "r['journalHeadHash']")" = "$a" ] || fail "plan $n: journal heads differ ($org)"
  done
  case "$kind/$status" in
    settles/completed) completed=$((completed + 1)) ;;
    fails/failed) failed=$((failed + 1)) ;;
    */rejected) rejected=$((rejected + 1)) ;;
    *) fail "plan $n ($kind) ended $status" ;;
  esac
done < "$WORK/plans.txt"

# The ledgers hold exactly what the completed plans imply, and nothing stays held.
ctl bank-a ledger balance securities "$SELLER" "$BOND" | grep -q "available $((1000 - completed)), held 0" ||
  fail "seller bonds: $(ctl bank-a ledger balance securities "$SELLER" "$BOND"), expected $((1000 - completed)) available"
ctl bank-a ledger balance securities "$BUYER" "$BOND" | grep -q "available $completed, held 0" ||
  fail "buyer bonds: $(ctl bank-a ledger balance securities "$BUYER" "$BOND"), expected $completed"
paid=$(python3 -c "print(f'{50000 - 10 * $completed:.2f}'.rstrip('0').rstrip('.'))")
ctl bank-b ledger balance cash "$BUYER" USD | grep -Eq "available $paid(\.0+)?, held 0" ||
  fail "buyer USD: $(ctl bank-b ledger balance cash "$BUYER" USD), expected $paid"
echo "ok: seed $SEED, $completed completed, $failed failed (compensated), $rejected rejected, $KILLS kills"
