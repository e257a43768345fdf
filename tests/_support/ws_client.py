"""A minimal blocking RFC 6455 WebSocket client speaking JSON-RPC: masked frames out; text, ping and
close in; every read bounded by a timeout."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import struct
from typing import Any

from _support.messages import INITIALIZED, initialize_params
from _support.processes import TIMEOUT

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Refused(Exception):
    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"upgrade refused with {status}: {body!r}")
        self.status = status
        self.body = body


class WsClient:
    """Blocking WebSocket client: masked frames out, text/ping/close in; every read times out."""

    def __init__(self, host: str, port: int, path: str = "/", headers: dict[str, str] | None = None) -> None:
        self.sock = socket.create_connection((host, port), timeout=TIMEOUT)
        self.buf = b""
        self.ids = 0
        key = base64.b64encode(os.urandom(16)).decode()
        hs = {
            "Host": f"{host}:{port}",
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Key": key,
            "Sec-WebSocket-Version": "13",
            **(headers or {}),
        }
        head = f"GET {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hs.items()) + "\r\n"
        self.sock.sendall(head.encode())
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        raw, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = raw.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {k.strip().lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines[1:])}
        if self.status != 101:
            length = int(self.headers.get("content-length", "0"))
            while len(self.buf) < length:
                self._fill()
            self.sock.close()
            raise Refused(self.status, self.buf[:length])
        expected = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        assert self.headers["sec-websocket-accept"] == expected

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buf += chunk

    def _take(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send_frame(self, opcode: int, payload: bytes) -> None:
        n = len(payload)
        if n < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def recv_frame(self) -> tuple[int, bytes]:
        b0, b1 = self._take(2)
        n = b1 & 0x7F
        if n == 126:
            (n,) = struct.unpack("!H", self._take(2))
        elif n == 127:
            (n,) = struct.unpack("!Q", self._take(8))
        assert not b1 & 0x80, "server frames are not masked"
        assert b0 & 0x80, "the server does not fragment"
        return b0 & 0x0F, self._take(n)

    def send(self, message: dict[str, Any]) -> None:
        self.send_frame(0x1, json.dumps(message).encode())

    def send_request(self, method: str, params: dict[str, Any] | None = None) -> int:
        self.ids += 1
        self.send({"jsonrpc": "2.0", "id": self.ids, "method": method, "params": params or {}})
        return self.ids

    def recv(self) -> dict[str, Any]:
        """The next JSON-RPC message (pings are answered on the way)."""
        while True:
            opcode, payload = self.recv_frame()
            if opcode == 0x1:
                return json.loads(payload)
            if opcode == 0x9:
                self.send_frame(0xA, payload)
            elif opcode == 0x8:
                raise AssertionError(f"closed by the server: {close_code(payload)}")

    def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        request_id = self.send_request(method, params)
        answer = self.recv()
        assert answer.get("id") == request_id, answer
        return answer

    def initialize(self) -> dict[str, Any]:
        result = self.request("initialize", initialize_params())["result"]
        self.send(INITIALIZED)
        return result

    def recv_close(self) -> int | None:
        """Reads until the server's close frame; its code."""
        while True:
            opcode, payload = self.recv_frame()
            if opcode == 0x8:
                return close_code(payload)

    def close(self) -> None:
        try:
            self.send_frame(0x8, struct.pack("!H", 1000))
        except OSError:
            pass
        self.sock.close()


def close_code(payload: bytes) -> int | None:
    return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
