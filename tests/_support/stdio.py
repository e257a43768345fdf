"""A stdio server subprocess spoken to in raw JSON-RPC lines, every read bounded by a timeout."""

from __future__ import annotations

import itertools
import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from _support.processes import TIMEOUT, pump_lines


class StdioServer:
    """A server subprocess spoken to in raw JSON-RPC lines; every read is bounded by a timeout."""

    def __init__(self, args: list[str], *, cwd: str | Path | None = None, env: dict[str, str] | None = None):
        full_env = dict(os.environ)
        full_env["PYTHONUNBUFFERED"] = "1"
        if env:
            full_env.update(env)
        self.proc = subprocess.Popen(
            [sys.executable, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            cwd=cwd,
            env=full_env,
        )
        self._stdout: queue.Queue[str | None] = queue.Queue()
        self._stderr: queue.Queue[str | None] = queue.Queue()
        self.stdout_lines: list[str] = []  # every raw stdout line seen so far
        self._stderr_lines: list[str] = []
        self._pending: list[dict[str, Any]] = []  # parsed messages received but not yet consumed
        self._ids = itertools.count(1000)
        for stream, q in ((self.proc.stdout, self._stdout), (self.proc.stderr, self._stderr)):
            threading.Thread(target=pump_lines, args=(stream, q), daemon=True).start()

    # -- writing -------------------------------------------------------------------------------------
    def send_raw(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line if line.endswith("\n") else line + "\n")
        self.proc.stdin.flush()

    def send(self, message: dict[str, Any]) -> None:
        self.send_raw(json.dumps(message))

    def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        msg: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)

    def send_request(self, method: str, params: dict[str, Any] | None = None, id: Any = None) -> Any:
        request_id = next(self._ids) if id is None else id
        msg: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        return request_id

    # -- reading -------------------------------------------------------------------------------------
    def _read_line(self, timeout: float) -> dict[str, Any]:
        try:
            line = self._stdout.get(timeout=max(0.0, timeout))
        except queue.Empty:
            raise AssertionError(f"no message from the server in time; stderr:\n{self.stderr()}") from None
        if line is None:
            self._stdout.put(None)
            raise AssertionError(f"the server closed stdout; stderr:\n{self.stderr()}")
        self.stdout_lines.append(line)
        message = json.loads(line)
        assert message.get("jsonrpc") == "2.0", line
        return message

    def read_message(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The next stdout message (a parsed JSON-RPC object); fails after `timeout` seconds."""
        if self._pending:
            return self._pending.pop(0)
        return self._read_line(timeout)

    def response(self, request_id: Any, timeout: float = TIMEOUT) -> dict[str, Any]:
        """Waits for the response to `request_id`, keeping any other message for `read_message`."""
        for i, msg in enumerate(self._pending):
            if "method" not in msg and msg.get("id") == request_id:
                return self._pending.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            msg = self._read_line(deadline - time.monotonic())
            if "method" not in msg and msg.get("id") == request_id:
                return msg
            self._pending.append(msg)

    def request(
        self, method: str, params: dict[str, Any] | None = None, timeout: float = TIMEOUT
    ) -> dict[str, Any]:
        """Sends a request and returns its whole response (``result`` or ``error``)."""
        return self.response(self.send_request(method, params), timeout)

    def result(self, method: str, params: dict[str, Any] | None = None, timeout: float = TIMEOUT) -> Any:
        answer = self.request(method, params, timeout)
        assert "result" in answer, answer
        return answer["result"]

    def initialize(self, protocol_version: str = "2025-11-25") -> dict[str, Any]:
        result = self.result(
            "initialize",
            {
                "protocolVersion": protocol_version,
                "capabilities": {},
                "clientInfo": {"name": "oxmcp-tests", "version": "1.0"},
            },
        )
        self.notify("notifications/initialized")
        return result

    def messages_within(self, wait: float) -> list[dict[str, Any]]:
        """Every message that arrives within `wait` seconds (read until then)."""
        got = list(self._pending)
        self._pending = []
        deadline = time.monotonic() + wait
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                line = self._stdout.get(timeout=remaining)
            except queue.Empty:
                break
            if line is None:
                self._stdout.put(None)
                break
            self.stdout_lines.append(line)
            got.append(json.loads(line))
        return got

    def stderr(self, wait: float = 0.0) -> str:
        deadline = time.monotonic() + wait
        while True:
            try:
                line = self._stderr.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                self._stderr.put(None)
                break
            self._stderr_lines.append(line)
        return "".join(self._stderr_lines)

    def wait_stderr(self, needle: str, timeout: float = TIMEOUT) -> str:
        deadline = time.monotonic() + timeout
        while needle not in (text := self.stderr(0.05)):
            if time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} not on stderr within {timeout}s:\n{text}")
        return text

    # -- ending --------------------------------------------------------------------------------------
    def close_stdin(self) -> None:
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except OSError:
                pass

    def wait(self, timeout: float = TIMEOUT) -> int:
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        self.close_stdin()
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=TIMEOUT)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
