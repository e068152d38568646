"""The language server over raw JSON-RPC: bytes in, messages out, as a client that sends anything.

pytest-lsp's client only sends what it can build; these tests write the stream by hand, on
stdio or on a TCP connection (``lsp --tcp``), which the server reads the same way.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import threading
from pathlib import Path
from queue import Empty, Queue
from typing import IO, Any, Literal

from lsp_editor import SERVER, WAIT_S

Transport = Literal["stdio", "tcp"]


def frame(body: bytes | str | dict[str, Any]) -> bytes:
    """One message as the base protocol frames it."""
    data = json.dumps(body).encode() if isinstance(body, dict) else body.encode() if isinstance(body, str) else body
    return b"Content-Length: %d\r\n\r\n" % len(data) + data


class Wire:
    """A server process and the messages it sends, read on a thread of their own."""

    def __init__(self, cwd: Path, transport: Transport = "stdio") -> None:
        command = SERVER if transport == "stdio" else [*SERVER, "lsp", "--tcp", "127.0.0.1:0"]
        self.process = subprocess.Popen(command, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.connection: socket.socket | None = None
        try:
            self._in, self._out = self._connect() if transport == "tcp" else (self.process.stdin, self.process.stdout)
        except BaseException:
            self.kill()
            raise
        self.messages: Queue[dict[str, Any] | None] = Queue()
        self.log: list[dict[str, Any]] = []  # window/logMessage params, in order
        self._next_id = 1000
        threading.Thread(target=self._read, daemon=True).start()

    def _connect(self) -> tuple[IO[bytes], IO[bytes]]:
        """Connect to the port the server says it listens on (the first line of its log)."""
        assert self.process.stderr is not None
        line = self.process.stderr.readline().decode(errors="replace")
        found = re.search(r"listening on ([\d.]+):(\d+)", line)
        assert found is not None, f"the server did not say where it listens: {line!r}"
        self.connection = socket.create_connection((found[1], int(found[2])), timeout=WAIT_S)
        self.connection.settimeout(None)
        return self.connection.makefile("wb"), self.connection.makefile("rb")

    def _read(self) -> None:
        stdout = self._out
        assert stdout is not None
        while True:
            length = None
            while True:
                try:
                    line = stdout.readline()
                except OSError:  # the connection was closed under the reader
                    line = b""
                if not line:
                    self.messages.put(None)
                    return
                if line == b"\r\n":
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            assert length is not None
            self.messages.put(json.loads(stdout.read(length)))

    def send(self, data: bytes) -> None:
        assert self._in is not None
        self._in.write(data)
        self._in.flush()

    def request(self, method: str, params: Any = None) -> int:
        self._next_id += 1
        self.send(frame({"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": params}))
        return self._next_id

    def notify(self, method: str, params: Any = None) -> None:
        self.send(frame({"jsonrpc": "2.0", "method": method, "params": params}))

    def next(self, **match: Any) -> dict[str, Any]:
        """The next message the server sends with these top-level fields; requests it sends are answered with null."""
        while True:
            try:
                message = self.messages.get(timeout=WAIT_S)
            except Empty:
                raise AssertionError(f"no message matching {match} within {WAIT_S} s") from None
            if message is None:
                raise AssertionError(f"the server exited ({self.process.wait()}) before sending {match}: {self.stderr()}")
            if message.get("method") == "window/logMessage":
                self.log.append(message["params"])
            elif "method" in message and "id" in message:
                self.send(frame({"jsonrpc": "2.0", "id": message["id"], "result": None}))
            if all(k in message and message[k] == v for k, v in match.items()):
                return message

    def response(self, msg_id: int | str | None) -> dict[str, Any]:
        return self.next(id=msg_id)

    def initialize(self, root: Path, process_id: int | None = None) -> dict[str, Any]:
        params = {"processId": process_id, "rootUri": root.as_uri(), "capabilities": {}, "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}]}
        answer = self.response(self.request("initialize", params))
        self.notify("initialized", {})
        return answer

    def close(self) -> int:
        """Shut down and exit as a client should; the exit code."""
        if self.process.poll() is None:
            try:
                self.response(self.request("shutdown"))
                self.notify("exit")
                return self.process.wait(WAIT_S)
            finally:
                self.kill()
        self.kill()
        return self.process.returncode

    def kill(self) -> None:
        """Stop the server if it still runs, and close the connection to it."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.connection is not None:
            try:
                self.connection.shutdown(socket.SHUT_RDWR)  # wakes the reader thread, if it still waits
            except OSError:  # already closed by the server
                pass
            for stream in (self._in, self._out):
                if stream is not None:
                    stream.close()
            self.connection.close()

    def stderr(self) -> str:
        assert self.process.stderr is not None
        return self.process.stderr.read().decode(errors="replace") if self.process.poll() is not None else ""
