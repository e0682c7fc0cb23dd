# A local Ethereum node (anvil, from the pinned npm package under plugins/evm/tools) for the
# EVM plugin's tests and the demo. Source it; it needs FINP2P_ROOT.
# shellcheck shell=bash

ANVIL_BIN=${ANVIL_BIN:-$FINP2P_ROOT/plugins/evm/tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil}
ANVIL_CHAIN_ID=31337
# anvil's well-known development accounts (funded with test ether on every anvil; public keys,
# never use them on a real chain).
ANVIL_KEYS=(
  ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
  59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
  5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a
  7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6
  47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a
)

anvil_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# anvil_rpc METHOD PARAMS_JSON: prints the JSON result (exit 1 on a JSON-RPC error).
anvil_rpc() {
  python3 - "$ANVIL_URL" "$1" "$2" <<'PY'
import json, sys, urllib.request
url, method, params = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
req = urllib.request.Request(url, json.dumps({"jsonrpc": "2.0", "id": 1, "method": method,
                             "params": params}).encode(), {"Content-Type": "application/json"})
reply = json.load(urllib.request.urlopen(req, timeout=5))
if "error" in reply:
    print(reply["error"], file=sys.stderr)
    sys.exit(1)
print(json.dumps(reply["result"]))
PY
}

# anvil_start DIR: starts a fresh chain; sets ANVIL_URL and ANVIL_PID; logs to DIR/anvil.log.
anvil_start() {
  local dir=$1
  [ -x "$ANVIL_BIN" ] || { echo "anvil not found at $ANVIL_BIN (run npm ci in plugins/evm/tools)"; return 1; }
  ANVIL_PORT=$(anvil_free_port)
  ANVIL_URL="http://127.0.0.1:$ANVIL_PORT"
  "$ANVIL_BIN" --host 127.0.0.1 --port "$ANVIL_PORT" --chain-id "$ANVIL_CHAIN_ID" --silent \
    >"$dir/anvil.log" 2>&1 &
  ANVIL_PID=$!
  for _ in $(seq 1 100); do
    anvil_rpc eth_chainId '[]' >/dev/null 2>&1 && return 0
    kill -0 "$ANVIL_PID" 2>/dev/null || { echo "anvil exited:"; cat "$dir/anvil.log"; return 1; }
    sleep 0.05
  done
  echo "anvil did not answer on $ANVIL_URL"
  return 1
}

anvil_stop() {
  [ -n "${ANVIL_PID:-}" ] || return 0
  kill "$ANVIL_PID" 2>/dev/null || true
  wait "$ANVIL_PID" 2>/dev/null || true
  ANVIL_PID=""
}

# anvil_key_files DIR N: writes the first N development keys to DIR/operator-I.key and prints
# them as a TOML array.
anvil_key_files() {
  local dir=$1 n=$2 list=""
  for i in $(seq 0 $((n - 1))); do
    (umask 077 && echo "${ANVIL_KEYS[$i]}" >"$dir/operator-$i.key")
    list+="${list:+, }\"$dir/operator-$i.key\""
  done
  echo "[ $list ]"
}
