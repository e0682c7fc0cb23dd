#!/usr/bin/env bash
# Issue 14, defect 6: the conformance runner catches what vendors get wrong, with a message
# that says what to fix. $1 = the runner, $2 = the misbehaving fixture, $3 = a scratch dir.
set -u
RUNNER=$1 FIXTURE=$2 DIR=$3
fail() { echo "FAIL: $*"; exit 1; }
run() {  # run MODE: the runner's output against the fixture in that mode; never hangs
  printf '[conformance]\nasset = "USD"\ndecimals = 2\n[config]\nmode = "%s"\n' "$1" > "$DIR/$1.toml"
  timeout 300 "$RUNNER" --plugin "$FIXTURE" --config "$DIR/$1.toml" 2>&1
  echo "exit=$?"
}
out=$(run hang)
[[ $out == *"exit=1"* ]] || fail "a plugin that never completes did not fail the run: $(tail -3 <<<"$out")"
[[ $out == *"the plugin did not complete issue conf-"* ]] || fail "no message naming the operation that did not complete: $(grep -m3 -i fail <<<"$out")"
echo "ok"
