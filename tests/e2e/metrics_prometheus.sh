#!/usr/bin/env bash
# Metrics for real (issue 17): two routers serve /metrics, `promtool check metrics` accepts what
# they expose, a real Prometheus server (Debian's) scrapes both every second during a run of
# DvPs, and a query through its HTTP API returns the number of plans the run completed, on each
# router. The example alert rules in docs/ pass `promtool check rules`.
source "$(dirname "$0")/harness.sh"
ORGS=(bank-a bank-b)
PLANS=${PLANS:-6}
command -v promtool >/dev/null && command -v prometheus >/dev/null ||
  fail "promtool and prometheus are needed (Debian's prometheus package; scripts/lib/common.sh)"

PROM=""
# Prometheus goes first, then the harness's cleanup (routers, logs on failure) with our status.
stop_prometheus() {
  if [ -n "$PROM" ]; then kill "$PROM" 2>/dev/null || true; wait "$PROM" 2>/dev/null || true; fi
}
trap 'rc=$?; stop_prometheus; cleanup $rc' EXIT

network_init "$WORK"
declare -A METRICS_PORT
for org in "${ORGS[@]}"; do
  METRICS_PORT[$org]=$(free_port)
  sed -i "1a metrics_listen = \"127.0.0.1:${METRICS_PORT[$org]}\"" "$WORK/$org.toml"
done
network_up
metrics() { curl -sf --max-time 5 "http://127.0.0.1:${METRICS_PORT[$1]}/metrics"; }

# A DvP between the two contributors (the example without its observer).
derive_plan dvp.json "$WORK/dvp2.json" 'p["participants"] = p["participants"][:2]'

# Prometheus, scraping both routers every second.
PROM_PORT=$(free_port)
cat > "$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: finp2p
    static_configs:
      - targets: ["127.0.0.1:${METRICS_PORT[bank-a]}"]
        labels: { organization: bank-a }
      - targets: ["127.0.0.1:${METRICS_PORT[bank-b]}"]
        labels: { organization: bank-b }
EOF
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
  --web.listen-address="127.0.0.1:$PROM_PORT" > "$WORK/prometheus.log" 2>&1 &
PROM=$!
query() {  # query PROMQL: the first result's value, or "" when there is none
  curl -sf --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1" |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")'
}
for _ in $(seq 1 100); do
  [ "$(query 'sum(up{job="finp2p"})' 2>/dev/null)" = 2 ] && break
  kill -0 "$PROM" 2>/dev/null || fail "prometheus exited: $(tail -5 "$WORK/prometheus.log")"
  sleep 0.2
done
expect_eq "$(query 'sum(up{job="finp2p"})')" 2 "targets up in Prometheus"

# The run: PLANS DvPs, submitted together, each completing on both routers.
ids=()
for _ in $(seq 1 "$PLANS"); do ids+=("$(submit_fresh bank-a "$WORK/dvp2.json")"); done
for id in "${ids[@]}"; do
  expect_eq "$(wait_terminal bank-a "$id" 60)" completed "bank-a $id"
  expect_eq "$(wait_terminal bank-b "$id" 60)" completed "bank-b $id"
done

for org in "${ORGS[@]}"; do
  metrics "$org" > "$WORK/$org.metrics" || fail "GET /metrics on $org"
  promtool check metrics < "$WORK/$org.metrics" > "$WORK/$org.promtool" 2>&1 ||
    fail "promtool check metrics on $org: $(cat "$WORK/$org.promtool")"
  grep -q "^finp2p_plans_total{status=\"completed\"} $PLANS\$" "$WORK/$org.metrics" ||
    fail "$org: completed plans: $(grep '^finp2p_plans_total' "$WORK/$org.metrics")"
  for family in finp2p_plans_in_flight finp2p_plan_duration_seconds_bucket \
    finp2p_peer_messages_sent_total finp2p_peer_messages_received_total \
    finp2p_outbox_backlog_messages finp2p_outbox_retries_total finp2p_peer_reachable \
    finp2p_outbox_held_messages \
    finp2p_journal_commits_total finp2p_journal_commit_seconds_bucket \
    finp2p_journal_commit_group_entries_bucket finp2p_ledger_calls_total \
    finp2p_ledger_call_seconds_bucket finp2p_instruction_execution_seconds_bucket \
    finp2p_ledger_reloads_total finp2p_ledger_generation process_cpu_seconds_total \
    process_resident_memory_bytes process_open_fds; do
    grep -q "^$family" "$WORK/$org.metrics" || fail "$org exposes no $family"
  done
done
grep -q '^finp2p_instruction_execution_seconds_count{kind="hold",ledger="securities"} '"$PLANS" \
  "$WORK/bank-a.metrics" || fail "bank-a: hold executions: $(grep instruction_execution_seconds_count "$WORK/bank-a.metrics")"
grep -q '^finp2p_peer_reachable{peer="bank-b"} 1' "$WORK/bank-a.metrics" || fail "bank-b reachable"

# What Prometheus scraped: the run's completed plans, per router, through its query API.
for org in "${ORGS[@]}"; do
  got=""
  for _ in $(seq 1 50); do
    got=$(query "finp2p_plans_total{job=\"finp2p\",organization=\"$org\",status=\"completed\"}")
    [ "$got" = "$PLANS" ] && break
    sleep 0.2
  done
  expect_eq "$got" "$PLANS" "completed plans on $org, as Prometheus has them"
done
# A rate and a histogram quantile evaluate too (what the dashboards in docs/operations.md use).
# A rate needs two scrapes of a series inside its window: on a loaded machine the run can finish
# before the second one, so wait for it (CI once queried too early and got an empty result).
fsync_q=""
for _ in $(seq 1 50); do
  fsync_q=$(query 'histogram_quantile(0.99, sum by (le) (rate(finp2p_journal_commit_seconds_bucket[1m])))' 2>/dev/null || true)
  [ -n "$fsync_q" ] && break
  sleep 0.2
done
[ -n "$fsync_q" ] || fail "no fsync quantile after 10 s: $(query 'count_over_time(finp2p_journal_commits_total[1m])')"

# The example alert rules: valid, and none fires on this healthy pair.
promtool check rules "$SRC/docs/alerts/finp2p.rules.yml" > "$WORK/rules.out" 2>&1 ||
  fail "promtool check rules: $(cat "$WORK/rules.out")"

# What one scrape costs the router: wall time of GET /metrics, median of 20.
cost=$(for _ in $(seq 1 20); do
  curl -s --max-time 5 -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:${METRICS_PORT[bank-a]}/metrics"
done | sort -n | sed -n 10p)
echo "scrape: $(wc -l < "$WORK/bank-a.metrics") lines, $(wc -c < "$WORK/bank-a.metrics") bytes," \
  "$(grep -c '^# TYPE' "$WORK/bank-a.metrics") families, median GET ${cost}s"
echo "ok"
