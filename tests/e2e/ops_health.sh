#!/usr/bin/env bash
# Health, reflection, systemd notify and JSON logs on real routers (issue 17):
#  - grpc.health.v1.Health on the peer and admin ports: SERVING once started (after recovery),
#    NOT_SERVING during the shutdown drain; /healthz on the metrics listener says the same;
#  - server reflection lists and describes the services on the admin port, and on the peer port
#    only with peer_reflection = true;
#  - under a fake systemd (a NOTIFY_SOCKET datagram socket): READY=1, WATCHDOG=1 pings at half
#    of WATCHDOG_USEC, STOPPING=1;
#  - log_format = "json": every line is one JSON object; plan lines carry plan_id and sequence.
source "$(dirname "$0")/harness.sh"
ORGS=(bank-a bank-b)
PROBE="/usr/bin/python3 $SRC/tests/e2e/grpc_probe.py"
NOTIFY=""
stop_notify() {
  if [ -n "$NOTIFY" ]; then kill "$NOTIFY" 2>/dev/null || true; wait "$NOTIFY" 2>/dev/null || true; fi
}
trap 'rc=$?; stop_notify; cleanup $rc' EXIT

network_init "$WORK"
METRICS=$(free_port)
sed -i "1a metrics_listen = \"127.0.0.1:$METRICS\"\nlog_format = \"json\"\nshutdown_drain_seconds = 2" \
  "$WORK/bank-a.toml"
A_PEER=127.0.0.1:${PEER_PORT[bank-a]} A_ADMIN=127.0.0.1:${ADMIN_PORT[bank-a]}

# A fake systemd: collects what the router notifies, one datagram a line.
cat > "$WORK/notify.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
out = open(sys.argv[2], "a", buffering=1)
while True:
    out.write(s.recv(4096).decode().replace("\n", " ") + "\n")
PY
/usr/bin/python3 "$WORK/notify.py" "$WORK/notify.sock" "$WORK/notify.log" &
NOTIFY=$!
for _ in $(seq 1 50); do [ -S "$WORK/notify.sock" ] && break; sleep 0.1; done
export NOTIFY_SOCKET=$WORK/notify.sock WATCHDOG_USEC=400000
router_start bank-a
unset NOTIFY_SOCKET WATCHDOG_USEC
router_start bank-b

expect_eq "$($PROBE health "$A_ADMIN")" SERVING "admin port health"
expect_eq "$($PROBE health "$A_ADMIN" finp2p.admin.AdminService)" SERVING "AdminService health"
expect_eq "$($PROBE health "$A_PEER" finp2p.execution.ExecutionService)" SERVING \
  "ExecutionService health"
expect_eq "$($PROBE health "$A_PEER" no.such.Service)" "NOT_FOUND: service name unknown" \
  "an unknown service"
expect_eq "$(curl -s --max-time 5 "http://127.0.0.1:$METRICS/healthz")" SERVING "/healthz"

$PROBE services "$A_ADMIN" > "$WORK/admin.services"
for s in finp2p.admin.AdminService grpc.health.v1.Health grpc.reflection.v1alpha.ServerReflection; do
  grep -qx "$s" "$WORK/admin.services" || fail "reflection on the admin port lacks $s"
done
$PROBE methods "$A_ADMIN" finp2p.admin.AdminService > "$WORK/admin.methods"
grep -qx ListLedgers "$WORK/admin.methods" ||
  fail "reflection does not describe AdminService.ListLedgers"
expect_eq "$($PROBE services "$A_PEER" | cut -d: -f1)" UNIMPLEMENTED \
  "reflection on the peer port by default"

# A plan, so that there are plan lines in the JSON log.
derive_plan dvp.json "$WORK/dvp2.json" 'p["participants"] = p["participants"][:2]'
id=$(submit_fresh bank-a "$WORK/dvp2.json")
expect_eq "$(wait_terminal bank-a "$id" 60)" completed "the plan"
sleep 1  # a few watchdog pings (every 0.2 s)

# Shutdown: NOT_SERVING during the 2 s drain, then STOPPING=1 and exit.
kill "${PID[bank-a]}"
sleep 0.5
expect_eq "$($PROBE health "$A_ADMIN")" NOT_SERVING "admin health while draining"
expect_eq "$($PROBE health "$A_PEER" finp2p.execution.ExecutionService)" NOT_SERVING \
  "peer health while draining"
expect_eq "$(curl -s --max-time 5 "http://127.0.0.1:$METRICS/healthz")" NOT_SERVING "/healthz while draining"
wait "${PID[bank-a]}" || true
PID[bank-a]=""

grep -q '^READY=1' "$WORK/notify.log" || fail "no READY=1: $(cat "$WORK/notify.log")"
pings=$(grep -c '^WATCHDOG=1' "$WORK/notify.log" || true)
[ "$pings" -ge 3 ] || fail "$pings watchdog pings"
grep -q '^STOPPING=1' "$WORK/notify.log" || fail "no STOPPING=1"
echo "notified: $(sort "$WORK/notify.log" | uniq -c | tr -s ' \n' ' ')"

python3 - "$WORK/bank-a.log" "$id" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
records = [json.loads(l) for l in lines]  # every line one JSON object
for r in records:
    assert {"ts", "level", "organization", "event"} <= r.keys(), r
    assert r["organization"] == "bank-a", r
mine = [r for r in records if r.get("plan_id") == sys.argv[2]]
assert any(r.get("sequence") == 1 for r in mine), mine
assert any("completed" in r["event"] for r in mine), mine
print("%d JSON log lines, %d about the plan" % (len(records), len(mine)))
PY

# Reflection on the peer port when the operator enables it.
sed -i "1a peer_reflection = true" "$WORK/bank-a.toml"
router_start bank-a
$PROBE services "$A_PEER" > "$WORK/peer.services"
grep -qx finp2p.execution.ExecutionService "$WORK/peer.services" ||
  fail "peer_reflection = true: the peer port does not list ExecutionService"
echo "ok"
