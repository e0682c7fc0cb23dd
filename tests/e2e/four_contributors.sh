#!/usr/bin/env bash
# Four contributors, legs on three ledgers: bank-a delivers bonds, bank-b pays USD, bank-d pays a
# EUR fee, bank-e (a custodian) approves every step without executing any. All four agree.
source "$(dirname "$0")/harness.sh"
ORGS=(bank-a bank-b bank-d bank-e)
BROKER=02aa000000000000000000000000000000000000000000000000000000000000ee
org_ledgers() {
  case $1 in
    bank-a) sqlite_ledger securities "$BOND" "{ account = \"$SELLER\", asset = \"$BOND\", amount = \"1000\" }" ;;
    bank-b) sqlite_ledger cash USD "{ account = \"$BUYER\", asset = \"USD\", amount = \"1000000.00\" }" ;;
    bank-d) sqlite_ledger euro EUR "{ account = \"$BUYER\", asset = \"EUR\", amount = \"500.00\" }" ;;
  esac
}
network_init "$WORK"
network_up

derive_plan dvp.json "$WORK/four.json" '
p["participants"] = [{"organizationID": o, "roles": ["Contributor"]} for o in ["bank-a", "bank-b", "bank-d", "bank-e"]]
fee = json.loads(json.dumps(p["instructions"][1]))
fee["sequence"] = 3
fee["organizations"] = ["bank-d"]
fee["transfer"]["asset"] = {"id": "EUR", "type": "FIAT", "decimals": 2}
fee["transfer"]["amount"] = "25.50"
fee["transfer"]["destination"]["account"]["finp2p"]["finId"] = "'$BROKER'"
# A failed fee halts the plan with the bond still held: giving the bond back after the buyer paid
# would leave them unpaid (investor rule 5 refuses it).
fee["transitions"] = {}
release = p["instructions"][2]; release["sequence"] = 4
revert = p["instructions"][3]; revert["sequence"] = 5
p["instructions"][1]["transitions"] = {"onFailure": {"sequence": 5}}
p["instructions"] = [p["instructions"][0], p["instructions"][1], fee, release, revert]'
id=$(submit_fresh bank-a "$WORK/four.json")
for org in "${ORGS[@]}"; do expect_eq "$(wait_terminal "$org" "$id")" completed "$org status"; done
heads=$(for org in "${ORGS[@]}"; do plan_field "$org" "$id" "r['journalHeadHash']"; done | sort -u | wc -l)
expect_eq "$heads" 1 "distinct journal heads"
expect_eq "$(plan_field bank-e "$id" "len(r['execution']['approvals'])")" 4 "plan approvals"
expect_eq "$(available bank-a securities "$BUYER" "$BOND")" 100 "buyer bonds"
expect_eq "$(available bank-b cash "$SELLER" USD)" 10500 "seller USD"
expect_eq "$(available bank-d euro "$BROKER" EUR)" 25.5 "broker EUR fee"
echo "ok"
