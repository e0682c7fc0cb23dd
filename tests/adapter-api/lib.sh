# The ledger adapter API under test: finp2p-adapter-gateway processes, and Stoplight Prism in
# proxy mode in front of them validating every request and response against the public OpenAPI
# file (spec/, copied unchanged). Source it; set BIN, PLUGIN_DIR and SRC.
# shellcheck shell=bash

SPEC=$SRC/tests/adapter-api/spec/dlt-adapter-api.yaml
PRISM=$SRC/tests/adapter-api/prism/node_modules/.bin/prism
declare -A GW_PID

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_http URL SECONDS: until URL answers at all.
wait_http() {
  for _ in $(seq 1 $(($2 * 10))); do
    curl -s -o /dev/null "$1" && return 0
    sleep 0.1
  done
  return 1
}

# gateway_start NAME: runs finp2p-adapter-gateway on $DIR/NAME.toml (log NAME.log), whose
# `listen` port is ${GW_PORT[NAME]}. FAILPOINT arms a crash point.
declare -A GW_PORT
gateway_start() {
  local name=$1
  (cd "$DIR" && exec env ${FAILPOINT:+FINP2P_FAILPOINT=$FAILPOINT} "$BIN/finp2p-adapter-gateway" \
    --config "$name.toml" >>"$name.log" 2>&1) &
  GW_PID[$name]=$!
  wait_http "http://127.0.0.1:${GW_PORT[$name]}/health" 10 ||
    { echo "gateway $name did not come up:"; tail -20 "$DIR/$name.log"; return 1; }
}

gateway_stop() {
  [ -n "${GW_PID[$1]:-}" ] || return 0
  kill "${GW_PID[$1]}" 2>/dev/null || true
  wait "${GW_PID[$1]}" 2>/dev/null || true
  GW_PID[$1]=""
}

# prism_start PORT UPSTREAM: the validating proxy on PORT; its log is $DIR/prism.log.
PRISM_PID=""
prism_start() {
  [ -x "$PRISM" ] || { echo "Prism is not installed: scripts/test installs it (npm ci)"; return 1; }
  "$PRISM" proxy "$SPEC" "$2" --port "$1" --host 127.0.0.1 --errors >>"$DIR/prism.log" 2>&1 &
  PRISM_PID=$!
  wait_http "http://127.0.0.1:$1/health" 60 || { echo "Prism did not come up:"; tail -20 "$DIR/prism.log"; return 1; }
}

# Every request and response Prism saw matched the OpenAPI file: no violation of any level.
prism_clean() {
  if grep -n "Violation\|violation" "$DIR/prism.log"; then
    echo "FAIL: Prism found requests or responses that do not match $SPEC (above)"
    return 1
  fi
  grep -q "Request received" "$DIR/prism.log" ||
    grep -q "Forwarding" "$DIR/prism.log" ||
    { echo "FAIL: Prism saw no traffic"; tail "$DIR/prism.log"; return 1; }
}

adapter_cleanup() {
  [ -n "$PRISM_PID" ] && kill "$PRISM_PID" 2>/dev/null
  for name in "${!GW_PID[@]}"; do gateway_stop "$name"; done
}

# gateway_toml NAME DB_NAME ASSET OPENING [DECIMALS]: a gateway serving sqlite-ledger.
gateway_toml() {
  local name=$1 db=$2 asset=$3 opening=$4 decimals=${5:-}
  GW_PORT[$name]=$(free_port)
  {
    echo "listen = \"127.0.0.1:${GW_PORT[$name]}\""
    echo "database = \"$name.gateway.db\""
    echo "answer_within_ms = ${ANSWER_WITHIN_MS:-2000}"
    echo "poll_interval_ms = 100"
    if [ -n "$decimals" ]; then echo "[decimals]"; echo "\"$asset\" = $decimals"; fi
    echo "[[ledger]]"
    echo "name = \"$db\""
    echo "plugin = \"$PLUGIN_DIR/libsqlite-ledger.so\""
    echo "assets = [\"$asset\"]"
    echo "[ledger.config]"
    echo "database = \"$name.$db.db\""
    if [ -n "$opening" ]; then echo "opening_balances = [ $opening ]"; fi
  } >"$DIR/$name.toml"
}
