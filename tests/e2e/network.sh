# A three-router FinP2P network on loopback, for the demo and the end-to-end tests:
#   bank-a  contributor, asset ledger "securities" (sqlite-ledger) holding the bond
#   bank-b  contributor, cash ledger "cash" (sqlite-ledger) holding USD
#   bank-c  observer, no ledger
# Real processes, real gRPC, real SQLite files, real plugins. Source it; set BIN and PLUGIN_DIR.
# shellcheck shell=bash

SELLER=02466d7fcae563e5cb09a0d1870bb580344804617879a14949cf22285f1bae3f27
BUYER=034f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa
BOND=bank-a:102:9d1e2f3a-4b5c-4d6e-9f70-8192a3b4c5d6
ORGS=(bank-a bank-b bank-c)
declare -A PEER_PORT ADMIN_PORT PID
# CLOCK_OFFSET[org]="+3s" runs that router (and any plugin process it starts) with its clocks
# shifted by libfaketime (Debian's faketime), as a host whose clock is off would be.
declare -A CLOCK_OFFSET
FAKETIME_LIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1

# The test investors sign what a (derived) plan does, as they would before it is
# submitted (needs BIN and SRC).
sign_plan() {
  "$BIN/finp2p-execctl" plan sign "$1" --key "$SRC/docs/examples/investors/seller.key" \
    --key "$SRC/docs/examples/investors/buyer.key" >/dev/null
}

# submit_fresh ORG FILE [ARGS...]: `plan submit --new-id` of a copy of FILE its investors have
# signed again. A router takes an investor signature in one plan only (docs/protocol.md, rule 6),
# so each settlement of the same trade is signed anew, as its investors would.
submit_fresh() {
  local org=$1 file=$2 copy
  shift 2
  copy=$(mktemp "${WORK:-${TMPDIR:-/tmp}}/fresh.XXXXXX") || return 1
  cp "$file" "$copy" && sign_plan "$copy" || return 1
  ctl "$org" plan submit --new-id "$copy" "$@"
}

# A port free now and not handed out before in this test: the kernel may give a port it just
# freed to the next bind(0), and two routers of one test were once given the same one ("cannot
# listen" on a fresh clone). Ports handed out are kept in a file ($$ is the test's shell, also in
# the $(...) subshells this runs in).
FREE_PORTS_FILE=${TMPDIR:-/tmp}/finp2p-ports.$$
free_port() {
  python3 - "$FREE_PORTS_FILE" <<'PY'
import os, socket, sys
path = sys.argv[1]
used = set(open(path).read().split()) if os.path.exists(path) else set()
while True:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = str(s.getsockname()[1])
    s.close()
    if port not in used:
        break
open(path, "a").write(port + "\n")
print(port)
PY
}

# The [[ledger]] tables of an organization; tests with other networks redefine this and ORGS.
org_ledgers() {
  local org=$1 cash=$2
  case $org in
    bank-a) sqlite_ledger securities "$BOND" "{ account = \"$SELLER\", asset = \"$BOND\", amount = \"1000\" }" ;;
    bank-b) sqlite_ledger cash USD "{ account = \"$BUYER\", asset = \"USD\", amount = \"$cash\" },
                     { account = \"$SELLER\", asset = \"USD\", amount = \"100.00\" }" ;;
  esac
}

# sqlite_ledger NAME ASSET OPENING_BALANCES: one [[ledger]] table on its own database file.
sqlite_ledger() {
  echo ""
  echo "[[ledger]]"
  echo "name = \"$1\""
  echo "plugin = \"$PLUGIN_DIR/libsqlite-ledger.so\""
  echo "assets = [\"$2\"]"
  echo "[ledger.config]"
  echo "database = \"$org.$1.db\""
  echo "opening_balances = [ $3 ]"
}

# network_init DIR [BUYER_USD]: keys and router configs under DIR.
network_init() {
  NET=$1
  local cash=${2:-1000000.00}
  mkdir -p "$NET"
  for org in "${ORGS[@]}"; do
    "$BIN/finp2p-execctl" keys generate "$NET/$org" >/dev/null
    PEER_PORT[$org]=$(free_port)
    ADMIN_PORT[$org]=$(free_port)
  done
  for org in "${ORGS[@]}"; do
    {
      echo "organization = \"$org\""
      echo "listen = \"127.0.0.1:${PEER_PORT[$org]}\""
      echo "admin_listen = \"127.0.0.1:${ADMIN_PORT[$org]}\""
      echo "key = \"$org.key\""
      echo "journal = \"$org.journal.db\""
      echo "agreement_timeout_seconds = ${AGREEMENT_TIMEOUT:-30}"
      for peer in "${ORGS[@]}"; do
        [ "$peer" = "$org" ] && continue
        echo ""
        echo "[[peer]]"
        echo "organization = \"$peer\""
        echo "address = \"127.0.0.1:${PEER_PORT[$peer]}\""
        echo "public_key = \"$peer.pub\""
      done
      org_ledgers "$org" "$cash"
    } > "$NET/$org.toml"
  done
}

# The sqlite-ledger resolves its database path against the working directory: run in $NET.
router_start() {
  local org=$1
  local skew=()
  # Not the faketime wrapper: it forks, and the harness must hold the router's own pid.
  # Only the wall clock: a host's monotonic clock is its own anyway, and libfaketime's faked
  # monotonic clock makes condition-variable waits (pthread_cond_clockwait) never return.
  [ -n "${CLOCK_OFFSET[$org]:-}" ] &&
    skew=(LD_PRELOAD="$FAKETIME_LIB" FAKETIME="${CLOCK_OFFSET[$org]}" FAKETIME_DONT_FAKE_MONOTONIC=1)
  (cd "$NET" && exec env ${FAILPOINT:+FINP2P_FAILPOINT=$FAILPOINT} "${skew[@]}" "$BIN/finp2p-execd" --config "$org.toml" ${EXECD_ARGS:-} >>"$org.log" 2>&1) &
  PID[$org]=$!
  for _ in $(seq 1 100); do
    ctl "$org" ledger list >/dev/null 2>&1 && return 0
    kill -0 "${PID[$org]}" 2>/dev/null || { echo "router $org exited; its log:"; tail -20 "$NET/$org.log"; return 1; }
    sleep 0.1
  done
  echo "router $org did not come up"; return 1
}

router_stop() {
  local org=$1
  [ -n "${PID[$org]:-}" ] || return 0
  kill "${PID[$org]}" 2>/dev/null || true
  wait "${PID[$org]}" 2>/dev/null || true
  PID[$org]=""
}

router_kill9() {
  local org=$1
  kill -9 "${PID[$org]}" 2>/dev/null || true
  wait "${PID[$org]}" 2>/dev/null || true
  PID[$org]=""
}

network_up() { for org in "${ORGS[@]}"; do router_start "$org" || return 1; done; }
network_down() { for org in "${ORGS[@]}"; do router_stop "$org"; done; }

ctl() {
  local org=$1
  shift
  "$BIN/finp2p-execctl" --admin "127.0.0.1:${ADMIN_PORT[$org]}" "$@"
}

# plan_field ORG PLAN_ID FIELD: a field of `plan show --json` (python3 expression on `r`).
plan_field() {
  ctl "$1" plan show "$2" --json | python3 -c "import json,sys; r=json.load(sys.stdin); print($3)"
}

# wait_terminal ORG PLAN_ID [SECONDS]: prints the final status.
wait_terminal() {
  local org=$1 id=$2 limit=${3:-30}
  for _ in $(seq 1 $((limit * 10))); do
    local s
    s=$(plan_field "$org" "$id" "r['execution'].get('executionPlanStatus','')" 2>/dev/null || true)
    case $s in completed|failed|halted|rejected|cancelled) echo "$s"; return 0 ;; esac
    sleep 0.1
  done
  echo "timeout"
  return 1
}

available() {  # available ORG LEDGER ACCOUNT ASSET
  ctl "$1" ledger balance "$2" "$3" "$4" | sed -E 's/.*available ([0-9.]+),.*/\1/'
}
