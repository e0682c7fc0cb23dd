#!/usr/bin/env bash
# The status page in a real browser (issue 17): three routers, a DvP that completes and one that
# fails (the buyer is short of cash: the RevertHold gives the bonds back), then headless
# Chromium, driven by Selenium (status_page.py), reads bank-a's page: the list and its filters,
# both plans' timelines and the reason, ledgers, peers, a plan that runs while the page watches,
# and a hostile plan id that must stay text. Screenshots go to $4.
SHOTS=$4
source "$(dirname "$0")/harness.sh"
# Debian's interpreter: python3-selenium installs there, whatever python3 comes first on PATH.
PY=/usr/bin/python3
command -v chromium >/dev/null && command -v chromedriver >/dev/null &&
  $PY -c 'import selenium' 2>/dev/null ||
  fail "chromium, chromium-driver and python3-selenium are needed (scripts/lib/common.sh)"

network_init "$WORK"
METRICS_PORT=$(free_port)
sed -i "1a metrics_listen = \"127.0.0.1:$METRICS_PORT\"" "$WORK/bank-a.toml"
network_up

ok=$(submit_fresh bank-a "$SRC/docs/examples/dvp.json")
derive_plan dvp.json "$WORK/short.json" 'p["instructions"][1]["transfer"]["amount"] = "5000000.00"'
short=$(submit_fresh bank-a "$WORK/short.json")
expect_eq "$(wait_terminal bank-a "$ok")" completed "the DvP"
expect_eq "$(wait_terminal bank-a "$short")" failed "the DvP the buyer cannot pay"
for org in bank-a bank-b bank-c; do
  wait_terminal "$org" "$ok" >/dev/null
  wait_terminal "$org" "$short" >/dev/null
done

# The plan the page watches arrive: signed by its investors for this settlement.
cp "$SRC/docs/examples/dvp.json" "$WORK/live.json" && sign_plan "$WORK/live.json"
mkdir -p "$SHOTS"
$PY "$SRC/tests/e2e/status_page.py" \
  --url "http://127.0.0.1:$METRICS_PORT/" --shots "$SHOTS" \
  --completed "$ok" --failed "$short" \
  --head "$(plan_field bank-a "$ok" "r['journalHeadHash']")" \
  --reason "$(plan_field bank-a "$short" "r['failureReason']")" \
  --submit "$BIN/finp2p-execctl --admin 127.0.0.1:${ADMIN_PORT[bank-a]} plan submit --new-id $WORK/live.json"

# Off loopback the page is not served (no TLS, no authentication), /metrics still is.
router_stop bank-a
sed -i "s/^metrics_listen = .*/metrics_listen = \"0.0.0.0:$METRICS_PORT\"/" "$WORK/bank-a.toml"
router_start bank-a
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$METRICS_PORT/")" 404 "the page off loopback"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$METRICS_PORT/metrics")" 200 "/metrics off loopback"
grep -q "the status page is not served" "$WORK/bank-a.log" || fail "bank-a does not say why"
echo "ok (screenshots in $SHOTS)"
