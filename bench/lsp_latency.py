"""How fast the language server answers while the migration is being typed, next to squawk's.

For each workload and size (see ``generate.py``: a generated app of 200 TypeScript files and a
migration of 100, 300 and 1,000 tables), a plain stdio client (``lsp_client.py``) drives
``migration-lsp`` as an editor does, and ``squawk server`` (pip install squawk-cli) on the same
SQL saved as a ``.sql`` file, with the same client framing and the same edits, in the same run:

- workloads: ``clean`` (no finding, no git), ``clean-git`` (the same in a git repository with
  one commit, so the default ``HEAD`` baseline is on), ``findings-git`` (one
  ``table-missing-index`` finding with a fix per table, git) and, on request, ``findings``
  (the same without git);
- cold open: from starting the server to the first diagnostics of the migration file (the
  workspace index built on the way);
- edits at the first, a middle and the last statement: typing a word at the end of a name
  there, one character per change, then deleting it from its front (the Delete key), so that
  every text is new but the last; each edit waits for the diagnostics of its version
  (``publishDiagnostics`` carries it; squawk has pull diagnostics, so its edit is timed to
  the answer of ``textDocument/diagnostic``): p50, p95, max per position and kind, and the
  server's CPU time per edit, which the load of a shared machine stretches much less;
- memory: the server's resident set after 10 edits and after 1,000;
- the p95 ratio to squawk, and the growth of p95 from the smallest to the largest size.

Time budgets keep a run finite while a keystroke takes seconds: the edits stop after the
first full round (3 positions x typing and deleting) once ``--budget`` seconds of our
server's edit time are spent (a round that alone would exceed it types shorter words);
squawk is timed on as many of the same edits as ``--budget`` seconds of its time allow (the
others reach it in the same ``didChange`` as the next timed one); the memory edits stop
after ``--memory-budget`` seconds. Every cut is printed.

Usage: python bench/lsp_latency.py [--workload W ...] [--tables N ...] [--repeat 1] [--rounds 5]
       [--word 4] [--budget 60] [--memory-edits 1000] [--memory-budget 120] [--files 200] [--smoke]
e.g. one case alone: python bench/lsp_latency.py --workload findings-git --tables 1000
With ``--repeat N`` each case runs N times (alternating with the other workloads) and the
summary gives the median of each figure, for a shared machine.
Targets: p95 at most 50 ms (100 tables) and 100 ms (1,000), at most 0.5 and 0.1 of squawk's;
p95 growth from 100 to 1,000 tables at most x2.5; cold open at most 1 s and 3 s; memory after
1,000 edits within 10% of after 10.
Exit: 0 all targets met (or --smoke), 1 a target missed, 2 the benchmark could not run.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generate import DEFAULT_WORKLOADS, ROUTE, WORKLOADS, generate, migration, sql_line
from lsp_client import Connection, our_server, tool

POSITIONS = ("first", "middle", "last")
KINDS = ("typing", "deleting")
LETTERS = "abcdefghijklmnopqrstuvwxyz"
MEMORY_FIRST = 10
# tables → p95 at most (s), p95 ratio to squawk at most, cold open at most (s)
TARGETS = {100: (0.050, 0.5, 1.0), 1_000: (0.100, 0.1, 3.0)}
GROWTH_TARGET = 2.5
MEMORY_TARGET = 0.10
SMOKE = {"tables": [4], "files": 4, "rounds": 1, "word": 1, "memory_edits": MEMORY_FIRST, "workload": ["findings-git"]}


@dataclass
class Spot:
    """Where the edits of one position go, and what has been typed there."""

    line: int  # in the SQL
    character: int
    typed: str = ""


@dataclass
class Peer:
    """squawk, kept in step with our document: the edits it was not timed on wait for the next timed one."""

    conn: Connection
    uri: str
    budget: float
    spent: float = 0.0
    pending: list[dict[str, Any]] = field(default_factory=list)
    samples: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    cpu: float = 0.0
    edits: int = 0

    def edit(self, version: int, change: dict[str, Any], series: tuple[str, str], progress: float) -> None:
        self.pending.append(change)
        mean = self.spent / self.edits if self.edits else 0.0
        if series in self.samples and self.spent + mean > self.budget * progress:
            return
        cpu, sent = self.conn.cpu_seconds(), time.perf_counter()
        self.conn.notify("textDocument/didChange", {"textDocument": {"uri": self.uri, "version": version}, "contentChanges": self.pending})
        self.conn.pulled(self.uri)
        took = time.perf_counter() - sent
        self.cpu += self.conn.cpu_seconds() - cpu
        self.pending = []
        self.spent += took
        self.edits += 1
        self.samples.setdefault(series, []).append(took)


@dataclass
class Case:
    workload: str
    tables: int
    kb: int
    statements: int
    files: int
    cold: float
    cold_cpu: float
    at_open: int  # diagnostics of the migration file at open
    samples: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    cpu: float = 0.0
    rss: dict[int, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    peer_cold: float | None = None
    peer_cold_cpu: float | None = None
    peer_at_open: int | None = None
    peer: Peer | None = None
    peer_rss: float | None = None

    def latencies(self) -> list[float]:
        return [v for values in self.samples.values() for v in values]

    def peer_latencies(self) -> list[float]:
        return [] if self.peer is None else [v for values in self.peer.samples.values() for v in values]


def change(spot: Spot, kind: str, letter: str) -> dict[str, Any]:
    """One keystroke at ``spot``, which it updates: ``letter`` typed at the end of the word, or its first character deleted."""
    at = {"line": spot.line, "character": spot.character + (len(spot.typed) if kind == "typing" else 0)}
    if kind == "typing":
        spot.typed += letter
        return {"range": {"start": at, "end": at}, "text": letter}
    spot.typed = spot.typed[1:]
    return {"range": {"start": at, "end": {"line": at["line"], "character": at["character"] + 1}}, "text": ""}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    if seconds < 0.01:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def describe(values: list[float]) -> str:
    if not values:
        return "no edits"
    return f"p50 {ms(percentile(values, 50))}, p95 {ms(percentile(values, 95))}, max {ms(max(values))} ({len(values)})"


def run_case(workload: str, tables: int, args: argparse.Namespace, squawk: str | None) -> Case:
    kind, git = WORKLOADS[workload]
    root = Path(tempfile.mkdtemp(prefix="migration-lsp-latency-"))
    try:
        app = generate(root, args.files, tables, kind, git)
        text = (app / ROUTE).read_text()
        built = migration(tables, kind)
        sql, first = built.sql, sql_line(text)
        chosen = (built.statements[0], built.statements[len(built.statements) // 2], built.statements[-1])
        spots = {p: Spot(sql.count("\n", 0, s.spot), s.spot - sql.rfind("\n", 0, s.spot) - 1) for p, s in zip(POSITIONS, chosen)}

        command = our_server()  # before the clock starts: the first call prepares the server once
        start = time.perf_counter()
        with Connection(command, app) as ours:
            ours.initialize(app)
            uri = ours.open(app / ROUTE, "typescript", text)
            opened = ours.published(uri, 1)
            cold = time.perf_counter() - start
            case = Case(workload, tables, len(text) // 1024, len(built.statements), args.files, cold, ours.cpu_seconds(), len(opened["diagnostics"]))
            peer_conn = None
            if squawk is not None:
                sql_file = root / "migration.sql"
                start = time.perf_counter()
                peer_conn = Connection([squawk, "server"], root)
            try:
                if peer_conn is not None:
                    peer_conn.initialize(root)
                    peer_uri = peer_conn.open(sql_file, "sql", sql_file.read_text())
                    case.peer_at_open = len(peer_conn.pulled(peer_uri)["items"])
                    case.peer_cold = time.perf_counter() - start
                    case.peer_cold_cpu = peer_conn.cpu_seconds()
                    case.peer = Peer(peer_conn, peer_uri, args.budget)
                edit_all(case, ours, uri, first, spots, args)
                if peer_conn is not None:
                    case.peer_rss = peer_conn.rss_mb()
            finally:
                if peer_conn is not None:
                    peer_conn.close()
        return case
    finally:
        shutil.rmtree(root, ignore_errors=True)


def edit_all(case: Case, ours: Connection, uri: str, first: int, spots: dict[str, Spot], args: argparse.Namespace) -> None:
    """The timed rounds, then the memory edits; cuts by the time budgets go into ``case.notes``."""
    word, version, spent = args.word, 1, 0.0

    def one(position: str, kind: str, letter: str, timed: bool) -> None:
        nonlocal version, spent, word
        spot = spots[position]
        edit = change(spot, kind, letter)
        ours_edit = {**edit, "range": {side: {**at, "line": at["line"] + first} for side, at in edit["range"].items()}}
        version += 1
        cpu, sent = ours.cpu_seconds(), time.perf_counter()
        ours.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [ours_edit]})
        ours.published(uri, version)
        took = time.perf_counter() - sent
        edits = version - 1
        if edits in (MEMORY_FIRST, args.memory_edits):
            case.rss[edits] = ours.rss_mb()
        if not timed:
            return
        case.cpu += ours.cpu_seconds() - cpu
        spent += took
        case.samples.setdefault((position, kind), []).append(took)
        if edits == 1 and 2 * len(POSITIONS) * word * took > args.budget and word > 1:
            word = max(1, int(args.budget / (2 * len(POSITIONS) * took)))
            case.notes.append(f"a round of {args.word}-letter words would take {2 * len(POSITIONS) * args.word * took:.0f} s: {word}-letter words")
        if case.peer is not None:
            planned = args.rounds * 2 * len(POSITIONS) * word
            progress = min(1.0, max(edits / planned, spent / args.budget))
            case.peer.edit(version, edit, (position, kind), progress)

    def keystrokes(r: int) -> Iterator[tuple[str, str, str]]:
        """Round ``r``: at each position, a word typed and deleted; read lazily, as ``word`` may shrink."""
        for position in POSITIONS:
            spot = spots[position]
            while len(spot.typed) < word:
                yield position, "typing", LETTERS[(r * word + len(spot.typed)) % len(LETTERS)]
            while spot.typed:
                yield position, "deleting", ""

    r = 0
    while r < args.rounds:
        per_edit = spent / max(1, version - 1)
        if r and spent + per_edit * 2 * len(POSITIONS) * word > args.budget:
            case.notes.append(f"time budget: {r} of {args.rounds} rounds timed ({spent:.0f} s spent, --budget {args.budget:.0f})")
            break
        for keystroke in keystrokes(r):
            one(*keystroke, timed=True)
        r += 1
    started = time.perf_counter()
    memory = (k for n in itertools.count(r) for k in keystrokes(n))
    while version - 1 < args.memory_edits:
        if time.perf_counter() - started > args.memory_budget:
            case.notes.append(f"memory budget: {version - 1} of {args.memory_edits} edits made (--memory-budget {args.memory_budget:.0f})")
            break
        one(*next(memory), timed=False)
    if version - 1 not in case.rss:
        case.rss[version - 1] = ours.rss_mb()


def print_case(case: Case) -> None:
    findings = f"{case.at_open} diagnostics at open" + ("" if case.peer_at_open is None else f", squawk {case.peer_at_open}")
    print(f"\n{case.workload}, {case.tables} tables ({case.kb} KB migration file, {case.statements} statements, {case.files} other files; {findings})")
    peer_cold = "" if case.peer_cold is None else f", squawk {ms(case.peer_cold)}, CPU {ms(case.peer_cold_cpu or 0)} (x{case.cold / case.peer_cold:.1f})"
    print(f"  cold open to first diagnostics: migration-lsp {ms(case.cold)}, CPU {ms(case.cold_cpu)}{peer_cold}")
    for position in POSITIONS:
        for kind in KINDS:
            ours = case.samples.get((position, kind), [])
            peer = case.peer.samples.get((position, kind), []) if case.peer else []
            line = f"  {position:<6} {kind:<8}  migration-lsp {describe(ours)}"
            print(line + (f"; squawk {describe(peer)}" if case.peer else ""))
    everything, peer_all = case.latencies(), case.peer_latencies()
    cpu = f"; CPU per edit: {ms(case.cpu / len(everything))}" if everything else ""
    print(f"  all edits         migration-lsp {describe(everything)}{cpu}")
    if case.peer is not None and peer_all:
        ratio = percentile(everything, 95) / percentile(peer_all, 95)
        print(f"                    squawk {describe(peer_all)}; CPU per edit: {ms(case.peer.cpu / len(peer_all))}")
        print(f"  p95 ratio migration-lsp / squawk: {ratio:.2f}")
    elif case.peer is None:
        print("  squawk: not installed (pip install squawk-cli); no comparison")
    marks = sorted(case.rss)
    memory = ", ".join(f"{case.rss[n]:.0f} MB after {n} edits" for n in marks)
    if MEMORY_FIRST in case.rss and len(marks) > 1:
        memory += f" ({case.rss[marks[-1]] / case.rss[MEMORY_FIRST] - 1:+.1%})"
    print(f"  memory: {memory}" + ("" if case.peer_rss is None else f"; squawk {case.peer_rss:.0f} MB"))
    for note in case.notes:
        print(f"  cut: {note}")


@dataclass
class Figures:
    """The summary figures of one case; over repeated runs, the median of each."""

    cold: float
    cold_cpu: float
    peer_cold: float | None
    p50: float
    p95: float
    top: float
    peer_p50: float | None
    peer_p95: float | None
    cpu: float
    peer_cpu: float | None
    memory_first: float | None  # after MEMORY_FIRST edits
    memory_last: float
    memory_edits: int  # edits before the last reading
    runs: int = 1
    p95s: tuple[float, ...] = ()

    @property
    def ratio(self) -> float | None:
        return None if self.peer_p95 is None else self.p95 / self.peer_p95

    @staticmethod
    def of(case: Case) -> Figures:
        ours, peer = case.latencies(), case.peer_latencies()
        last = max(case.rss)
        return Figures(
            case.cold, case.cold_cpu, case.peer_cold, percentile(ours, 50), percentile(ours, 95), max(ours),
            percentile(peer, 50) if peer else None, percentile(peer, 95) if peer else None,
            case.cpu / len(ours), case.peer.cpu / len(peer) if case.peer and peer else None, case.rss.get(MEMORY_FIRST), case.rss[last], last, p95s=(percentile(ours, 95),),
        )  # fmt: skip

    @staticmethod
    def median(runs: list[Figures]) -> Figures:
        def mid(values: list[float | None]) -> float | None:
            known = [v for v in values if v is not None]
            return statistics.median(known) if known else None

        first = runs[0]
        fields: dict[str, Any] = {}
        for name in ("cold", "cold_cpu", "peer_cold", "p50", "p95", "top", "peer_p50", "peer_p95", "cpu", "peer_cpu", "memory_first", "memory_last"):
            fields[name] = mid([getattr(r, name) for r in runs])
        fields["memory_edits"] = min(r.memory_edits for r in runs)
        return Figures(**{**vars(first), **fields, "runs": len(runs), "p95s": tuple(r.p95s[0] for r in runs)})


def summary(cases: list[Case], memory_edits: int, smoke: bool) -> bool:
    """Print the table of figures (medians over repeated runs) and the targets; whether every target was met."""
    grouped: dict[tuple[str, int], list[Figures]] = {}
    for c in cases:
        grouped.setdefault((c.workload, c.tables), []).append(Figures.of(c))
    figures = {k: Figures.median(v) for k, v in grouped.items()}
    repeated = any(f.runs > 1 for f in figures.values())
    if repeated:
        print(f"\nmedians of {max(f.runs for f in figures.values())} runs of each case")
    print("\n| workload | tables | cold open | squawk cold | edit p50 | p95 | max | squawk p50 | p95 | p95 ratio | CPU/edit | squawk CPU/edit | memory 10 → last |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    misses: list[str] = []
    for (workload, tables), f in figures.items():
        memory = f"{f.memory_last:.0f} MB ({f.memory_edits})"
        if f.memory_first is not None:
            memory = f"{f.memory_first:.0f} → " + memory
        p95 = ms(f.p95) + (f" ({', '.join(ms(v) for v in f.p95s)})" if f.runs > 1 else "")
        print(
            f"| {workload} | {tables:,} | {ms(f.cold)} (CPU {ms(f.cold_cpu)}) | {ms(f.peer_cold) if f.peer_cold else '—'} | {ms(f.p50)} | {p95} | {ms(f.top)} | "
            f"{ms(f.peer_p50) if f.peer_p50 else '—'} | {ms(f.peer_p95) if f.peer_p95 else '—'} | "
            f"{f'{f.ratio:.2f}' if f.ratio is not None else '—'} | {ms(f.cpu)} | {ms(f.peer_cpu) if f.peer_cpu is not None else '—'} | {memory} |"
        )
        name = f"{workload} {tables}"
        if tables in TARGETS:
            p95_max, ratio_max, cold_max = TARGETS[tables]
            if f.p95 > p95_max:
                misses.append(f"{name}: p95 {ms(f.p95)} > {ms(p95_max)}")
            if f.ratio is not None and f.ratio > ratio_max:
                misses.append(f"{name}: p95 ratio to squawk {f.ratio:.2f} > {ratio_max}")
            if f.cold > cold_max:
                misses.append(f"{name}: cold open {ms(f.cold)} > {ms(cold_max)}")
        if f.memory_first is None or f.memory_edits < memory_edits:
            misses.append(f"{name}: memory after {memory_edits} edits not measured ({f.memory_edits} made)")
        elif f.memory_last / f.memory_first - 1 > MEMORY_TARGET:
            misses.append(f"{name}: memory {f.memory_last / f.memory_first - 1:+.0%} after {f.memory_edits} edits > {MEMORY_TARGET:+.0%}")
    for workload in dict.fromkeys(w for w, _ in figures):
        sizes = sorted(t for w, t in figures if w == workload)
        if len(sizes) < 2:
            continue
        small, large = figures[workload, sizes[0]], figures[workload, sizes[-1]]
        growth = large.p95 / small.p95
        peer = f"; squawk x{large.peer_p95 / small.peer_p95:.1f}" if large.peer_p95 and small.peer_p95 else ""
        print(f"growth of p95 from {sizes[0]:,} to {sizes[-1]:,} tables, {workload}: migration-lsp x{growth:.1f}{peer}")
        if (sizes[0], sizes[-1]) == (100, 1_000) and growth > GROWTH_TARGET:
            misses.append(f"{workload}: growth x{growth:.1f} > x{GROWTH_TARGET}")
    if smoke:
        print("\nsmoke run: tiny sizes, targets not judged")
        return True
    for miss in misses:
        print(f"target missed: {miss}")
    print(f"\ntargets: {'met' if not misses else 'NOT met'}")
    return not misses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", nargs="+", choices=list(WORKLOADS), default=list(DEFAULT_WORKLOADS), help=f"workloads (default: {' '.join(DEFAULT_WORKLOADS)})")
    parser.add_argument("--tables", type=int, nargs="+", default=[100, 300, 1_000], help="migration sizes (default: 100 300 1000)")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds: a word typed and deleted at each position (default: 5)")
    parser.add_argument("--word", type=int, default=4, help="letters per word (default: 4)")
    parser.add_argument("--budget", type=float, default=60, help="seconds of edits timed per case and server (default: 60)")
    parser.add_argument("--memory-edits", type=int, default=1_000, help="edits before the last memory reading (default: 1000)")
    parser.add_argument("--memory-budget", type=float, default=120, help="seconds for the memory edits per case (default: 120)")
    parser.add_argument("--files", type=int, default=200, help="TypeScript files besides the migration (default: 200)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of every case, one after the other; the summary gives medians (default: 1)")
    parser.add_argument("--no-squawk", action="store_true", help="do not run squawk")
    parser.add_argument("--smoke", action="store_true", help="one tiny run of every workload, to see that the benchmark works")
    args = parser.parse_args()
    if args.smoke:
        vars(args).update(SMOKE)
    if not Path("/proc/self/status").exists():
        print("lsp_latency: reads memory and CPU time from /proc; run it on Linux", file=sys.stderr)
        return 2
    squawk = None if args.no_squawk else tool("squawk")
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"load average before the runs: {' '.join(f'{v:.2f}' for v in os.getloadavg())} (other work on the machine stretches the wall times, not the CPU times)")
    began = time.perf_counter()
    cases = []
    try:
        # Repeats alternate with the other workloads, so that a burst of load on the machine is shared out.
        for tables, _, workload in itertools.product(args.tables, range(args.repeat), args.workload):
            case_began = time.perf_counter()
            cases.append(run_case(workload, tables, args, squawk))
            print_case(cases[-1])
            print(f"  ({time.perf_counter() - case_began:.0f} s, load average {os.getloadavg()[0]:.2f})")
    except (RuntimeError, TimeoutError) as e:
        print(f"lsp_latency: {e}", file=sys.stderr)
        return 2
    met = summary(cases, args.memory_edits, args.smoke)
    print(f"load average after the runs: {' '.join(f'{v:.2f}' for v in os.getloadavg())}; total {time.perf_counter() - began:.0f} s")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
