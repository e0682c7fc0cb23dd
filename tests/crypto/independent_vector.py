#!/usr/bin/python3
"""Recomputes the sealing test vector of docs/protocol.md without any of our code: protobuf wire
encoding by hand, SHA3-256 from hashlib, Ed25519 from python3-cryptography. If this and the C++
test (tests/crypto/sealing_test.cpp) agree, another implementation following the document can
verify our seals."""
import hashlib
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

EXPECTED_CANONICAL = (
    "0a210a086d73672d30303031120662616e6b2d621a0662616e6b2d612080bcd9f29e34a2064b0a310a2f62616e"
    "6b2d613a3130363a35623063316630652d386634332d346530612d396435632d336332613762396531613031"
    "1a16696e73756666696369656e74206c6971756964697479")
EXPECTED_DIGEST = "bf0d2636ac47f2e41f6dd9a2900acb84a4d28840a1d8a9d1e17e011e67cef149"
EXPECTED_SIGNATURE = (
    "fb08c0cbff01dab58790b1909ad69b5316e9d7ba75cbe98e748de20b9202c2ad61781d3157eb00d60ed683fbefaa"
    "48f9e929fbc5bc1f0b0f025d9608b58bec02")


def varint(n):
    out = b""
    while True:
        b, n = n & 0x7F, n >> 7
        if not n:
            return out + bytes([b])
        out += bytes([b | 0x80])


def length_delimited(field, payload):
    return varint(field << 3 | 2) + varint(len(payload)) + payload


def uint(field, n):
    return varint(field << 3) + varint(n)


envelope = (length_delimited(1, b"msg-0001") + length_delimited(2, b"bank-b") +
            length_delimited(3, b"bank-a") + uint(4, 1795000000000))
plan_id = length_delimited(1, b"bank-a:106:5b0c1f0e-8f43-4e0a-9d5c-3c2a7b9e1a01")
rejection = length_delimited(1, plan_id) + length_delimited(3, b"insufficient liquidity")
canonical = length_delimited(1, envelope) + length_delimited(100, rejection)

digest = hashlib.sha3_256(b"finp2p-exec:seal:v1\nfinp2p.execution.RejectRequest\n" +
                          canonical).digest()
key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
signature = key.sign(digest)
key.public_key().verify(bytes.fromhex(EXPECTED_SIGNATURE), digest)

ok = True
for name, got, want in [("canonical bytes", canonical.hex(), EXPECTED_CANONICAL),
                        ("digest", digest.hex(), EXPECTED_DIGEST),
                        ("signature", signature.hex(), EXPECTED_SIGNATURE)]:
    if got != want:
        print(f"{name} differs:\n  got  {got}\n  want {want}")
        ok = False
print("independent implementation agrees with the test vector" if ok else "MISMATCH")
sys.exit(0 if ok else 1)
