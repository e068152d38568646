"""The server's stream under a client that sends anything: bad framing, bad JSON, bad envelopes.

Each test writes raw bytes to a real server process (``python -m migration_lsp``, on stdio
and on ``lsp --tcp``) and reads what it answers; after every bad message, a good request proves the stream is still in step.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from lsp_editor import FIXTURE, ROUTE, SERVER, WAIT_S
from wire import Wire, frame

from migration_lsp.positions import LineIndex


@pytest.fixture
def root(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "app")
    return tmp_path / "app"


@pytest.fixture(params=["stdio", "tcp"])
def wire(root: Path, request: pytest.FixtureRequest) -> Iterator[Wire]:
    """A server on stdio and one on ``lsp --tcp``: both read the stream the same way."""
    w = Wire(root, request.param)
    try:
        yield w
    finally:
        w.close()


@pytest.fixture
def ready(wire: Wire, root: Path) -> Wire:
    wire.initialize(root)
    return wire


def _in_step(wire: Wire) -> None:
    """A request right after: answered, so the stream is in step again."""
    answer = wire.response(wire.request("workspace/executeCommand", {"command": "migration-lsp.nothing", "arguments": []}))
    assert "error" in answer or "result" in answer


def _logged(wire: Wire, text: str) -> list[str]:
    _in_step(wire)  # the log message of a bad message is sent before the answer to the next
    return [m["message"] for m in wire.log if text in m["message"]]


def test_a_request_before_initialize_gets_server_not_initialized(wire: Wire, root: Path) -> None:
    answer = wire.response(wire.request("textDocument/hover", {"textDocument": {"uri": (root / ROUTE).as_uri()}, "position": {"line": 0, "character": 0}}))
    assert answer["error"]["code"] == -32002
    wire.notify("textDocument/didOpen", {"textDocument": {"uri": (root / ROUTE).as_uri(), "languageId": "typescript", "version": 1, "text": ""}})
    assert "result" in wire.initialize(root)
    _in_step(wire)


@pytest.mark.parametrize("length", [10**12, 10**20, 64 * 1024 * 1024 + 1])
def test_a_huge_content_length_is_dropped_and_the_stream_goes_on(ready: Wire, length: int) -> None:
    ready.send(b"Content-Length: %d\r\n\r\n" % length)
    assert _logged(ready, f"a message of {length} bytes is over the limit")
    assert ready.process.poll() is None


def test_malformed_json_gets_a_parse_error(ready: Wire) -> None:
    for body in (b"{not json", b"\xff\xfe\x00garbage", b"", b"[" * 100_000):
        ready.send(frame(body))
        answer = ready.response(None)
        assert answer["error"]["code"] == -32700, body[:10]
    _in_step(ready)


@pytest.mark.parametrize(
    "message",
    [
        {"jsonrpc": "2.0", "id": {"a": 1}, "method": "textDocument/hover", "params": {}},
        {"jsonrpc": "2.0", "id": [1], "method": "shutdown"},
        {"jsonrpc": "2.0", "id": True, "method": "shutdown"},
        {"jsonrpc": "2.0", "id": 1.5, "method": "shutdown"},
        {"jsonrpc": "2.0", "id": 3, "method": 42},
        {"jsonrpc": "1.0", "id": 4, "method": "shutdown"},
        {"jsonrpc": "2.0", "id": 5},
        [{"jsonrpc": "2.0", "id": 6, "method": "shutdown"}],
        "a string",
    ],
    ids=["object-id", "array-id", "bool-id", "float-id", "method-number", "version", "nothing", "batch", "string"],
)
def test_an_invalid_envelope_gets_invalid_request(ready: Wire, message: object) -> None:
    ready.send(frame(json.dumps(message)))
    msg_id = message.get("id") if isinstance(message, dict) and isinstance(message.get("id"), int) and not isinstance(message["id"], bool) else None
    assert ready.response(msg_id)["error"]["code"] == -32600
    _in_step(ready)  # shutdown was not run: the server still answers


@pytest.mark.parametrize(
    "prefix",
    [
        b"X-Long: " + b"a" * 100_000 + b"\r\n\r\n",  # a header longer than any header
        b"what is this\r\n",  # not a header
        b"Content-Length: 10\r\n\r\n" + b'{"jsonrpc": "2.0"}',  # too short: the rest is not a header
        b"Content-Length: " + b"9" * 5000 + b"\r\n\r\n",  # too many digits to be a length
        b"Content-Length: 12\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\nX-Extra\r\n\r\n",
    ],
    ids=["long-header", "garbage", "short-length", "digits", "bad-second-header"],
)
def test_a_broken_header_is_skipped_up_to_the_next_message(ready: Wire, prefix: bytes) -> None:
    ready.send(prefix)
    _in_step(ready)


def test_headers_in_any_case_and_with_bare_line_feeds(ready: Wire) -> None:
    body = json.dumps({"jsonrpc": "2.0", "id": 7, "method": "shutdown"}).encode()
    ready.send(b"content-length: %d\ncontent-type: application/vscode-jsonrpc\n\n" % len(body) + body)
    assert ready.response(7)["result"] is None


def _diagnostics(wire: Wire, uri: str, version: int) -> list[dict]:
    """The next diagnostics of ``uri`` at ``version``."""
    while True:
        params = wire.next(method="textDocument/publishDiagnostics")["params"]
        if params["uri"] == uri and params.get("version") == version:
            return params["diagnostics"]


def test_a_lone_surrogate_gets_diagnostics_at_the_right_columns(ready: Wire, root: Path) -> None:
    uri = (root / ROUTE).as_uri()
    line = "/* \ud800 */ TRUNCATE mason_users;"
    text = (root / ROUTE).read_text().replace("-- People who sign in.", line)
    # json.dumps writes the lone surrogate as the escape \ud800, as a client in JavaScript would.
    ready.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "typescript", "version": 1, "text": text}})
    found = _diagnostics(ready, uri, 1)
    (truncate,) = [d for d in found if d["code"] == "truncate"]
    index = LineIndex(text.replace("\ud800", "\ufffd"))
    start = index.starts[0] + text.index("TRUNCATE")
    assert truncate["range"]["start"] == dict(zip(("line", "character"), index.lsp_position(start)))
    # The same as for the document with U+FFFD in its place.
    other = (root / "src" / "other.ts").as_uri()
    ready.notify("textDocument/didOpen", {"textDocument": {"uri": other, "languageId": "typescript", "version": 1, "text": text.replace("\ud800", "\ufffd")}})
    assert [(d["code"], d["range"]) for d in _diagnostics(ready, other, 1)] == [(d["code"], d["range"]) for d in found]


def _change(wire: Wire, uri: str, version: int, start: tuple[int, int], end: tuple[int, int], text: str) -> None:
    pos = lambda p: {"line": p[0], "character": p[1]}  # noqa: E731
    change = {"range": {"start": pos(start), "end": pos(end)}, "text": text}
    wire.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]})


def test_an_invalid_change_is_logged_and_the_text_stays_consistent(ready: Wire, root: Path) -> None:
    uri = (root / ROUTE).as_uri()
    text = (root / ROUTE).read_text()
    ready.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "typescript", "version": 1, "text": text}})
    assert "truncate" not in [d["code"] for d in _diagnostics(ready, uri, 1)]
    # A range that ends before it starts makes no text: the last good version stays, and the log says so.
    line = text[: text.index("-- People")].count("\n")
    _change(ready, uri, 2, (line, 10), (line, 3), "TRUNCATE mason_users;")
    assert _logged(ready, "version 2 cannot be applied: the range") == [
        f"{uri}: version 2 cannot be applied: the range {line}:10-{line}:3 ends before it starts; keeping version 1 (reopen the document to resynchronise)"
    ]
    # A change that could not be read at all is dropped the same way.
    ready.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"range": {"start": {"line": -1}}, "text": "x"}]})
    assert any("keeps version 1" in m for m in _logged(ready, "malformed params for textDocument/didChange"))
    # A line past the end is clamped to the end, and said; a version going backwards is applied and said.
    _change(ready, uri, 4, (99_999, 0), (99_999, 0), "\nconst TRUNCATED = 1;\n")
    _change(ready, uri, 2, (line, 0), (line, 0), "TRUNCATE mason_users; ")
    found = _diagnostics(ready, uri, 2)
    assert "truncate" in [d["code"] for d in found]
    assert _logged(ready, "reaches past the last line")
    assert _logged(ready, "version 2 follows version 4")


def test_a_process_id_that_is_not_visible_is_not_watched(wire: Wire, root: Path) -> None:
    unseen = 2**31 - 1  # above every pid_max: a process in another PID namespace
    assert "result" in wire.initialize(root, process_id=unseen)
    _in_step(wire)
    assert wire.process.poll() is None
    assert any("not visible" in m["message"] for m in wire.log)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _gone(pid: int) -> bool:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.1)
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("how", ["exit", "client-dies"])
def test_every_way_out_stops_the_verify_cluster(root: Path, how: str) -> None:
    stand_in = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    wire = Wire(root)
    try:
        wire.initialize(root, process_id=stand_in.pid)
        uri = (root / ROUTE).as_uri()
        wire.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "typescript", "version": 1, "text": (root / ROUTE).read_text()}})
        wire.response(wire.request("workspace/executeCommand", {"command": "migration-lsp.verify", "arguments": [uri]}))
        while "verify of route.ts" not in wire.next(method="window/showMessage")["params"]["message"]:
            pass
        postmasters = [p for p in _children(wire.process.pid) if Path(f"/proc/{p}/comm").read_text().strip() == "postgres"]
        assert postmasters, "verify runs on a private cluster, a child of the server"
        if how == "exit":
            wire.notify("exit")
        else:
            stand_in.kill()
            stand_in.wait()  # a zombie would still count as alive
        assert wire.process.wait(WAIT_S) == 1
        assert all(_gone(p) for p in postmasters)
    finally:
        if stand_in.poll() is None:
            stand_in.kill()
        stand_in.wait()
        wire.close()


def test_tcp_serves_one_client_and_exits_when_it_goes(root: Path) -> None:
    wire = Wire(root, "tcp")
    try:
        wire.initialize(root)
        assert wire.connection is not None
        with pytest.raises(ConnectionRefusedError):  # the port is the first client's only
            socket.create_connection(wire.connection.getpeername()[:2], timeout=WAIT_S).close()
        wire.connection.shutdown(socket.SHUT_RDWR)  # the client goes without shutdown and exit
        assert wire.process.wait(WAIT_S) == 1
    finally:
        wire.kill()


@pytest.mark.parametrize("address", ["nowhere", "127.0.0.1:99999", "192.0.2.1:2087"])
def test_tcp_address_that_cannot_be_listened_on_is_one_line(root: Path, address: str) -> None:
    run = subprocess.run([*SERVER, "lsp", "--tcp", address], cwd=root, capture_output=True, text=True, timeout=WAIT_S)
    assert (run.returncode, run.stdout, len(run.stderr.splitlines())) == (2, "", 1), run.stderr
    assert run.stderr.startswith("migration-lsp: "), run.stderr


def test_a_server_started_from_the_code_cache_reports_what_the_first_start_did(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two starts with a cache of their own: the first compiles the methods of lsprotocol's
    classes and of the dataclasses and saves them, the second loads them, and both publish
    the same diagnostics."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    text = (root / ROUTE).read_text().replace("CREATE TABLE IF NOT EXISTS", "CREATE TABLE", 1)  # one finding, with a fix
    published = []
    for _ in range(2):
        wire = Wire(root)
        try:
            wire.initialize(root)
            uri = (root / ROUTE).as_uri()
            wire.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "typescript", "version": 1, "text": text}})
            while (message := wire.next(method="textDocument/publishDiagnostics"))["params"]["uri"] != uri:
                pass
            published.append(message["params"]["diagnostics"])
        finally:
            wire.close()
    tag = sys.implementation.cache_tag
    assert sorted(p.name for p in (tmp_path / "cache" / "migration-lsp" / "code").iterdir()) == [f"cli-{tag}.marshal", f"server-{tag}.marshal"]
    assert published[0] == published[1] and published[0]
