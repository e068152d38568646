"""How fast the language server answers while the migration is being typed, next to squawk's.

For a generated app (the workspace of ``check_workspace.py``) whose migration creates 100, then
1,000 tables, a plain stdio JSON-RPC client drives ``migration-lsp`` as an editor would:

- cold open: from ``initialized`` and ``didOpen`` of the migration file to its first diagnostics,
  the workspace index built on the way;
- typing: one character at a time inside a column name, waiting after each keystroke for the
  diagnostics of that version (``textDocument/publishDiagnostics`` carries it): p50, p95, max;
- memory: the server's resident set after 10 keystrokes and after 1,000.

``squawk server`` (pip install squawk-cli) gets the same SQL as a ``.sql`` file and the same
keystrokes; it has pull diagnostics, so each keystroke is timed to its
``textDocument/diagnostic`` answer.

Usage: python bench/lsp_latency.py [--tables 100 1000] [--edits 200] [--memory-edits 1000] [--files 200]
Targets: our p95 at most squawk's p95 at each size; memory after 1,000 edits within 10% of after 10.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from check_workspace import generate, table

ROUTE = "src/app/api/setup/migrations/route.ts"
WAIT_S = 300
MEMORY_TARGET = 0.10
KEYSTROKES_PER_COLUMN = 20  # then the typing moves to another table


class Connection:
    """A language server on stdio, spoken to in JSON-RPC with Content-Length framing."""

    def __init__(self, command: list[str], cwd: Path) -> None:
        self.proc = subprocess.Popen(command, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.last_id = 0
        threading.Thread(target=self._read, daemon=True).start()

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

    def request(self, method: str, params: Any) -> Any:
        self.last_id += 1
        sent = self.last_id
        self._send({"id": sent, "method": method, "params": params})
        reply = self.next_message(lambda m: m.get("id") == sent and "method" not in m)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result")

    def next_message(self, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The next message ``wanted`` accepts; requests from the server get a null answer meanwhile."""
        deadline = time.monotonic() + WAIT_S
        while True:
            message = self.inbox.get(timeout=max(0.0, deadline - time.monotonic()))
            if message is None:
                raise RuntimeError("the server closed its output")
            if "method" in message and "id" in message:
                items = message.get("params", {}).get("items", [])
                self._send({"id": message["id"], "result": [None] * len(items) if message["method"] == "workspace/configuration" else None})
            if wanted(message):
                return message

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def close(self) -> None:
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.proc.wait(timeout=30)
        except Exception:
            self.proc.kill()
            self.proc.wait()


def initialize(conn: Connection, root: Path, capabilities: dict[str, Any]) -> None:
    conn.request(
        "initialize",
        {
            "processId": os.getpid(),
            "rootUri": root.as_uri(),
            "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
            "capabilities": capabilities,
        },
    )
    conn.notify("initialized", {})


@dataclass
class Result:
    cold: float
    latencies: list[float]
    rss_after: dict[int, float]


def keystrokes(text: str, first_line: int, count: int, tables: int) -> list[tuple[int, int]]:
    """Where each keystroke goes: at the end of the ``name`` column of a table, then the next table."""
    lines = text.splitlines()
    where = []
    for k in range(count):
        t = (k // KEYSTROKES_PER_COLUMN * 37) % tables
        start = lines.index(f"CREATE TABLE IF NOT EXISTS {table(t)} (")
        line = next(i for i in range(start, len(lines)) if lines[i].startswith("  name"))
        where.append((line + first_line, len("  name") + k % KEYSTROKES_PER_COLUMN))
    return where


def change(uri: str, version: int, line: int, character: int) -> dict[str, Any]:
    at = {"line": line, "character": character}
    return {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"range": {"start": at, "end": at}, "text": "x"}]}


def run_ours(app: Path, edits: list[tuple[int, int]], memory_marks: tuple[int, ...]) -> Result:
    lsp = shutil.which("migration-lsp")
    conn = Connection([lsp] if lsp else [sys.executable, "-m", "migration_lsp"], app)
    try:
        uri = (app / ROUTE).as_uri()
        start = time.perf_counter()
        initialize(conn, app, {"textDocument": {"publishDiagnostics": {"versionSupport": True}}})
        text = (app / ROUTE).read_text()
        conn.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "typescript", "version": 1, "text": text}})
        published(conn, uri, 1)
        cold = time.perf_counter() - start
        latencies, rss = [], {}
        for n, (line, character) in enumerate(edits, start=1):
            sent = time.perf_counter()
            conn.notify("textDocument/didChange", change(uri, n + 1, line, character))
            published(conn, uri, n + 1)
            latencies.append(time.perf_counter() - sent)
            if n in memory_marks:
                rss[n] = conn.rss_mb()
        return Result(cold, latencies, rss)
    finally:
        conn.close()


def published(conn: Connection, uri: str, version: int) -> None:
    conn.next_message(
        lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri and m["params"].get("version") == version
    )


def run_squawk(squawk: str, sql_file: Path, edits: list[tuple[int, int]]) -> Result:
    conn = Connection([squawk, "server"], sql_file.parent)
    try:
        uri = sql_file.as_uri()
        start = time.perf_counter()
        initialize(conn, sql_file.parent, {"textDocument": {"diagnostic": {"dynamicRegistration": False}}})
        conn.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "sql", "version": 1, "text": sql_file.read_text()}})
        conn.request("textDocument/diagnostic", {"textDocument": {"uri": uri}})
        cold = time.perf_counter() - start
        latencies = []
        for n, (line, character) in enumerate(edits, start=1):
            sent = time.perf_counter()
            conn.notify("textDocument/didChange", change(uri, n + 1, line, character))
            conn.request("textDocument/diagnostic", {"textDocument": {"uri": uri}})
            latencies.append(time.perf_counter() - sent)
        return Result(cold, latencies, {})
    finally:
        conn.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def describe(latencies: list[float]) -> str:
    ms = [v * 1000 for v in latencies]
    return f"p50 {percentile(ms, 50):.1f} ms, p95 {percentile(ms, 95):.1f} ms, max {max(ms):.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, nargs="+", default=[100, 1_000], help="migration sizes (default: 100 1000)")
    parser.add_argument("--edits", type=int, default=200, help="keystrokes timed against squawk (default: 200)")
    parser.add_argument("--memory-edits", type=int, default=1_000, help="keystrokes before the last memory reading (default: 1000)")
    parser.add_argument("--files", type=int, default=200, help="TypeScript files besides the migration (default: 200)")
    args = parser.parse_args()
    if not Path("/proc/self/status").exists():
        print("lsp_latency: reads memory from /proc; run it on Linux", file=sys.stderr)
        return 2
    squawk = shutil.which("squawk")
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"load average before the runs: {os.getloadavg()[0]:.1f}")
    met = True
    for tables in args.tables:
        root = Path(tempfile.mkdtemp(prefix="migration-lsp-latency-"))
        try:
            app = generate(root, args.files, tables)
            text = (app / ROUTE).read_text()
            sql_file = root / "migration.sql"
            first_line = text.splitlines().index("export const MIGRATION_SQL = `") + 1
            count = max(args.edits, args.memory_edits)
            ours = run_ours(app, keystrokes(sql_file.read_text(), first_line, count, tables), (10, args.memory_edits))
            print(f"\n{tables} tables ({len(text) // 1024} KB migration file, {args.files} other files)")
            print(f"  cold open to first diagnostics: migration-lsp {ours.cold:.2f} s")
            print(f"  edit to diagnostics, {args.edits} keystrokes: migration-lsp {describe(ours.latencies[: args.edits])}")
            before, after = ours.rss_after[10], ours.rss_after[args.memory_edits]
            growth = after / before - 1
            print(f"  memory: {before:.0f} MB after 10 keystrokes, {after:.0f} MB after {args.memory_edits} ({growth:+.1%}; target within {MEMORY_TARGET:.0%})")
            met &= growth <= MEMORY_TARGET
            if squawk is None:
                print("  squawk: not installed (pip install squawk-cli); no comparison")
                continue
            peer = run_squawk(squawk, sql_file, keystrokes(sql_file.read_text(), 0, args.edits, tables))
            print(f"  squawk server, same SQL as .sql: cold {peer.cold:.2f} s; edit to diagnostics {describe(peer.latencies)}")
            ratio = percentile(ours.latencies[: args.edits], 95) / percentile(peer.latencies, 95)
            print(f"  p95 ratio migration-lsp / squawk: {ratio:.2f} (target at most 1); cold ratio: {ours.cold / peer.cold:.1f}")
            met &= ratio <= 1
        finally:
            shutil.rmtree(root, ignore_errors=True)
    print(f"\ntargets: {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
