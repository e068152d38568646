"""A plain language client on stdio, the same for every server the benchmarks drive.

Each server gets the same framing: one capability set (what VS Code announces, in the parts
that matter here), the same ``initialize``/``initialized``/``didOpen`` sequence, incremental
``didChange`` notifications, and null answers to the server's own requests
(``workspace/configuration``, ``client/registerCapability``, progress), as a client without
settings of its own gives.
"""

from __future__ import annotations

import compileall
import functools
import importlib.util
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self

WAIT_S = 600  # the longest a single answer may take before the run is given up

CAPABILITIES: dict[str, Any] = {
    "workspace": {
        "configuration": True,
        "workspaceFolders": True,
        "didChangeConfiguration": {"dynamicRegistration": True},
        "didChangeWatchedFiles": {"dynamicRegistration": True},
        "executeCommand": {"dynamicRegistration": True},
    },
    "textDocument": {
        "synchronization": {"dynamicRegistration": True, "didSave": True},
        "publishDiagnostics": {
            "relatedInformation": True,
            "versionSupport": True,
            "codeDescriptionSupport": True,
            "dataSupport": True,
            "tagSupport": {"valueSet": [1, 2]},
        },
        "diagnostic": {"dynamicRegistration": False, "relatedDocumentSupport": False},
        "codeAction": {
            "codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["", "quickfix", "refactor", "source", "source.fixAll"]}},
            "isPreferredSupport": True,
            "dataSupport": True,
            "resolveSupport": {"properties": ["edit"]},
        },
    },
    "window": {"workDoneProgress": True, "showMessage": {}},
}


def tool(name: str) -> str | None:
    """A command installed beside this interpreter (its virtualenv), else on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() and os.access(beside, os.X_OK) else shutil.which(name)


def our_server() -> list[str]:
    """How to start migration-lsp: the installed command, else the package of this interpreter."""
    lsp = tool("migration-lsp")
    command = [lsp] if lsp else [sys.executable, "-m", "migration_lsp"]
    _prepared(tuple(command))
    return command


@functools.cache
def _prepared(command: tuple[str, ...]) -> None:
    """Makes what an installed server has from its second start on, once, before any start is
    timed: the package's bytecode (pip compiles it, where a source checkout under
    PYTHONDONTWRITEBYTECODE would compile every changed module at every start) and the compiled
    methods of its dataclasses and lsprotocol's classes in the user's cache (the first start
    saves them, see ``migration_lsp.codecache``): one start that reads the end of its input
    and exits."""
    spec = importlib.util.find_spec("migration_lsp")
    if spec is not None and spec.origin is not None:
        compileall.compile_dir(Path(spec.origin).parent, quiet=1)
    subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def processes() -> dict[int, tuple[int, float]]:
    """Every running process: its parent, and the CPU seconds it and its finished children used."""
    found = {}
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # gone meanwhile
        # utime, stime, cutime, cstime: fields 14-17 of proc(5), after the name
        found[int(stat.parent.name)] = (int(fields[1]), sum(int(f) for f in fields[11:15]) / tick)
    return found


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of ``pid`` and of every process under it, running or finished and waited for."""
    table = processes()
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += table.get(current, (0, 0.0))[1]
        todo += [child for child, (parent, _) in table.items() if parent == current]
    return total


class Connection:
    """A language server on stdio, spoken to in JSON-RPC with Content-Length framing.

    Use it as a context manager: the server is shut down, or killed, on every way out.
    """

    def __init__(self, command: list[str], cwd: Path) -> None:
        self.proc = subprocess.Popen(command, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.last_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        self.close(60 if kind is None else 5)  # a failed or interrupted run does not wait long

    def _read(self) -> None:
        stream = self.proc.stdout
        assert stream is not None
        while True:
            length = None
            while (line := stream.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            if not line or length is None:
                self.inbox.put(None)
                return
            self.inbox.put(json.loads(stream.read(length)))

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.proc.stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self._send({"method": method, "params": params})

    def request(self, method: str, params: Any, wait: float = WAIT_S) -> Any:
        self.last_id += 1
        sent = self.last_id
        self._send({"id": sent, "method": method, "params": params})
        reply = self.next_message(lambda m: m.get("id") == sent and "method" not in m, wait)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result")

    def next_message(self, wanted: Callable[[dict[str, Any]], bool], wait: float = WAIT_S) -> dict[str, Any]:
        """The next message ``wanted`` accepts; requests from the server get a null answer meanwhile."""
        deadline = time.monotonic() + wait
        while True:
            try:
                message = self.inbox.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError(f"no awaited message from the server within {wait:.0f} s") from None
            if message is None:
                raise RuntimeError("the server closed its output")
            if "method" in message and "id" in message:
                items = message.get("params", {}).get("items", [])
                self._send({"id": message["id"], "result": [None] * len(items) if message["method"] == "workspace/configuration" else None})
            if wanted(message):
                return message

    def initialize(self, root: Path) -> None:
        self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "clientInfo": {"name": "bench"},
                "rootUri": root.as_uri(),
                "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
                "capabilities": CAPABILITIES,
            },
        )
        self.notify("initialized", {})

    def open(self, path: Path, language: str, text: str) -> str:
        uri = path.as_uri()
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}})
        return uri

    def published(self, uri: str, version: int) -> dict[str, Any]:
        """The diagnostics the server pushes for ``version`` of the document."""
        message = self.next_message(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri and m["params"].get("version") == version)
        params: dict[str, Any] = message["params"]
        return params

    def pulled(self, uri: str) -> dict[str, Any]:
        """The diagnostics the server answers a ``textDocument/diagnostic`` request with."""
        answer: dict[str, Any] = self.request("textDocument/diagnostic", {"textDocument": {"uri": uri}})
        return answer

    def cpu_seconds(self, tree: bool = False) -> float:
        """CPU time (user and system) of the server so far, with that of the processes it started and waited for.

        ``tree``: of those still running too, such as a database cluster (a scan of all processes, slower).
        """
        if tree:
            return tree_cpu_seconds(self.proc.pid)
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rpartition(")")[2].split()
        return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def close(self, wait: float = 60) -> None:
        """Ask the server to leave; stop it when it does not within ``wait`` seconds.

        After ``shutdown`` the input ends instead of an ``exit`` notification: pygls servers then
        leave through their own clean-up, which stops what they started. Processes the server
        started that outlive it all the same are stopped here, and named on stderr.
        """
        if self.proc.poll() is not None:
            return
        started = self.children()
        try:
            self.request("shutdown", None, wait)
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except (OSError, RuntimeError, TimeoutError, subprocess.TimeoutExpired):
            self.kill()
        for pid in started:
            try:
                os.kill(pid, signal.SIGINT)  # PostgreSQL's fast shutdown; others stop too
                print(f"bench: the server left process {pid} running; stopped it", file=sys.stderr)
            except ProcessLookupError:
                pass

    def children(self) -> list[int]:
        """The processes the server started that are running now."""
        return [pid for pid, (ppid, _) in processes().items() if ppid == self.proc.pid]

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
