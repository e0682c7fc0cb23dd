# Common start of every end-to-end test: $1 = build bin dir, $2 = plugin dir, $3 = source dir.
# shellcheck shell=bash
set -euo pipefail
BIN=$1 PLUGIN_DIR=$2 SRC=$3
source "$SRC/tests/e2e/network.sh"
WORK=$(mktemp -d /tmp/finp2p-e2e.XXXXXX)
# cleanup [STATUS]: a test's own EXIT trap passes the status it saw (set -e is in force there).
cleanup() {
  local rc=${1:-$?}
  network_down
  rm -f "$FREE_PORTS_FILE"
  if [ $rc -ne 0 ]; then
    echo "---- router logs ($WORK) ----"
    for org in "${ORGS[@]}"; do echo "== $org"; tail -25 "$WORK/$org.log" 2>/dev/null || true; done
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
expect_eq() { [ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"; }
same_head_everywhere() {
  local id=$1 a b c
  a=$(plan_field bank-a "$id" "r['journalHeadHash']")
  b=$(plan_field bank-b "$id" "r['journalHeadHash']")
  c=$(plan_field bank-c "$id" "r['journalHeadHash']")
  [ -n "$a" ] && [ "$a" = "$b" ] && [ "$a" = "$c" ] || fail "journal heads differ: $a / $b / $c"
}
# ends_everywhere ID STATUS TIMEOUT WHAT: the plan reaches STATUS on bank-a, bank-b and bank-c.
ends_everywhere() {
  local org
  for org in bank-a bank-b bank-c; do
    expect_eq "$(wait_terminal "$org" "$1" "$3")" "$2" "$org status ($4)"
  done
}
# A plan file derived from an example by a python3 expression on `p` (the plan dict).
derive_plan() {
  local example=$1 out=$2 edit=$3
  python3 - "$SRC/docs/examples/$example" "$out" <<PY
import json, sys, time
p = json.load(open(sys.argv[1]))
$edit
json.dump(p, open(sys.argv[2], "w"))
PY
  sign_plan "$out"
}
