#!/usr/bin/env bash
# Forged, replayed, stale, misaddressed and unauthorized messages against a live router: each is
# refused with a clear status (or, for a replay, answered idempotently), and the router's plans
# are unaffected.
source "$(dirname "$0")/harness.sh"
HOSTILE=$BIN/hostile_peer
network_init "$WORK"
network_up

id=$(submit_fresh bank-a "$SRC/docs/examples/dvp.json")
expect_eq "$(wait_terminal bank-a "$id")" completed "plan before the attacks"
head=$(plan_field bank-a "$id" "r['journalHeadHash']")
# A plan bank-c takes no part in.
derive_plan dvp.json "$WORK/ab.json" 'p["participants"] = p["participants"][:2]'
id2=$(submit_fresh bank-a "$WORK/ab.json")
expect_eq "$(wait_terminal bank-a "$id2")" completed "two-party plan"

"$BIN/finp2p-execctl" keys generate "$WORK/forger" >/dev/null
send() {  # send AS KEY MODE PLAN [extra...]
  local as=$1 key=$2 mode=$3 plan=$4
  shift 4
  "$HOSTILE" --target "127.0.0.1:${PEER_PORT[bank-a]}" --to bank-a --as "$as" --key "$key" \
    --plan "$plan" --mode "$mode" "$@"
}
expect_answer() {  # expect_answer OUTPUT CODE TEXT
  [[ $1 == *"code=$2 "*"$3"* ]] || fail "expected code $2 with \"$3\", got: $1"
}

expect_answer "$(send bank-b "$WORK/forger.key" approve "$id")" 4 "does not verify"
expect_answer "$(send bank-z "$WORK/forger.key" approve "$id")" 5 'unknown sender "bank-z"'
expect_answer "$(send bank-b "$WORK/bank-b.key" wrong-receiver "$id")" 5 'addressed to "bank-x"'
expect_answer "$(send bank-b "$WORK/bank-b.key" stale "$id" --message-id s1)" 6 "stale message"
expect_answer "$(send bank-b "$WORK/bank-b.key" future "$id" --message-id f1)" 6 "future-dated"
# A body that is not a protobuf message is answered with a sealed validation status.
expect_answer "$(send bank-b "$WORK/bank-b.key" garbage "$id")" 1 \
  "malformed body: not a finp2p.execution.SignedProposeRequest (sealed by bank-a)"
# Timestamps at the ends of int64 are stale / future-dated, not an overflowed distance.
expect_answer "$(send bank-b "$WORK/bank-b.key" int64-min "$id" --message-id t1)" 6 \
  "stale message: 92233"
expect_answer "$(send bank-b "$WORK/bank-b.key" int64-max "$id" --message-id t2)" 6 \
  "future-dated message: 92233"
expect_answer "$(send bank-b "$WORK/bank-b.key" propose-foreign-plan "$id" --message-id p1)" 5 \
  "only its issuing organization"
expect_answer "$(send bank-b "$WORK/bank-b.key" approve "$id" --message-id late1)" 0 \
  "already ended completed; nothing changed"

# A proposal of a million duplicate roles is refused on its structure, before it is copied into
# an event, validated or journaled; twenty of them leave the router's memory about where it was.
rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/${PID[bank-a]}/status"; }
roles_round() {
  for n in $(seq 1 20); do
    out=$(send bank-b "$WORK/bank-b.key" many-roles "bank-b:106:$(python3 -c 'import uuid; print(uuid.uuid4())')" \
      --message-id "roles-$1-$n")
    expect_answer "$out" 1 "over a structural limit: executionPlan.plan.participants[0].roles: 1000000 entries"
  done
}
before=$(rss)
roles_round 1
first=$(rss)
roles_round 2
second=$(rss)
echo "bank-a resident memory: ${before} kB, after 20 one-megabyte proposals ${first} kB, after 20 more ${second} kB"
# Returned, not only bounded (issue 13): the parse of each refused message is given back. Before
# finp2p-execd fixed glibc's mmap threshold, each round left 11-19 MB resident; after, 3-4 MB.
for after in "$first" "$second"; do
  [ $((after - before)) -lt 8192 ] || fail "memory grew by $((after - before)) kB and stayed"
done
# A planted plan (issue 13): a proposal from an issuer outside the plan, an approval or a
# rejection for an id nobody proposed, is refused and leaves nothing behind, and no admin query
# of that id can crash the router.
planted="bank-b:106:$(python3 -c 'import uuid; print(uuid.uuid4())')"
expect_answer "$(send bank-b "$WORK/bank-b.key" propose-foreign-plan "$planted" --message-id x1)" \
  5 "bank-b is not a participant of plan $planted"
expect_answer "$(send bank-b "$WORK/bank-b.key" approve "$planted" --message-id x2)" 7 \
  "unknown plan $planted"
expect_answer "$(send bank-b "$WORK/bank-b.key" reject "$planted" --message-id x3)" 7 \
  "unknown plan $planted"
ctl bank-a plan show "$planted" >/dev/null 2>&1 && fail "the planted plan left a row"
ctl bank-a plan list >/dev/null || fail "the router did not survive plan show of a planted id"
expect_eq "$(ctl bank-a plan list --status proposed | grep -c "$planted" || true)" 0 "planted rows"

# A message from a router that is not a participant of an unfinished plan.
derive_plan dvp.json "$WORK/slow.json" 'p["participants"] = p["participants"][:2]; p["instructions"].insert(0, dict(p["instructions"][0], sequence=0))'
# (The plan above is invalid on purpose and is refused at submit: nothing to test with it.)
ctl bank-a plan submit --new-id "$WORK/slow.json" >/dev/null 2>&1 && fail "an invalid plan was accepted"

# bank-c is not a participant of id2: refused once bank-a knows the plan is over? It is terminal,
# so bank-a answers idempotently; use a live plan instead: stop bank-b so the next plan waits.
router_stop bank-b
id3=$(submit_fresh bank-a "$WORK/ab.json")
id4=$(submit_fresh bank-a "$SRC/docs/examples/dvp.json")
expect_answer "$(send bank-c "$WORK/bank-c.key" approve "$id4" --message-id o1)" 5 "observer"
expect_answer "$(send bank-c "$WORK/bank-c.key" approve "$id3" --message-id n1)" 5 "not a participant"
expect_answer "$(send bank-c "$WORK/bank-c.key" completion "$id3" --message-id n2)" 5 "not a participant"

# A replay: the same message twice is answered idempotently and changes nothing.
out=$(send bank-b "$WORK/bank-b.key" approve "$id" --message-id r1 --repeat 2)
[[ $(echo "$out" | sed -n 2p) == "code=0 duplicate"* ]] || fail "replay not recognized: $out"

router_start bank-b
expect_eq "$(wait_terminal bank-a "$id3")" completed "the live plan after the attacks"
expect_eq "$(wait_terminal bank-a "$id4")" completed "the observed plan after the attacks"
expect_eq "$(plan_field bank-a "$id" "r['journalHeadHash']")" "$head" "finished plan unchanged"
grep -q "refused message" "$WORK/bank-a.log" || fail "refusals are not logged"
echo "ok"
