#!/usr/bin/python3
"""A second implementation of a finp2p-exec peer, written from docs/protocol.md and the .proto
files alone (no code of ours: a hand-written protobuf wire encoding, hashlib's SHA3-256,
python3-cryptography's Ed25519 and secp256k1, python3-grpcio with raw bytes).

It acts as one contributor of a real plan with a real router: it answers the router's sealed
requests, verifies the investors' signatures, approves the plan, checks and approves each completion, computes the agreed chain
itself and prints its head, which the caller compares with the router's journalHeadHash.

  second_peer.py --org bank-b --key bank-b.key --listen 127.0.0.1:7002 \
                 --peer bank-a=127.0.0.1:7001=bank-a.pub --plan-timeout 60
Prints "head <hex>" once the plan it takes part in has settled every instruction it approved
and seen the terminal status it expects, then exits 0; any check that fails exits 1.
"""
import argparse
import decimal
import hashlib
import sys
import threading
import time
from concurrent import futures

import grpc
from cryptography.hazmat.primitives import serialization

# ---- protobuf wire format (proto3, deterministic: ascending field numbers) ----


def varint(n):
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field_bytes(number, data):  # length-delimited: strings, bytes, messages
    return varint(number << 3 | 2) + varint(len(data)) + data


def field_str(number, text):
    return field_bytes(number, text.encode()) if text else b""


def field_int(number, value):
    return varint(number << 3) + varint(value) if value else b""


def message(*fields):
    return b"".join(fields)


def parse(data):
    """Top-level fields of a message: a list of (number, wire type, value, raw field bytes)."""
    out, i = [], 0
    while i < len(data):
        start = i
        key, i = read_varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = read_varint(data, i)
        elif wire == 2:
            length, i = read_varint(data, i)
            value, i = data[i:i + length], i + length
        elif wire == 1:
            value, i = data[i:i + 8], i + 8
        elif wire == 5:
            value, i = data[i:i + 4], i + 4
        else:
            raise ValueError("unsupported wire type %d" % wire)
        out.append((number, wire, value, data[start:i]))
    return out


def read_varint(data, i):
    n = shift = 0
    while True:
        b = data[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def get(data, number, default=b""):
    for n, _, value, _ in parse(data):
        if n == number:
            return value
    return default


def get_all(data, number):
    return [value for n, _, value, _ in parse(data) if n == number]


def without(data, number):
    return b"".join(raw for n, _, _, raw in parse(data) if n != number)


# ---- hashes and signatures (docs/protocol.md, "Hashes" and "Signatures") ----


def sha3(data):
    return hashlib.sha3_256(data).digest()


class Keys:
    def __init__(self, own_pem, peers):
        self.own = serialization.load_pem_private_key(own_pem, password=None)
        self.peers = {org: serialization.load_pem_public_key(pem) for org, pem in peers.items()}

    def sign(self, digest):
        return self.own.sign(digest)

    def verify(self, org, digest, signature):
        try:
            self.peers[org].verify(signature, digest)
            return True
        except Exception:  # noqa: BLE001 - any failure is a refusal
            return False


def seal_digest(full_type_name, payload):
    return sha3(b"finp2p-exec:seal:v1\n" + full_type_name.encode() + b"\n" + payload)


def signature_message(hex_signature, template):
    # finp2p.signature.Signature: signature = 1, routerTemplate = 2, hashFunc = 3
    return message(field_str(1, hex_signature), field_str(2, template), field_str(3, "sha3-256"))


def completion_digest(event):
    return sha3(b"finp2p-exec:completion:v1\n" + without(event, 3))


# ---- the peer ----

SERVICE = "finp2p.execution.ExecutionService"
REQUEST_TYPES = {"Propose": "ProposeRequest", "Approve": "ApproveRequest",
                 "Reject": "RejectRequest", "Resend": "ResendRequest"}
RESPONSE_TYPES = {"Propose": "ProposeResponse", "Approve": "ApproveResponse",
                  "Reject": "RejectResponse", "Resend": "ResendResponse"}


def fail(text):
    print("FAIL: " + text, flush=True)
    sys.exit(1)


class Peer:
    def __init__(self, org, keys, addresses):
        self.org, self.keys, self.addresses = org, keys, addresses
        self.lock = threading.Lock()
        self.plan = None          # canonical bytes of the ExecutionPlan
        self.plan_id = None
        self.approvals = {}       # org -> canonical ExecutionPlanApproval
        self.settled = []         # chain payloads of settled instructions, in order
        self.status = None        # terminal status we expect the router to report
        self.done = threading.Event()
        self.counter = 0
        self.log = []

    # Envelope: messageId = 1, senderOrganizationId = 2, receiverOrganizationId = 3,
    # timestampMillis = 4.
    def envelope(self, message_id, to):
        return message(field_str(1, message_id), field_str(2, self.org), field_str(3, to),
                       field_int(4, int(time.time() * 1000)))

    def sealed(self, type_name, payload):
        # Signed*: request/response = 1, signature = 2 (SealingSignature: algorithm = 1,
        # hashFunc = 2, keyId = 3, signature = 4).
        sig = self.keys.sign(seal_digest("finp2p.execution." + type_name, payload))
        seal = message(field_str(1, "ed25519"), field_str(2, "sha3-256"), field_str(3, self.org),
                       field_bytes(4, sig))
        return message(field_bytes(1, payload), field_bytes(2, seal))

    # -- incoming --
    def handler(self, method):
        def handle(body, context):
            return self.receive(method, body)
        return handle

    def receive(self, method, body):
        signed = body
        request = get(signed, 1)
        seal = get(signed, 2)
        envelope = get(request, 1)
        sender = get(envelope, 2).decode()
        message_id = get(envelope, 1).decode()
        code, text = 0, "accepted"
        if get(envelope, 3).decode() != self.org:
            code, text = 5, "not addressed to " + self.org
        elif sender not in self.keys.peers or get(seal, 3).decode() != sender:
            code, text = 5, "unknown sender"
        elif not self.keys.verify(sender, seal_digest(
                "finp2p.execution." + REQUEST_TYPES[method], request), get(seal, 4)):
            code, text = 4, "seal does not verify"
        else:
            try:
                getattr(self, "on_" + method.lower())(sender, request)
            except Exception as e:  # noqa: BLE001 - answered, and the test fails below
                self.log.append("error handling %s from %s: %r" % (method, sender, e))
                code, text = 1, str(e)
        response = message(field_bytes(1, self.envelope("re:" + message_id, sender)),
                           field_bytes(2, message(field_int(1, code), field_str(2, text))))
        return self.sealed(RESPONSE_TYPES[method], response)

    def on_resend(self, sender, request):
        pass  # nothing owed that the outbox below has not delivered

    def on_reject(self, sender, request):
        self.log.append("rejection from %s: %r" % (sender, request))

    def on_propose(self, sender, request):
        proposal = get(request, 100)
        if proposal:
            return self.on_plan(sender, get(proposal, 1))
        return self.on_completion(sender, get(request, 101))

    def on_plan(self, sender, plan):
        with self.lock:
            if self.plan is not None:
                return
            plan_id = get(get(plan, 1), 1).decode()
            if plan_id.split(":")[0] != sender:
                raise ValueError("proposed by %s, not its issuer" % sender)
            self.plan, self.plan_id = plan, plan_id
        verify_investor_signatures(plan)
        # ExecutionPlanApproval: executionPlanId = 1 (ResourceID id = 1), organizationID = 2,
        # signature = 3 over SHA3-256("finp2p-exec:plan-approval:v1\n" || plan digest || org).
        plan_digest = sha3(b"finp2p-exec:plan:v1\n" + plan)
        digest = sha3(b"finp2p-exec:plan-approval:v1\n" + plan_digest + self.org.encode())
        approval = message(field_bytes(1, field_str(1, plan_id)), field_str(2, self.org),
                           field_bytes(3, signature_message(self.keys.sign(digest).hex(),
                                                            "finp2p-exec:plan-approval:v1")))
        with self.lock:
            self.approvals[self.org] = approval
        self.send_all("Approve", plan_id + "/plan-approval", field_bytes(100, approval))

    def on_approve(self, sender, request):
        approval = get(request, 100)
        if approval:
            plan_digest = sha3(b"finp2p-exec:plan:v1\n" + self.plan)
            digest = sha3(b"finp2p-exec:plan-approval:v1\n" + plan_digest + sender.encode())
            signature = bytes.fromhex(get(get(approval, 3), 1).decode())
            if get(approval, 2).decode() != sender or not self.keys.verify(sender, digest, signature):
                raise ValueError("plan approval from %s does not verify" % sender)
            with self.lock:
                self.approvals[sender] = approval
            return
        # A completion approval of another contributor: not needed by a two-party plan.
        self.log.append("completion approval from " + sender)

    def instruction(self, sequence):
        for ins in get_all(self.plan, 5):
            if get_int(ins, 2) == sequence:
                return ins
        raise ValueError("no instruction %d" % sequence)

    def on_completion(self, sender, event):
        ins = get(event, 1)
        sequence = get_int(ins, 2)
        # The executor's signature over the event without its signature field.
        signature = bytes.fromhex(get(get(event, 3), 1).decode())
        if not self.keys.verify(sender, completion_digest(event), signature):
            raise ValueError("completion signature does not verify")
        if ins != self.instruction(sequence):
            raise ValueError("the completion's instruction is not the plan's")
        if sender.encode() not in get_all(ins, 3):
            raise ValueError("%s does not execute instruction %d" % (sender, sequence))
        status_code = get_int(get(event, 2), 1)
        if status_code == 0:
            self.check_receipt(ins, get(event, 100), sequence)
        # InstructionCompletionApproval: signature = 1, instructionCompletion = 2; the signature
        # over SHA3-256("finp2p-exec:completion-approval:v1\n" || completion digest || org).
        digest = sha3(b"finp2p-exec:completion-approval:v1\n" + completion_digest(event) +
                      self.org.encode())
        own = signature_message(self.keys.sign(digest).hex(), "finp2p-exec:completion-approval:v1")
        approval = message(field_bytes(1, own), field_bytes(2, event))
        # Settled once every contributor other than the executor approved: here, us alone.
        with self.lock:
            self.settled.append(event + self.org.encode() + own)
            last = sequence == get_int(get_all(self.plan, 5)[-1], 2)
        self.send_all("Approve", "%s/%d/%s/completion-approval" % (self.plan_id, sequence, sender),
                      field_bytes(101, approval))
        if last:
            self.status = "completed"
            self.done.set()

    def check_receipt(self, ins, receipt, sequence):
        # docs/protocol.md, "Receipt fields the instruction determines": Hold and Release here.
        body = get(ins, 100) or get(ins, 102)
        kind = "hold" if get(ins, 100) else "release"
        if get(receipt, 2).decode() != kind:
            raise ValueError("receipt operation type")
        if get(get(receipt, 5), 1) != get(get(body, 3), 1):
            raise ValueError("receipt asset id")
        if get_int(get(receipt, 5), 2) != get_int(get(body, 3), 2):
            raise ValueError("receipt asset type")
        for field, name in ((1, "source"), (2, "destination")):
            owner = get(body, field)
            want = account_name(get(owner, 2)) or get(get(owner, 1), 1)
            got = account_name(get(receipt, 2 + field))
            if got != want:
                raise ValueError("receipt %s %r, the instruction's %r" % (name, got, want))
        if decimal.Decimal(get(receipt, 6).decode()) != decimal.Decimal(get(body, 4).decode()):
            raise ValueError("receipt quantity")
        context = get(get(receipt, 8), 1)
        if get(get(context, 1), 1).decode() != self.plan_id or get_int(context, 2) != sequence:
            raise ValueError("receipt execution context")
        if get(get(receipt, 9), 2).decode() != "%s_%d" % (self.plan_id, sequence):
            raise ValueError("receipt operation id")

    # -- outgoing --
    def send_all(self, method, message_id, body):
        others = [org for org in self.participants() if org != self.org]
        for to in others:
            payload = message(field_bytes(1, self.envelope(message_id, to)), body)
            signed = self.sealed(REQUEST_TYPES[method], payload)
            threading.Thread(target=self.deliver, args=(to, method, signed), daemon=True).start()

    def deliver(self, to, method, signed):
        call = grpc.insecure_channel(self.addresses[to]).unary_unary(
            "/%s/%s" % (SERVICE, method))
        for _ in range(100):
            try:
                answer = call(signed, timeout=5)
            except grpc.RpcError:
                time.sleep(0.2)
                continue
            response, seal = get(answer, 1), get(answer, 2)
            if not self.keys.verify(to, seal_digest("finp2p.execution." + RESPONSE_TYPES[method],
                                                    response), get(seal, 4)):
                fail("the answer of %s does not verify" % to)
            status = get(response, 2)
            code = get_int(status, 1)
            if code in (7, 9, 10):  # docs/protocol.md: send it again later
                time.sleep(0.2)
                continue
            if code != 0:
                fail("%s refused our %s (code %d): %s" % (to, method, code, get(status, 2).decode()))
            return
        fail("%s did not take our %s" % (to, method))

    def participants(self):
        return [get(p, 1).decode() for p in get_all(self.plan, 4)]

    # -- the agreed chain (docs/protocol.md, "The agreed chain and journalHeadHash") --
    def head(self):
        facts = [(b"plan", self.plan),
                 (b"approved", b"".join(self.approvals[o] for o in sorted(self.approvals))),
                 *[(b"settled", s) for s in self.settled],
                 (b"terminal", b"%s\n0\n" % self.status.encode())]
        head = b""
        for kind, payload in facts:
            head = sha3(b"finp2p-exec:chain:v1\n" + head + kind + b"\n" + payload)
        return head.hex()


def verify_investor_signatures(plan):
    """Every investor signature of the intent (docs/protocol.md, "Investor signatures"): each
    stated hash recomputed, then secp256k1 ECDSA over the template hash with the investor's finId.
    hashList only (hashlib has no keccak-256 for EIP-712). Coverage is the router's check; this
    peer checks only that the signatures are real."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, utils
    # plan.intent = 2 -> ExecutionPlanIntent.intent = 1 -> investors = 5 {finId 1, signature 3}
    for investor in get_all(get(get(plan, 2), 1), 5):
        fin_id, signature = get(investor, 1).decode(), get(investor, 3)
        if not signature:
            continue
        # Signature: signature 1, hashFunc 3, template 4 {type 1, hashGroups 2, hash 3};
        # HashGroup {hash 1, fields 2 {name 1, type 2, value 3}}.
        template = get(signature, 4)
        if get(signature, 3) != b"sha3-256" or get(template, 1) != b"hashList":
            raise ValueError("investor %s: not a sha3-256 hashList signature" % fin_id)
        group_hashes = b""
        for group in get_all(template, 2):
            data = b"".join(bytes.fromhex(get(f, 3).decode()) if get(f, 2) == b"bytes"
                            else get(f, 3) for f in get_all(group, 2))
            if sha3(data).hex().encode() != get(group, 1):
                raise ValueError("investor %s: a hash group does not hash to its hash" % fin_id)
            group_hashes += sha3(data)
        digest = sha3(group_hashes)
        if digest.hex().encode() != get(template, 3):
            raise ValueError("investor %s: the template does not hash to its hash" % fin_id)
        raw = bytes.fromhex(get(signature, 1).decode())
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), bytes.fromhex(fin_id))
        der = utils.encode_dss_signature(int.from_bytes(raw[:32], "big"),
                                         int.from_bytes(raw[32:], "big"))
        key.verify(der, digest, ec.ECDSA(utils.Prehashed(hashes.SHA3_256())))


def get_int(data, number):
    value = get(data, number, 0)
    return value if isinstance(value, int) else 0


def account_name(identifier):
    # AccountIdentifier: finp2p = 1 (FinP2PAccount finId = 1), address = 2, iban = 3.
    fin = get(identifier, 1)
    if fin:
        return get(fin, 1)
    return get(identifier, 2) or get(identifier, 3)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--org", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--listen", required=True)
    ap.add_argument("--peer", action="append", default=[], help="ORG=HOST:PORT=PUBKEY.pem")
    ap.add_argument("--plan-timeout", type=float, default=60)
    args = ap.parse_args()
    peers, addresses = {}, {}
    for spec in args.peer:
        org, address, pem = spec.split("=")
        peers[org], addresses[org] = open(pem, "rb").read(), address
    peer = Peer(args.org, Keys(open(args.key, "rb").read(), peers), addresses)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    handlers = {m: grpc.unary_unary_rpc_method_handler(peer.handler(m)) for m in REQUEST_TYPES}
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))
    server.add_insecure_port(args.listen)
    server.start()
    print("listening", flush=True)
    if not peer.done.wait(args.plan_timeout):
        fail("the plan did not settle: " + "; ".join(peer.log))
    time.sleep(0.5)  # let the last approval's delivery finish
    print("head " + peer.head(), flush=True)
    for line in peer.log:
        print("note: " + line, flush=True)
    server.stop(1)


if __name__ == "__main__":
    main()
