#!/usr/bin/env bash
# Issue 14, defect 6: the conformance runner catches what vendors get wrong, each with a message
# that says what to fix, and never cites a source file the vendor does not have. Also its config
# format: [config] or a router's [[ledger]] / [ledger.config] works, anything else is refused.
# $1 = the runner, $2 = the fixture plugins' directory, $3 = a scratch dir.
set -u
RUNNER=$1 FIXTURES=$2 DIR=$3/catches
rm -rf "$DIR" && mkdir -p "$DIR"
MISBEHAVING=$FIXTURES/libfixture_misbehaving.so
FAULTY=$FIXTURES/libfixture_faulty_ledger.so
fail() { echo "FAIL: $*"; exit 1; }
runner() {  # runner PLUGIN TOML [GTEST FLAGS]: the runner's output, then exit=CODE; never hangs
  timeout 300 "$RUNNER" --plugin "$1" --config "$2" --gtest_brief=1 "${@:3}" 2>&1
  echo "exit=$?"
}
faulty() {  # faulty FAULT: the runner against the faulty ledger with that fault
  printf '[conformance]\nasset = "USD"\ndecimals = 2\n[config]\nlog = "%s.log"\nfault = "%s"\n' \
    "$1" "$1" >"$DIR/$1.toml"
  runner "$FAULTY" "$DIR/$1.toml"
}
expect() {  # expect WHAT OUTPUT SUBSTRING...: the run failed, and said each SUBSTRING
  local what=$1 out=$2
  shift 2
  [[ $out == *"exit=1"* ]] || fail "$what did not fail the run: $(tail -3 <<<"$out")"
  for s in "$@"; do
    [[ $out == *"$s"* ]] || fail "$what: no message \"$s\": $(grep -m5 FAILED <<<"$out")"
  done
  [[ $out != *".cpp:"* && $out != *"/sdk/testing/"* ]] ||
    fail "$what: a failure cites a source path: $(grep -m1 '\.cpp:' <<<"$out")"
  echo "ok: $what"
}

# The fixture without a fault is the sample ledger and passes: each failure below is its fault.
out=$(faulty none)
[[ $out == *"exit=0"* ]] || fail "the faulty ledger without a fault does not pass: $(grep -m5 FAILED <<<"$out")"

# 1. double-executes
expect "a plugin that executes a repeated key again" "$(faulty double_execute)" \
  "the same idempotency key was executed twice: a repeated key must return the stored outcome" \
  "[  FAILED  ] Conformance.SameKeyTwiceMovesOnceAndReturnsTheSameReceipt" \
  "[  FAILED  ] Conformance.EveryOperationKindIsIdempotentAcrossARestart" \
  "[  FAILED  ] Conformance.TheSameKeyFromSeveralThreadsAtOnceMovesOnce"
# 2. succeeds without a receipt
expect "a plugin that succeeds without a receipt" "$(faulty no_receipt)" \
  "plugin reported success without a receipt: an OK execute must carry the receipt"
# 3. the wrong ABI: refused once, before its init, with what to do
expect "a plugin built for another ABI" "$(runner "$FIXTURES/libfixture_abi_major.so" "$DIR/none.toml")" \
  "built for ledger ABI 2.0, this host speaks 1." "fix: rebuild the plugin against this SDK"
# 4. never completes
printf '[conformance]\nasset = "USD"\ndecimals = 2\n[config]\nmode = "hang"\n' >"$DIR/hang.toml"
# (one case: each waits out its 10 s deadline)
expect "a plugin that never completes" \
  "$(runner "$MISBEHAVING" "$DIR/hang.toml" --gtest_filter=Conformance.IssueTransferAndRedeemMoveExactAmounts)" \
  "the plugin did not complete issue conf-" "every hook must complete its operation exactly once"
# 5. forgets outcomes after a restart
expect "a plugin that forgets outcomes after a restart" "$(faulty forget_after_restart)" \
  "the plugin no longer knew an operation it had completed: outcomes must be durable" \
  "[  FAILED  ] Conformance.LookupAfterThePluginIsDestroyedAndLoadedAgain" \
  "[  FAILED  ] Conformance.AHoldMadeBeforeAReloadIsReleasedOrRevertedAfterIt"
# 5b. keeps outcomes only in memory that every instance of one loaded library shares (a static):
# the restarted instance comes from the library loaded afresh, as after a crash (F4)
expect "a plugin that keeps outcomes only in a static" "$(faulty static_memory)" \
  "the plugin no longer knew an operation it had completed: outcomes must be durable" \
  "static variables included, they do not survive a crash" \
  "[  FAILED  ] Conformance.LookupAfterThePluginIsDestroyedAndLoadedAgain" \
  "[  FAILED  ] Conformance.EveryOperationKindIsIdempotentAcrossARestart" \
  "[  FAILED  ] Conformance.AHoldMadeBeforeAReloadIsReleasedOrRevertedAfterIt"
ls /tmp/finp2p-conformance-*libfixture_faulty_ledger.so >/dev/null 2>&1 &&
  fail "the runner left its copies of the plugin in /tmp"
# 6. refuses a valid release at preflight
expect "a plugin whose preflight refuses a release before its hold" "$(faulty refuse_release_preflight)" \
  "on_preflight refused a release whose hold does not exist yet"
# The host refuses a receipt whose quantity is not the amount moved, printing both as amounts.
expect "a plugin whose receipts misstate the quantity" "$(faulty wrong_quantity)" \
  'receipt quantity "100.11" differs from the operation'"'"'s "100.10"'

# Receipts that are not the receipt of the operation (F5): the host's check, shared with the
# runner (finp2p/ledger/receipt_check.hpp), refuses them, and the runner says what to fix.
expect "a plugin whose receipts name another operation kind" "$(faulty wrong_operation_type)" \
  "plugin returned a receipt that is not the receipt of execute of issue conf-" \
  'receipt operation_type "transfer" differs from the operation'"'"'s "issue"'
expect "a plugin whose lookup returns another key's receipt" "$(faulty lookup_other_receipt)" \
  "plugin returned, for on_lookup of \"conf-" \
  "a lookup returns the stored outcome of the key it was asked" \
  "[  FAILED  ] Conformance.LookupReturnsTheStoredOutcome"
expect "a plugin whose lookup returns another operation's receipt under the key asked" \
  "$(faulty lookup_relabelled_receipt)" \
  "returned a receipt that is not the receipt of transfer conf-" \
  "on_lookup must return the stored outcome of the key it is asked for" \
  "[  FAILED  ] Conformance.LookupReturnsTheStoredOutcome"
expect "a plugin that completes an operation twice" "$(faulty double_complete)" \
  "a second time: call callback_complete (or callback_balance) exactly once per operation" \
  "[  FAILED  ] Conformance.IssueTransferAndRedeemMoveExactAmounts"
expect "a plugin whose receipts carry a too-small struct_size" "$(faulty small_receipt)" \
  "plugin returned a receipt with struct_size" "; ABI 1.2 needs at least" \
  "(set it to sizeof(finp2p_ledger_receipt))"

# The config format. A router's [[ledger]] table, copied as it is, works (its plugin too).
cat >"$DIR/router-style.toml" <<TOML
[conformance]
asset = "USD"
[[ledger]]
name = "vendor"
plugin = "$FAULTY"
assets = ["USD"]
[ledger.config]
log = "router-style.log"
TOML
out=$(timeout 300 "$RUNNER" --config "$DIR/router-style.toml" --gtest_brief=1 2>&1; echo "exit=$?")
[[ $out == *"exit=0"* ]] || fail "[[ledger]] / [ledger.config] does not work: $(grep -m5 FAILED <<<"$out")"
# Relative paths in it mean relative to the TOML, as in a router.
[ -s "$DIR/router-style.log" ] || fail "the plugin's relative path did not resolve against the TOML"
echo "ok: [[ledger]] with [ledger.config]"
refused() {  # refused NAME SUBSTRING: the TOML in $DIR/NAME.toml is refused (exit 2) naming it
  out=$(timeout 60 "$RUNNER" --plugin "$FAULTY" --config "$DIR/$1.toml" 2>&1; echo "exit=$?")
  [[ $out == *"exit=2"* && $out == *"$2"* ]] || fail "$1: not refused with \"$2\": $out"
  echo "ok: refused $1"
}
printf '[config]\nlog = "a.log"\n[ledger.config]\nlog = "b.log"\n' >"$DIR/both.toml"
refused both "both [config] and [ledger.config]"
printf '[plugin_config]\nlog = "a.log"\n' >"$DIR/unknown.toml"
refused unknown 'unknown key "plugin_config"'
printf '[conformance]\nassett = "USD"\n' >"$DIR/unknown-conformance.toml"
refused unknown-conformance 'unknown key "assett" in [conformance]'
echo "ok"
