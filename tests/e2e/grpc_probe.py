#!/usr/bin/env python3
"""A generic gRPC client for the health and reflection services, as an operator's tool would be.

Debian 12 packages neither grpc_health_probe nor grpcurl, nor the Python stubs of
grpc.health.v1 and grpc.reflection; the messages involved are tiny, so they are encoded here by
hand (protobuf wire format) and sent with python3-grpcio's generic calls.

  grpc_probe.py health ADDR [SERVICE]     prints SERVING, NOT_SERVING, SERVICE_UNKNOWN, ...
  grpc_probe.py services ADDR             prints each service reflection lists, one a line
  grpc_probe.py methods ADDR SERVICE      prints the methods of SERVICE, from its descriptor
Exit 3 when the call fails (the gRPC status is printed).
"""
import sys

import grpc

HEALTH = "/grpc.health.v1.Health/Check"
REFLECTION = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"
STATUS = {0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"}


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(number, payload):
    """A length-delimited field."""
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def fields(data):
    """(number, value) pairs: ints for varints, bytes for length-delimited fields."""
    i = 0
    while i < len(data):
        key, i = read_varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = read_varint(data, i)
        elif wire == 2:
            length, i = read_varint(data, i)
            value, i = data[i:i + length], i + length
        elif wire == 5:
            value, i = data[i:i + 4], i + 4
        elif wire == 1:
            value, i = data[i:i + 8], i + 8
        else:
            raise ValueError("unexpected wire type %d" % wire)
        yield number, value


def read_varint(data, i):
    shift = result = 0
    while True:
        b = data[i]
        i += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return result, i


def reflect(channel, request):
    call = channel.stream_stream(REFLECTION, request_serializer=None, response_deserializer=None)
    return list(call(iter([request]), timeout=5))


def main(argv):
    command, address = argv[1], argv[2]
    channel = grpc.insecure_channel(address)
    try:
        if command == "health":
            service = argv[3].encode() if len(argv) > 3 else b""
            check = channel.unary_unary(HEALTH, request_serializer=None, response_deserializer=None)
            response = check(field(1, service) if service else b"", timeout=5)
            status = dict(fields(response)).get(1, 0)
            print(STATUS.get(status, str(status)))
        elif command == "services":
            for response in reflect(channel, field(7, b"")):  # list_services
                for number, value in fields(response):
                    if number == 6:  # list_services_response
                        for _, service in fields(value):
                            print(dict(fields(service))[1].decode())
        elif command == "methods":
            # file_containing_symbol: the descriptors a generic client needs to call the service.
            for response in reflect(channel, field(4, argv[3].encode())):
                for number, value in fields(response):
                    if number == 4:  # file_descriptor_response
                        for _, proto in fields(value):
                            print_methods(proto, argv[3])
        else:
            print("unknown command " + command, file=sys.stderr)
            return 2
    except grpc.RpcError as e:
        print("%s: %s" % (e.code().name, e.details()))
        return 3
    return 0


def print_methods(file_proto, full_name):
    """FileDescriptorProto: package = 2, service = 6 (name = 1, method = 2 (name = 1))."""
    parts = dict((n, v) for n, v in fields(file_proto) if n == 2)
    package = parts.get(2, b"").decode()
    for number, service in fields(file_proto):
        if number != 6:
            continue
        entries = list(fields(service))
        name = next(v for n, v in entries if n == 1).decode()
        if (package + "." + name) != full_name:
            continue
        for n, method in entries:
            if n == 2:
                print(dict(fields(method))[1].decode())


if __name__ == "__main__":
    sys.exit(main(sys.argv))
