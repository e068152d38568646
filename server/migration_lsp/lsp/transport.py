"""The client's byte stream to JSON-RPC messages, for a client that may send anything.

pygls's reader trusts its input: a ``Content-Length`` of 10^12 is allocated, a header it
does not expect leaves the stream out of step for every later message, and a body that is
not JSON is not answered. This reader bounds every read, takes the headers the base
protocol allows in any letter case and with either line ending, and after a message it
cannot read looks for the next ``Content-Length`` header, so one bad message costs that
message only. Bodies are checked as JSON-RPC before pygls structures them, and get the
error the specification asks for: -32700 for what is not JSON, -32600 for what is not a
request, a notification or a response.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
from concurrent.futures import Executor
from typing import Any, BinaryIO

from pygls.exceptions import JsonRpcException, JsonRpcInvalidRequest, JsonRpcParseError
from pygls.protocol import JsonRPCProtocol

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 64 * 1024 * 1024  # far above any document the server checks (5 MB)
MAX_HEADER_BYTES = 8 * 1024
# At the end of a line: after a dropped or cut body the next header follows its last byte.
_CONTENT_LENGTH = re.compile(rb"content-length[ \t]*:[ \t]*(\d{1,300})[ \t]*\r?\n\Z", re.IGNORECASE)
_HEADER = re.compile(rb"[!-9;-~]+[ \t]*:[^\r\n]*\r?\n")
# A split header is found again: each probe starts with the end of the line before it.
_CARRY = 64
# Only a ``\u`` escape yields a surrogate; paired ones decode to one character already.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


async def serve(stdin: BinaryIO, protocol: JsonRPCProtocol, stop: threading.Event, executor: Executor) -> None:
    """Read messages from ``stdin`` and hand them to ``protocol`` until the stream ends or ``stop`` is set."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        # A whole message per hop to the reading thread: each hop costs the event loop a wake-up.
        body = await loop.run_in_executor(executor, _next_body, stdin)
        if body is None:
            return
        receive(protocol, body)


def _next_body(stream: BinaryIO) -> bytes | None:
    """The base protocol's framing: the next message's body, skipping what is not one; None
    when the stream ends."""
    length: int | None = None  # None: looking for the next message's first header
    carry = b""
    skipped = 0
    while True:
        line = stream.readline(MAX_HEADER_BYTES)
        if not line:
            return None
        if length is None:
            found = _CONTENT_LENGTH.search(carry + line)
            carry = b"" if line.endswith(b"\n") else line[-_CARRY:]
            if found is None:
                if _HEADER.fullmatch(line) is None and line not in (b"\r\n", b"\n"):
                    skipped += len(line)
                continue
            if skipped:
                log.warning("skipped %d bytes that were not a message", skipped)
            length, skipped = int(found[1]), 0
            continue
        if line in (b"\r\n", b"\n"):
            if length > MAX_MESSAGE_BYTES:
                log.error("a message of %d bytes is over the limit of %d bytes; dropped", length, MAX_MESSAGE_BYTES)
                length = None
                continue
            body = stream.read(length)
            return body if len(body) == length else None
        if (found := _CONTENT_LENGTH.fullmatch(line)) is not None:
            length = int(found[1])
        elif _HEADER.fullmatch(line) is None:
            log.warning("malformed message header %r; looking for the next message", line[:80])
            length, carry = None, b"" if line.endswith(b"\n") else line[-_CARRY:]


def receive(protocol: JsonRPCProtocol, body: bytes) -> None:
    """Hand one message body to ``protocol``, or answer it with the error it deserves."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as e:  # not UTF-8, not JSON, or nested too deep
        log.warning("a message that is not JSON: %s", e)
        _reply(protocol, None, JsonRpcParseError(f"not JSON: {e}"))
        return
    if _SURROGATE_ESCAPE.search(body):
        # A lone surrogate cannot be encoded; U+FFFD is one UTF-16 unit too, so positions hold.
        data = _without_surrogates(data)
    problem = _envelope_problem(data)
    if problem is not None:
        log.warning("an invalid message: %s", problem)
        msg_id = data.get("id") if isinstance(data, dict) and _is_id(data.get("id")) else None
        _reply(protocol, msg_id, JsonRpcInvalidRequest(problem))
        return
    try:
        protocol.handle_message(protocol.structure_message(data))
    except Exception as e:  # a notification that cannot be read is dropped; the stream goes on
        log.error("cannot handle %s: %s", data.get("method", "a message"), e)


def _reply(protocol: JsonRPCProtocol, msg_id: int | str | None, error: JsonRpcException) -> None:
    # pygls would leave out an id that is null; the response to an unreadable message needs it.
    protocol._send_data({"jsonrpc": "2.0", "id": msg_id, "error": {"code": error.code, "message": error.message}})


def _is_id(value: object) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def _envelope_problem(data: Any) -> str | None:
    """Why ``data`` is not a JSON-RPC 2.0 request, notification or response; None if it is one."""
    if not isinstance(data, dict):
        return f"expected an object, got {type(data).__name__}"
    if data.get("jsonrpc") != "2.0":
        return 'expected "jsonrpc": "2.0"'
    if "method" in data:
        if not isinstance(data["method"], str):
            return "the method is not a string"
        if "id" in data and not _is_id(data["id"]):
            return "the id is not a number or a string"
        return None
    if "result" not in data and "error" not in data:
        return "neither a method nor a result nor an error"
    if not (_is_id(data.get("id")) or (data.get("id") is None and "error" in data)):
        return "the id is not a number or a string"
    return None


def _without_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_without_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    return value
