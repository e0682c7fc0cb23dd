#!/usr/bin/env python3
"""Reads the chain directly, with no code of the plugin's: token balances, escrow holds and
event counts, for the EVM end-to-end tests. Keccak-256 is implemented here from the spec
(FIPS 202 permutation, original Keccak padding) and self-checked against a published vector.

  chain.py URL address ACCOUNT                         the account's mapped address
  chain.py URL balance TOKEN ACCOUNT DECIMALS          available, as a decimal
  chain.py URL held ESCROW TOKEN ACCOUNT DECIMALS      under holds, as a decimal
  chain.py URL count CONTRACT "Event(types)"           how many such events the contract emitted
  chain.py URL claims ESCROW                           each hash-lock claim: the sender of its
                                                       transaction, the beneficiary, the preimage
"""
import json
import sys
import urllib.request

RC = [0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
      0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
      0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
      0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
      0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
      0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008]
ROT = [[0, 36, 3, 41, 18], [1, 44, 10, 45, 2], [62, 6, 43, 15, 61], [28, 55, 25, 21, 56],
       [27, 20, 39, 8, 14]]
MASK = (1 << 64) - 1


def rol(v, n):
    return ((v << n) | (v >> (64 - n))) & MASK if n else v


def permute(a):
    for rc in RC:
        c = [a[x][0] ^ a[x][1] ^ a[x][2] ^ a[x][3] ^ a[x][4] for x in range(5)]
        d = [c[(x - 1) % 5] ^ rol(c[(x + 1) % 5], 1) for x in range(5)]
        a = [[a[x][y] ^ d[x] for y in range(5)] for x in range(5)]
        b = [[0] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                b[y][(2 * x + 3 * y) % 5] = rol(a[x][y], ROT[x][y])
        a = [[b[x][y] ^ (~b[(x + 1) % 5][y] & b[(x + 2) % 5][y]) for y in range(5)]
             for x in range(5)]
        a[0][0] ^= rc
    return a


def keccak256(data: bytes) -> bytes:
    rate = 136
    padded = bytearray(data) + b"\x01" + bytes((-len(data) - 1) % rate)
    padded[-1] |= 0x80
    a = [[0] * 5 for _ in range(5)]
    for off in range(0, len(padded), rate):
        block = padded[off:off + rate]
        for i in range(rate // 8):
            a[i % 5][i // 5] ^= int.from_bytes(block[8 * i:8 * i + 8], "little")
        a = permute(a)
    return b"".join(a[i % 5][i // 5].to_bytes(8, "little") for i in range(4))


assert keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"


def rpc(url, method, params):
    req = urllib.request.Request(url, json.dumps({"jsonrpc": "2.0", "id": 1, "method": method,
                                 "params": params}).encode(), {"Content-Type": "application/json"})
    reply = json.load(urllib.request.urlopen(req, timeout=10))
    if "error" in reply:
        sys.exit(f"{method}: {reply['error']}")
    return reply["result"]


def address_of(account):
    if account.startswith("0x") and len(account) == 42:
        return account.lower()
    return "0x" + keccak256(b"finp2p:account:" + account.encode()).hex()[24:]


def word(address):
    return address[2:].rjust(64, "0")


def call_uint(url, to, signature, *addresses):
    data = "0x" + keccak256(signature.encode())[:4].hex() + "".join(word(a) for a in addresses)
    return int(rpc(url, "eth_call", [{"to": to, "data": data}, "latest"]), 16)


def decimal(units, decimals):
    if decimals == 0:
        return str(units)
    text = str(units).rjust(decimals + 1, "0")
    whole, frac = text[:-decimals], text[-decimals:].rstrip("0")
    return whole + ("." + frac if frac else "")


def main():
    url, what, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if what == "address":
        print(address_of(args[0]))
    elif what == "balance":
        units = call_uint(url, args[0], "balanceOf(address)", address_of(args[1]))
        print(decimal(units, int(args[2])))
    elif what == "held":
        units = call_uint(url, args[0], "held(address,address)", args[1], address_of(args[2]))
        print(decimal(units, int(args[3])))
    elif what == "count":
        topic = "0x" + keccak256(args[1].encode()).hex()
        logs = rpc(url, "eth_getLogs", [{"fromBlock": "earliest", "toBlock": "latest",
                                         "address": args[0], "topics": [topic]}])
        print(len(logs))
    elif what == "claims":
        # Claimed(bytes32 indexed operationId, bytes32 indexed holdId, address indexed to,
        #         address token, address from, uint256 amount, bytes preimage)
        signature = "Claimed(bytes32,bytes32,address,address,address,uint256,bytes)"
        topic = "0x" + keccak256(signature.encode()).hex()
        logs = rpc(url, "eth_getLogs", [{"fromBlock": "earliest", "toBlock": "latest",
                                         "address": args[0], "topics": [topic]}])
        for log in logs:
            data = bytes.fromhex(log["data"][2:])
            offset = int.from_bytes(data[96:128], "big")  # after token, from, amount
            length = int.from_bytes(data[offset:offset + 32], "big")
            preimage = data[offset + 32:offset + 32 + length].hex()
            tx = rpc(url, "eth_getTransactionByHash", [log["transactionHash"]])
            to = "0x" + log["topics"][3][-40:]
            print(f"sender {tx['from'].lower()} beneficiary {to} preimage {preimage}")
    else:
        sys.exit(f"unknown query {what}")


if __name__ == "__main__":
    main()
