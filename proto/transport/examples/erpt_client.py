#!/usr/bin/env python3
"""A minimal ERPT client written from proto/transport/README.md alone (no code shared with the
Swift implementation): opens a connection, makes one unary call, prints the result.

    erpt_client.py HOST PORT PATH [--message HEX] [--meta KEY=VALUE ...] [--dump]

Prints `status=<code> message=<status message>`, then `response=<hex>` and `meta <key>=<value>`
lines for the response's initial and trailing metadata. With --dump, every frame sent and received
is printed in hex to stderr. Exits 0 when the call completed (whatever its status), 1 otherwise.
"""
import argparse
import socket
import struct
import sys

PREFACE = b"ERPT" + struct.pack(">HH", 1, 0)
SETTINGS, HEADERS, MESSAGE, HALF_CLOSE, TRAILERS, RST_STREAM, WINDOW_UPDATE, PING, GOAWAY = range(9)
END_MESSAGE = ACK = 0x1


def frame(ftype, stream, payload=b"", flags=0):
    return struct.pack(">IBBI", len(payload), ftype, flags, stream) + payload


def metadata_block(pairs):
    out = b""
    for key, value in pairs:
        k = key.encode()
        v = value if isinstance(value, bytes) else value.encode()
        out += struct.pack(">H", len(k)) + k + struct.pack(">I", len(v)) + v
    return out


def parse_metadata(data):
    pairs, i = [], 0
    while i < len(data):
        (klen,) = struct.unpack_from(">H", data, i)
        key = data[i + 2 : i + 2 + klen].decode()
        i += 2 + klen
        (vlen,) = struct.unpack_from(">I", data, i)
        value = data[i + 4 : i + 4 + vlen]
        i += 4 + vlen
        pairs.append((key, value if key.endswith("-bin") else value.decode()))
    return pairs


def hexdump(prefix, data):
    sys.stderr.write(prefix + " " + " ".join(f"{b:02x}" for b in data) + "\n")


class Connection:
    def __init__(self, host, port, dump):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.buffer = b""
        self.dump = dump

    def send(self, data):
        if self.dump:
            hexdump(">>", data)
        self.sock.sendall(data)

    def read_exact(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed by the server")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def read_frame(self):
        header = self.read_exact(10)
        length, ftype, flags, stream = struct.unpack(">IBBI", header)
        payload = self.read_exact(length)
        if self.dump:
            hexdump("<<", header + payload)
        return ftype, flags, stream, payload


def unary(host, port, path, message, metadata, dump=False):
    conn = Connection(host, port, dump)
    conn.send(PREFACE + frame(SETTINGS, 0))
    preface = conn.read_exact(8)
    if dump:
        hexdump("<<", preface)
    if preface[:4] != b"ERPT":
        raise ConnectionError("server did not answer with an ERPT preface")
    ftype, _, _, _ = conn.read_frame()
    if ftype != SETTINGS:
        raise ConnectionError("server's first frame is not SETTINGS")

    stream = 1
    p = path.encode()
    conn.send(frame(HEADERS, stream, struct.pack(">H", len(p)) + p + metadata_block(metadata)))
    conn.send(frame(MESSAGE, stream, message, flags=END_MESSAGE))
    conn.send(frame(HALF_CLOSE, stream))

    initial, response, partial = [], None, b""
    while True:
        ftype, flags, sid, payload = conn.read_frame()
        if ftype == PING and not flags & ACK:
            conn.send(frame(PING, 0, payload, flags=ACK))
        elif ftype == GOAWAY:
            last, code = struct.unpack_from(">II", payload)
            if code != 0:
                raise ConnectionError(f"GOAWAY {code}: {payload[8:].decode()}")
        elif sid != stream:
            continue
        elif ftype == HEADERS:
            initial = parse_metadata(payload)
        elif ftype == MESSAGE:
            partial += payload
            if flags & END_MESSAGE:
                response, partial = partial, b""
        elif ftype in (TRAILERS, RST_STREAM):
            code, mlen = struct.unpack_from(">II", payload)
            status_message = payload[8 : 8 + mlen].decode()
            trailing = parse_metadata(payload[8 + mlen :]) if ftype == TRAILERS else []
            conn.sock.close()
            return code, status_message, response, initial, trailing


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("path")
    parser.add_argument("--message", default="")
    parser.add_argument("--meta", action="append", default=[])
    parser.add_argument("--dump", action="store_true")
    args = parser.parse_args()
    metadata = [tuple(item.split("=", 1)) for item in args.meta]
    try:
        code, text, response, initial, trailing = unary(
            args.host, args.port, args.path, bytes.fromhex(args.message), metadata, args.dump
        )
    except (OSError, ConnectionError) as error:
        print(f"error={error}")
        return 1
    print(f"status={code} message={text}")
    if response is not None:
        print(f"response={response.hex()}")
    for key, value in initial + trailing:
        print(f"meta {key}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
