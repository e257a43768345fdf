"""Raw HTTP against an MCP endpoint on 127.0.0.1: one POST per call, every read bounded by a timeout."""

from __future__ import annotations

import http.client
import json
import socket
import time
from typing import Any
from urllib.parse import urlsplit

# What a Streamable HTTP client sends with every POST.
MCP_POST_HEADERS = {"content-type": "application/json", "accept": "application/json, text/event-stream"}


def post_mcp(
    host: str,
    port: int,
    body: Any,
    headers: dict[str, str] | None = None,
    *,
    raw: bytes | None = None,
    timeout: float = 10,
    path: str = "/mcp",
) -> tuple[int, dict[str, str], Any]:
    """POSTs `body` as JSON (or the bytes `raw`); returns the status, the headers (lower-case names)
    and the body: parsed when it is JSON, else the raw bytes."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        payload = raw if raw is not None else json.dumps(body)
        conn.request("POST", path, body=payload, headers={**MCP_POST_HEADERS, **(headers or {})})
        r = conn.getresponse()
        data = r.read()
    finally:
        conn.close()
    is_json = r.getheader("content-type", "").startswith("application/json")
    out = json.loads(data) if data and is_json else data
    return r.status, {k.lower(): v for k, v in r.getheaders()}, out


def address(url: str) -> tuple[str, int, str]:
    """``http://host:port/path`` as (host, port, path)."""
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None, url
    return parts.hostname, parts.port, parts.path


def wait_until_listening(port: int, host: str = "127.0.0.1", timeout: float = 5.0) -> None:
    """Returns once `host:port` accepts a connection (or after `timeout`, leaving the test to fail)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
