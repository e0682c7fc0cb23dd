#!/usr/bin/env bash
# Issue 14, defect 4: a plugin that crashes its process does not take the router with it.
# bank-b's USD ledger runs the crashing fixture with isolation = "process"; $5 picks how it
# fails: "segv" (a segfault in execute, verify and balance once a plan is approved; lookup
# works, so the router can tell that the transfer did not happen — with a lookup that crashes
# too it could not, and the plan waits instead of compensating), "exit" (exit(3) in every
# execute) or "hang" (execute never returns). bank-b also has a EUR sqlite-ledger. DvPs paid in USD and in EUR are submitted interleaved: the EUR ones
# complete while the USD ledger's child crashes and is restarted; each USD one ends failed
# through its onFailure path (the RevertHold gives the bonds back), with a reason naming the
# plugin and how its process ended; bank-b never exits; `ledger list` shows the USD ledger as
# crashing. $4 = the crashing fixture plugin.
# ISOLATION=in-process runs the same test without the isolation (it fails: bank-b dies).
FIXTURE=$4 MODE=$5 ISOLATION=${ISOLATION:-process}
source "$(dirname "$0")/harness.sh"
case $MODE in
  segv) IN="execute,verify,balance" EXPECT="killed by signal 11 (SIGSEGV)" TIMEOUT=60 ;;
  exit) IN="execute" EXPECT="exited with status 3" TIMEOUT=60 ;;
  hang) IN="execute" EXPECT="killed (SIGKILL)" TIMEOUT=4 ;;  # the transfer's deadline
  *) fail "mode $MODE" ;;
esac
org_ledgers() {
  local org=$1
  case $org in
    bank-a) sqlite_ledger securities "$BOND" "{ account = \"$SELLER\", asset = \"$BOND\", amount = \"1000\" }" ;;
    bank-b)
      printf '\n[[ledger]]\nname = "usd"\nplugin = "%s"\nassets = ["USD"]\ncall_timeout_secs = 3\n' "$FIXTURE"
      [ "$ISOLATION" = process ] && printf 'isolation = "process"\nmax_crashes_per_operation = 3\n'
      printf '[ledger.config]\nhow = "%s"\nin = "%s"\n' "$MODE" "$IN"
      sqlite_ledger euro EUR "{ account = \"$BUYER\", asset = \"EUR\", amount = \"1000000.00\" }" ;;
  esac
}
network_init "$WORK"
METRICS_PORT=$(free_port)
sed -i "1a metrics_listen = \"127.0.0.1:$METRICS_PORT\"" "$WORK/bank-b.toml"
network_up
"$BIN/finp2p-execd" --config "$WORK/bank-b.toml" --check-config >/dev/null || fail "--check-config refuses the isolated ledger"
if [ "$ISOLATION" = process ]; then
  ctl bank-b ledger list | grep -q "isolation process: child pid" || fail "ledger list does not show the child: $(ctl bank-b ledger list)"
fi
bankb=${PID[bank-b]}

# A DvP paid in $2; its transfer has TIMEOUT seconds before its onTimeout.
plan() {
  derive_plan dvp.json "$WORK/$1.json" "
import uuid
p['id']['id'] = 'bank-a:106:' + str(uuid.uuid4())
for i in p['instructions']:
    i['planId']['id'] = p['id']['id']
    if 'transfer' in i:
        i['transfer']['asset']['id'] = '$2'
        i['timeoutSeconds'] = $TIMEOUT"
  ctl bank-a plan submit "$WORK/$1.json"
}
usd=() eur=()
start=$(date +%s)
for n in 1 2; do
  usd+=("$(plan "usd-$n" USD)")
  eur+=("$(plan "eur-$n" EUR)")
done
for id in "${eur[@]}"; do
  expect_eq "$(wait_terminal bank-a "$id" 30)" completed "EUR plan $id while the USD ledger crashes"
done
echo "EUR plans completed in $(($(date +%s) - start)) s"
for id in "${usd[@]}"; do
  for org in bank-a bank-b; do
    expect_eq "$(wait_terminal "$org" "$id" 60)" failed "$org: USD plan $id"
    expect_eq "$(plan_field "$org" "$id" "r['failedInstructionSequence']")" 2 "$org: failing step of $id"
  done
  reason=$(plan_field bank-b "$id" "r['failureReason']")
  grep -q "plugin crashing" <<<"$reason" || fail "reason does not name the plugin: $reason"
  grep -qF "$EXPECT" <<<"$reason" || fail "reason does not say '$EXPECT': $reason"
  echo "USD plan $id: $reason"
done
kill -0 "$bankb" 2>/dev/null || fail "bank-b exited"
expect_eq "${PID[bank-b]}" "$bankb" "bank-b's pid"
# The onFailure path ran: the RevertHold gave the bonds back.
expect_eq "$(available bank-a securities "$SELLER" "$BOND")" 800 "seller bonds after two paid DvPs and two reverted ones"
ctl bank-a ledger balance securities "$SELLER" "$BOND" | grep -q "held 0" || fail "bonds still held"
list=$(ctl bank-b ledger list)
echo "$list"
grep -q "^usd: .*(generation [0-9]*, crashing," <<<"$list" || fail "ledger list does not show usd as crashing"
grep -q "^euro: .*(generation [0-9]*, serving," <<<"$list" || fail "euro is not serving"
# The crash counter says what `ledger list` says (no reload: one instance, one count), and only
# of the isolated ledger.
crashes=$(sed -nE 's/.*isolation process: .*, ([0-9]+) crashes.*/\1/p' <<<"$list")
metric() {
  curl -sf "http://127.0.0.1:$METRICS_PORT/metrics" |
    sed -nE "s/^finp2p_ledger_plugin_crashes_total\{ledger=\"$1\"\} ([0-9]+)$/\1/p"
}
[ "${crashes:-0}" -gt 0 ] || fail "ledger list counts no crash: $list"
expect_eq "$(metric usd)" "$crashes" "finp2p_ledger_plugin_crashes_total of usd"
expect_eq "$(metric euro)" 0 "finp2p_ledger_plugin_crashes_total of euro"
echo "finp2p_ledger_plugin_crashes_total{ledger=\"usd\"} $crashes"
# And after all that, bank-b still settles EUR.
id=$(plan eur-3 EUR)
expect_eq "$(wait_terminal bank-a "$id" 30)" completed "EUR plan after the crashes"
grep -q "restarting it in" "$WORK/bank-b.log" || fail "bank-b's log does not say the child was restarted"
echo "ok"
