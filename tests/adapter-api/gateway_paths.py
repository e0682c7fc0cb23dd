#!/usr/bin/env python3
"""finp2p-adapter-gateway over real HTTP, every path of the OpenAPI file, through Prism validating
both directions: asset operations and their stored responses, Idempotency-Key replays (also
after a restart) and conflicts, operations answered isCompleted: false and polled, the error
shape of what a plugin cannot do, and a gateway that crashes after its plugin executed and
before it stored the outcome (restarted, it finishes the operation; nothing moves twice).
Usage: gateway_paths.py BIN PLUGIN_DIR SRC"""
import json, os, re, socket, sqlite3, subprocess, sys, tempfile, time, urllib.error, urllib.request

BIN, PLUGINS, SRC = sys.argv[1:4]
SPEC = f"{SRC}/tests/adapter-api/spec/dlt-adapter-api.yaml"
PRISM = f"{SRC}/tests/adapter-api/prism/node_modules/.bin/prism"
DIR = tempfile.mkdtemp(prefix="adapter-gateway.")
ALICE = "02" + "a1" * 32
BOB = "03" + "b2" * 32
ASSET_ID = "bank-x:102:bond"
ASSET = {"resourceId": ASSET_ID, "ledgerIdentifier": {"assetIdentifierType": "CAIP-19",
         "network": "finp2p-exec", "tokenId": ASSET_ID, "standard": "sqlite-ledger"}}
SIG = {"signature": "unsigned", "template": {"type": "hashList", "hashGroups": [], "hash": ""},
       "hashFunc": "unspecified"}
failures = []


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def check(cond, what):
    if not cond:
        failures.append(what); print("FAIL:", what)


def wait_http(url, seconds):
    end = time.time() + seconds
    while time.time() < end:
        try:
            urllib.request.urlopen(url, timeout=1); return True
        except urllib.error.HTTPError:
            return True
        except Exception:
            time.sleep(0.1)
    return False


GW = free_port()
with open(f"{DIR}/gw.toml", "w") as f:
    f.write(f'''listen = "127.0.0.1:{GW}"
database = "gw.db"
answer_within_ms = 0          # every operation answers isCompleted: false first
poll_interval_ms = 100
[[ledger]]
name = "bonds"
plugin = "{PLUGINS}/libsqlite-ledger.so"
assets = ["{ASSET_ID}"]
[ledger.config]
database = "bonds.db"
opening_balances = [ {{ account = "{ALICE}", asset = "{ASSET_ID}", amount = "1000" }} ]
''')
gateway = None


def start_gateway(failpoint=None):
    global gateway
    env = dict(os.environ)
    if failpoint: env["FINP2P_FAILPOINT"] = failpoint
    gateway = subprocess.Popen([f"{BIN}/finp2p-adapter-gateway", "--config", "gw.toml"], cwd=DIR,
                               env=env, stdout=open(f"{DIR}/gw.log", "a"), stderr=subprocess.STDOUT)
    assert wait_http(f"http://127.0.0.1:{GW}/health", 10), open(f"{DIR}/gw.log").read()


def stop_gateway():
    gateway.terminate(); gateway.wait()


PROXY = free_port()
start_gateway()
prism_log = open(f"{DIR}/prism.log", "w")
prism = subprocess.Popen([PRISM, "proxy", SPEC, f"http://127.0.0.1:{GW}", "--port", str(PROXY),
                          "--host", "127.0.0.1", "--errors"], stdout=prism_log,
                         stderr=subprocess.STDOUT)
assert wait_http(f"http://127.0.0.1:{PROXY}/health", 60), "Prism did not come up"
URL = f"http://127.0.0.1:{PROXY}"


def call(method, path, body=None, key=None, direct=False, headers=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request((f"http://127.0.0.1:{GW}" if direct else URL) + path, data=data,
                                 method=method)
    req.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items(): req.add_header(name, value)
    if key: req.add_header("Idempotency-Key", key)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            text = r.read().decode(); return r.status, json.loads(text) if text else None
    except urllib.error.HTTPError as e:
        text = e.read().decode()
        try: return e.code, json.loads(text)
        except ValueError: return e.code, text


def key(n):  # 24 random-looking bytes + 8-byte epoch, as the API describes
    return ("%048x" % n) + ("%016x" % int(time.time()))


def account(fin_id):
    return {"finId": fin_id, "asset": ASSET}


def completed(status, env):
    """The envelope once completed: polls /operations/status/{cid} while it is not."""
    check(status == 200, f"operation answered {status}: {env}")
    for _ in range(100):
        if env.get("isCompleted"): return env
        check(env["operationMetadata"]["operationResponseStrategy"]["type"] == "poll", "poll strategy")
        time.sleep(0.1)
        s, st = call("GET", f"/operations/status/{env['cid']}")
        check(s == 200 and st["type"] == "receipt", f"status: {s} {st}")
        env = st["operation"]
    check(False, "operation never completed"); return env


def balance(fin_id):
    s, b = call("POST", "/asset/balance", {"account": {"type": "finId", "finId": fin_id}, "asset": ASSET})
    check(s == 200, f"balance: {s} {b}")
    i = b["balanceInfo"]; return i["current"], i["available"], i["held"]


def holds_on_ledger():
    return sqlite3.connect(f"{DIR}/bonds.db").execute(
        "SELECT count(*) FROM transactions WHERE type='hold'").fetchone()[0]


# ---- health, plan endpoints ----
s, h = call("GET", "/health"); check(s == 200 and h == {"status": "ok"}, f"health {s} {h}")
s, a = call("POST", "/plan/approve", {"executionPlan": {"id": "plan-1"}})
check(s == 200 and a["approval"]["status"] == "approved", f"approve {a}")
s, st = call("GET", f"/operations/status/{a['cid']}")
check(s == 200 and st["type"] == "approval", f"approval status {st}")
s, a = call("POST", "/plan/proposal", {"executionPlan": {"id": "plan-1", "proposal": {"proposalType": "cancel"}}})
check(s == 200 and a["approval"]["status"] == "approved", f"proposal {a}")
s, _ = call("POST", "/plan/proposal/status", {"status": "approved", "request": {"executionPlan": {"id": "plan-1", "proposal": {"proposalType": "cancel"}}}})
check(s == 204, f"proposal status {s}")

# ---- hold, replay, conflict, status, receipt, balance ----
hold = {"nonce": key(1), "operationId": "plan-1_1", "source": account(ALICE), "destination": account(BOB),
        "quantity": "30", "expiry": 0, "signature": SIG,
        "executionContext": {"executionPlanId": "plan-1", "instructionSequenceNumber": 1}}
K_HOLD = key(2)
env = completed(*call("POST", "/assets/hold", hold, K_HOLD))
check(env.get("response", {}).get("operationType") == "hold", f"hold receipt {env}")
tx = env["response"]["transactionDetails"]["transactionId"]
s, again = call("POST", "/assets/hold", hold, K_HOLD)
check(s == 200 and again == env, f"replayed hold returns the stored response: {again}")
s, e = call("POST", "/assets/hold", dict(hold, quantity="31"), K_HOLD, direct=True)
check(s == 409 and e["errors"][0]["message"], f"key reused for another body: {s} {e}")
s, r = call("GET", f"/assets/receipts/{tx}")
check(s == 200 and r["response"]["quantity"] == "30", f"receipt {s} {r}")
check(balance(ALICE) == ("1000", "970", "30"), f"alice after hold {balance(ALICE)}")

# ---- restart: the key is remembered ----
stop_gateway(); start_gateway()
s, again = call("POST", "/assets/hold", hold, K_HOLD)
check(s == 200 and again == env, f"hold replayed after a restart: {again}")
check(holds_on_ledger() == 1, "one hold on the ledger")

# ---- release, transfer (and insufficient), issue, redeem, rollback ----
rel = {"operationId": "plan-1_1", "source": account(ALICE), "destination": account(BOB), "quantity": "30",
       "executionContext": {"executionPlanId": "plan-1", "instructionSequenceNumber": 2}}
env = completed(*call("POST", "/assets/release", rel, key(3)))
check("response" in env, f"release {env}")
check(balance(BOB) == ("30", "30", "0"), f"bob after release {balance(BOB)}")
t = {"nonce": key(4), "source": account(BOB), "destination": account(ALICE), "quantity": "30.5",
     "settlementRef": "t1", "signature": SIG}
env = completed(*call("POST", "/assets/transfer", t, key(5)))
check(env.get("error", {}).get("code") == 3 and "insufficient" in env["error"]["message"], f"insufficient {env}")
env = completed(*call("POST", "/assets/transfer", dict(t, quantity="10"), key(6)))
check("response" in env, f"transfer {env}")
iss = {"nonce": key(7), "destination": account(BOB), "quantity": "5", "settlementRef": "i1", "signature": SIG}
check("response" in completed(*call("POST", "/assets/issue", iss, key(8))), "issue")
red = {"nonce": key(9), "source": account(BOB), "quantity": "1", "settlementRef": "r1", "signature": SIG}
check("response" in completed(*call("POST", "/assets/redeem", red, key(10))), "redeem")
h2 = dict(hold, operationId="hold-2", quantity="7", nonce=key(11)); del h2["executionContext"]
check("response" in completed(*call("POST", "/assets/hold", h2, key(12))), "hold-2")
rb = {"operationId": "hold-2", "source": account(ALICE), "quantity": "7"}
check("response" in completed(*call("POST", "/assets/rollback", rb, key(13))), "rollback")
check(balance(ALICE) == ("980", "980", "0"), f"alice at the end {balance(ALICE)}")
check(balance(BOB) == ("24", "24", "0"), f"bob at the end {balance(BOB)}")
s, b = call("POST", "/assets/getBalance", {"owner": account(BOB)})
check(s == 200 and b["balance"] == "24", f"getBalance {s} {b}")

# ---- what a plugin cannot do: the API's error shape ----
s, c = call("POST", "/assets/create", {"asset": {"resourceId": "bank-x:102:new"}}, key(14))
check(s == 200 and c["isCompleted"] and c["error"]["message"], f"create unknown {c}")
s, c = call("POST", "/assets/create", {"asset": {"resourceId": ASSET_ID}}, key(15))
check(s == 200 and c["response"]["ledgerAssetInfo"]["ledgerIdentifier"]["tokenId"] == ASSET_ID, f"create served {c}")
s, d = call("POST", "/payments/depositInstruction", {"destination": {"finId": BOB, "account": {"type": "finId", "finId": BOB}},
            "owner": {"finId": BOB, "account": {"type": "finId", "finId": BOB}}, "asset": {"type": "finp2p", "resourceId": ASSET_ID}}, key(16))
check(s == 200 and d["isCompleted"] and "error" in d, f"deposit {s} {d}")
s, p = call("POST", "/payments/payout", {"source": {"finId": BOB, "account": {"type": "finId", "finId": BOB}}, "quantity": "1",
            "asset": {"id": ASSET_ID, "ledgerIdentifier": ASSET["ledgerIdentifier"]}}, key(17))
check(s == 200 and p["error"]["code"] == 1, f"payout {s} {p}")
s, _ = call("GET", "/assets/receipts/no-such-tx"); check(s == 404, f"unknown receipt {s}")
s, _ = call("GET", "/operations/status/no-such-cid"); check(s == 404, f"unknown cid {s}")
s, e = call("POST", "/assets/hold", hold, None, direct=True)
check(s == 400 and e["type"] == "error", f"no Idempotency-Key {s} {e}")
s, e = call("POST", "/no/such/path", {}, direct=True); check(s == 404, f"unknown path {s}")

# ---- a crash after the plugin executed, before the outcome was stored ----
stop_gateway(); start_gateway("gateway-after-execute")
h3 = dict(h2, operationId="hold-3", quantity="11", nonce=key(18))
K3 = key(19)
try:
    call("POST", "/assets/hold", h3, K3, direct=True)
except Exception:
    pass
gateway.wait(timeout=10)
check(gateway.returncode != 0, "the gateway stopped at its failpoint")
start_gateway()
env = completed(*call("POST", "/assets/hold", h3, K3))
check("response" in env, f"hold after the crash {env}")
check(holds_on_ledger() == 3, f"each hold once on the ledger ({holds_on_ledger()})")
check(balance(ALICE) == ("980", "969", "11"), f"alice after the crash {balance(ALICE)}")
time.sleep(0.5)
log = open(f"{DIR}/prism.log").read()
violations = [l for l in log.splitlines() if re.search(r"violation", l, re.I)]
check(not violations, "Prism found schema violations:\n" + "\n".join(violations))
check("Request received" in log, "Prism saw the traffic")
# The validator is live: a hold without its required nonce, signature and expiry is refused.
s, e = call("POST", "/assets/hold", {"operationId": "x", "source": account(ALICE), "quantity": "1"}, key(20))
check(s == 422, f"Prism let an invalid request through: {s} {e}")
stop_gateway(); prism.terminate(); prism.wait()

# ---- authentication (F14 of the 2026-12-03 review: anyone reaching the port moved holdings) ----
TOKEN = "t" * 40
open(f"{DIR}/token", "w").write(TOKEN + "\n")
toml_text = open(f"{DIR}/gw.toml").read()
open(f"{DIR}/gw.toml", "w").write('auth_token_file = "token"\n' + toml_text)
start_gateway()
body = {"account": {"type": "finId", "finId": ALICE}, "asset": ASSET}
s, e = call("POST", "/asset/balance", body, direct=True)
check(s == 401 and "Bearer" in str(e), f"no token: {s} {e}")
s, e = call("POST", "/asset/balance", body, direct=True, headers={"Authorization": "Bearer " + "u" * 40})
check(s == 401, f"a wrong token: {s} {e}")
s, e = call("POST", "/asset/balance", body, direct=True, headers={"Authorization": "Bearer " + TOKEN})
check(s == 200 and e["balanceInfo"]["available"] == "969", f"the token: {s} {e}")
check(wait_http(f"http://127.0.0.1:{GW}/health", 2), "/health without a token")
stop_gateway()
# Off loopback without a token it does not start, and says why.
open(f"{DIR}/open.toml", "w").write(toml_text.replace(f'listen = "127.0.0.1:{GW}"', f'listen = "0.0.0.0:{GW}"'))
r = subprocess.run([f"{BIN}/finp2p-adapter-gateway", "--config", "open.toml"], cwd=DIR,
                   capture_output=True, text=True, timeout=20)
check(r.returncode != 0 and "without auth_token_file" in r.stdout + r.stderr,
      f"off loopback without a token: exit {r.returncode}: {r.stdout}{r.stderr}")
print(f"{'FAILED' if failures else 'ok'}: {len(failures)} failure(s) ({DIR})")
sys.exit(1 if failures else 0)
