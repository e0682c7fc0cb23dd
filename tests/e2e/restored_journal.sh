#!/usr/bin/env bash
# Issue 12, the restore fault with real processes (the simulator injects it in a quarter of its
# seeds): bank-b's journal is backed up online while it runs, two more DvPs complete, bank-b is
# stopped, a fourth DvP is submitted while it is down, and the backup replaces its journal (its
# cash ledger keeps its newer state). Started once with --restored-journal, bank-b must learn
# the two plans it forgot from its peers, approve the fourth, and end with every plan completed
# and the same journal heads as the others; each payment was made once (exact balances); a
# plain restart afterwards changes nothing.
source "$(dirname "$0")/harness.sh"
AGREEMENT_TIMEOUT=30
network_init "$WORK"
network_up

backup() {  # backup SRC DST: SQLite's online backup, as an operator's backup tool takes it
  python3 -c 'import sqlite3,sys; s=sqlite3.connect(sys.argv[1]); d=sqlite3.connect(sys.argv[2]); s.backup(d); d.close()' "$1" "$2"
}
usd() { available bank-b cash "$BUYER" USD; }

start_usd=$(usd)
ids=("$(submit_fresh bank-a "$SRC/docs/examples/dvp.json")")
expect_eq "$(wait_terminal bank-b "${ids[0]}")" completed "plan 1 on bank-b"
backup "$WORK/bank-b.journal.db" "$WORK/bank-b.backup.db"
for n in 2 3; do
  id=$(submit_fresh bank-a "$SRC/docs/examples/dvp.json")
  ids+=("$id")
  for org in bank-a bank-b bank-c; do
    expect_eq "$(wait_terminal "$org" "$id")" completed "plan $n on $org"
  done
done
router_stop bank-b
ids+=("$(submit_fresh bank-a "$SRC/docs/examples/dvp.json")")  # bank-b is down
rm -f "$WORK/bank-b.journal.db"-wal "$WORK/bank-b.journal.db"-shm
cp "$WORK/bank-b.backup.db" "$WORK/bank-b.journal.db"

EXECD_ARGS=--restored-journal router_start bank-b
for n in 1 2 3 4; do
  id=${ids[$((n - 1))]}
  for org in bank-a bank-b bank-c; do
    expect_eq "$(wait_terminal "$org" "$id" 60)" completed "plan $n on $org after the restore"
  done
  same_head_everywhere "$id"
done
grep -q "restored" "$WORK/bank-b.log" || fail "bank-b's log does not mention the restore"

# Each payment once: the buyer paid four prices, not five or six.
paid=$(python3 -c 'from decimal import Decimal as D; import sys; print(D(sys.argv[1]) - D(sys.argv[2]))' "$start_usd" "$(usd)")
price=$(python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); print(next(i["transfer"]["amount"] for i in p["instructions"] if i.get("transfer", {}).get("asset", {}).get("id") == "USD"))' "$SRC/docs/examples/dvp.json")
python3 -c 'from decimal import Decimal as D; import sys; assert D(sys.argv[1]) == 4 * D(sys.argv[2]), sys.argv' "$paid" "$price" ||
  fail "the buyer paid $paid USD for four plans of $price"

# The restore is recorded: a plain restart decides as the first run did.
router_stop bank-b
router_start bank-b
for id in "${ids[@]}"; do expect_eq "$(wait_terminal bank-b "$id")" completed "$id after a plain restart"; done
echo "ok (buyer paid $paid USD for 4 plans)"
