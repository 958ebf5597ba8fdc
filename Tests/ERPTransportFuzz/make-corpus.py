#!/usr/bin/env python3
"""Writes the fuzz target's seed corpus: each file is what a peer sends after its preface and
SETTINGS (the target adds those). Run from this folder; the output is committed."""
import os, struct

def frame(kind, stream, payload, flags=0):
    return struct.pack(">IBBI", len(payload), kind, flags, stream) + payload

def entries(pairs):
    out = b""
    for key, value in pairs:
        out += struct.pack(">H", len(key)) + key + struct.pack(">I", len(value)) + value
    return out

def headers(stream, path, pairs=()):
    return frame(1, stream, struct.pack(">H", len(path)) + path + entries(pairs))

def status(code, message, pairs=()):
    return struct.pack(">II", code, len(message)) + message + entries(pairs)

def unary(stream, pairs=()):
    return (headers(stream, b"/test.Echo/Get", pairs) + frame(2, stream, b"hi", flags=1)
            + frame(3, stream, b""))

arabic = "شكرا".encode()
seeds = {
    "unary-call": unary(1, [(b"x-echo-k", b"v")]),
    "timeout-valid": unary(1, [(b"grpc-timeout", b"100m")]),
    "timeout-negative": unary(1, [(b"grpc-timeout", b"-1S")]) + unary(3),
    "timeout-nine-digits": unary(1, [(b"grpc-timeout", b"123456789S")]),
    "timeout-twice": unary(1, [(b"grpc-timeout", b"1S"), (b"grpc-timeout", b"2S")]),
    "previous-attempts": unary(1, [(b"grpc-previous-rpc-attempts", b"-1")]),
    "encoding-gzip": unary(1, [(b"grpc-encoding", b"gzip")]),
    "binary-metadata": unary(1, [(b"x-blob-bin", bytes(range(256)))]),
    "bad-path": headers(1, b"no-slash") + headers(3, b"//") + headers(5, b"/a/b/c"),
    "even-stream": headers(2, b"/test.Echo/Get"),
    "reused-stream": headers(3, b"/test.Echo/Get") + headers(3, b"/test.Echo/Get"),
    "oversized-headers": struct.pack(">IBBI", 20_000, 1, 0, 1) + b"a" * 64,
    "trailers-arabic": frame(4, 1, status(3, arabic * 50, [(b"x-k", arabic)])),
    "trailers-bad-utf8": frame(4, 3, status(0, b"", [(b"x-a", b"\xc3\x28")])),
    "trailers-unknown-stream": frame(4, 9, status(0, b"")),
    "response-headers": frame(1, 1, entries([(b"x-k", b"v")])) + frame(2, 1, b"m", flags=1),
    "reset": unary(1) + frame(5, 1, status(1, b"cancelled")),
    "window-update": unary(1) + frame(6, 1, struct.pack(">I", 0x7FFFFFFF)) * 2,
    "ping-goaway": frame(7, 0, b"12345678") + frame(8, 0, struct.pack(">II", 1, 0) + b"bye"),
    "settings-odd": frame(0, 0, b"\x00\x03\x00\x00\x01"),
    "settings-small-frame": frame(0, 0, struct.pack(">HI", 3, 16)),
    "message-chunks": headers(1, b"/test.Echo/Collect") + frame(2, 1, b"a" * 100)
        + frame(2, 1, b"b", flags=1) + frame(3, 1, b""),
    "unknown-type": frame(0x42, 0, b"zz") + unary(1),
}
os.makedirs("corpus", exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join("corpus", name), "wb") as f:
        f.write(data)
