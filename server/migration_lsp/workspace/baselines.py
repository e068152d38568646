"""What existing databases were built from: the baselines the upgrade rules and ``verify`` compare with.

* **git:** the migration literals of the same file as of a ref (``HEAD`` by default, ``--baseline
  REF`` in CI). The editor compares with ``HEAD``, so a column typed into a ``CREATE TABLE`` body is
  flagged at once.
* **git history** (``--baseline history``): each version of the file in which a table first
  appeared, so that every table is compared with the definition it was born with.
* **legacy SQL files** (``baseline-sql = ["db/migrations/*.sql"]``): numbered migrations replayed in
  order, for projects that moved from them to one idempotent literal.

Blobs come from one ``git cat-file --batch`` per call and are parsed once per content. Git being
absent, a folder outside a repository, an unknown ref or an untracked file are not errors: the files
concerned have no git baseline, and :meth:`Loaded.notes` says so in one line.
"""

from __future__ import annotations

import glob
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

from migration_lsp.config import Config
from migration_lsp.locate.typescript import LiteralPart, MigrationLiteral
from migration_lsp.migration import Document, Migration, parse_document, parse_migration
from migration_lsp.model.baseline import Baseline
from migration_lsp.positions import Segment, SourceMap
from migration_lsp.sql.facts import Kind
from migration_lsp.workspace.files import Unreadable, inside_root, outside_root, read_source, within

HISTORY = "history"

_GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
_GIT_TIMEOUT = 60


@dataclass
class Loaded:
    baselines: list[Baseline] = field(default_factory=list)
    missing: dict[Path, str] = field(default_factory=dict)  # files without any baseline, and why
    problem: tuple[Path, str] | None = None  # a baseline-sql setting that cannot be used

    def notes(self, rules: Iterable[str]) -> list[tuple[Path, str]]:
        """What the user should know, in one line each: at most one for all files without a baseline.

        ``rules``: the rules that compare with a baseline, which did not run on those files.
        """
        notes = [self.problem] if self.problem is not None else []
        if self.missing:
            path, reason = next(iter(self.missing.items()))
            others = len(self.missing) - 1
            files = f" for this and {others} other file{'s' * (others != 1)}" if others else ""
            listed = list(rules)
            names = f"{', '.join(listed[:-1])} and {listed[-1]}" if len(listed) > 1 else "".join(listed)
            notes.append((path, (
                f"no baseline{files} ({reason}): {names} did not run; commit the file, "
                "or set baseline-sql to the SQL files older databases were built from"
            )))  # fmt: skip
        return notes


def load_baselines(config: Config, paths: Iterable[Path], ref: str | None = None, current: Mapping[Path, Document] | None = None) -> Loaded:
    """Baselines for the documents at ``paths``: git at ``ref`` (default: the config's) and SQL files.

    ``current``: the documents as they are now. An older version of one is parsed as an edit of
    it, so that it shares the statements it still has as they are now instead of splitting and
    making them again: on a working copy that differs little from the commit, nearly all."""
    paths = list(dict.fromkeys(paths))
    ref = config.baseline if ref is None else ref
    loaded = Loaded()
    if config.baseline_sql:
        sql_baseline, reason = _sql_files(config)
        if sql_baseline is not None:
            loaded.baselines.append(sql_baseline)
        else:
            loaded.problem = (config.source or config.root, str(reason))
    reasons: dict[Path, str] = {}  # files git has no baseline for, and why; none when it is turned off
    if ref:
        by_label: dict[str, list[Migration]] = {}
        tops: dict[Path, Path | _NoGit] = {}  # the repository of each folder, asked once per call: a `git init` may come next
        for path in paths:
            try:
                now = current.get(path) if current is not None else None
                versions = _history(path, config, tops, now) if ref == HISTORY else [_at_ref(path, ref, config, tops, now)]
            except _NoGit as e:
                reasons[path] = str(e)
                continue
            for label, document in versions:
                by_label.setdefault(label, []).extend(document.migrations)
        loaded.baselines[:0] = [Baseline(label, tuple(ms), per_file=True) for label, ms in by_label.items()]
    if not any(not b.per_file for b in loaded.baselines):  # SQL files stand in for every file
        loaded.missing = reasons
    return loaded


def sql_migration(path: Path, sql: str) -> Migration:
    """A plain SQL file as a migration, so that rules and the schema model read it like a literal."""
    n = len(sql)
    source_map = SourceMap([Segment(0, 0, n, n)] if n else [], n, n)
    return parse_migration(path, sql, MigrationLiteral(path.name, [LiteralPart(0, "raw", "")], sql, source_map, 0, n, 0))


# -- legacy SQL files ---------------------------------------------------------------------


def _sql_files(config: Config) -> tuple[Baseline | None, str | None]:
    files: list[Path] = []
    for pattern in config.baseline_sql:
        if inside_root(config.root, pattern) is None:
            return None, outside_root("baseline-sql", pattern, config.root)
        matches = glob.glob(pattern, root_dir=config.root, recursive=True)
        for match in sorted(matches, key=_natural):
            path = Path(os.path.realpath(config.root / match))  # a symlink loop resolves to itself, unread
            if not within(config.root, path):  # through a symlink, or a `..` below a `**`
                return None, outside_root("baseline-sql", match, config.root, resolved=path)
            if path.is_file() and path not in files:
                files.append(path)
    patterns = ", ".join(config.baseline_sql)
    if not files:
        return None, f"baseline-sql {patterns} matches no file"
    migrations = []
    for path in files:
        text = read_source(path)
        if isinstance(text, Unreadable):
            return None, f"baseline-sql file {path.name} {text.reason}"
        migrations.append(sql_migration(path, text))
    return Baseline(patterns, tuple(migrations), per_file=False), None


def _natural(name: str) -> list[str | int]:
    """Sort key that puts ``2_x.sql`` before ``10_x.sql``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


# -- git ----------------------------------------------------------------------------------


class _NoGit(Exception):
    """Why a file has no git baseline."""


def _at_ref(path: Path, ref: str, config: Config, tops: dict[Path, Path | _NoGit], now: Document | None) -> tuple[str, Document]:
    root, rel = _locate(path, tops)
    [blob] = _cat_file(root, [f"{ref}:{rel}"])
    if blob is None:
        if not _ref_exists(root, ref):
            raise _NoGit(f"git ref {ref} does not exist" if ref != "HEAD" else "the repository has no commit yet")
        raise _NoGit(f"{rel} is not in git at {ref}")
    return ref, _parse(path, blob, config, now)


def _history(path: Path, config: Config, tops: dict[Path, Path | _NoGit], now: Document | None) -> list[tuple[str, Document]]:
    """The versions in which a table was born, oldest first, each labelled by its short commit;
    each is parsed as an edit of the one before it (the first, of ``now``)."""
    root, rel = _locate(path, tops)
    log = _git(root, "log", "--follow", "--format=%x01%H %h", "--name-only", "--", rel).decode("utf-8", "replace")
    commits = []  # (full, short, path at that commit), newest first
    for entry in log.split("\x01")[1:]:
        lines = [line for line in entry.splitlines() if line]
        if len(lines) >= 2:
            full, short = lines[0].split(" ", 1)
            commits.append((full, short, lines[1]))
    if not commits:
        raise _NoGit(f"{rel} has no history in git")
    commits.reverse()
    blobs = _cat_file(root, [f"{full}:{old_path}" for full, _, old_path in commits])
    seen: set[tuple[str, str]] = set()
    versions = []
    last = now
    for (_, short, _), blob in zip(commits, blobs):
        if blob is None:
            continue  # the commit that deleted the file
        document = last = _parse(path, blob, config, last)
        tables = {st.fact.name.key() for m in document.migrations for st in m.all_statements() if st.fact.kind == Kind.CREATE_TABLE and st.fact.name is not None}
        if tables - seen:
            versions.append((short, document))
            seen |= tables
    return versions


def _locate(path: Path, tops: dict[Path, Path | _NoGit]) -> tuple[Path, str]:
    """The repository holding ``path`` and the path inside it; ``tops`` keeps each folder's answer."""
    folder = path.resolve().parent
    if folder not in tops:
        tops[folder] = _toplevel(folder)
    top = tops[folder]
    if isinstance(top, _NoGit):
        raise top
    return top, path.resolve().relative_to(top).as_posix()


def _toplevel(folder: Path) -> Path | _NoGit:
    try:
        out = _git(folder, "rev-parse", "--show-toplevel")
    except _NoGit as e:
        return _NoGit("not in a git repository") if "not a git repository" in str(e) else e
    return Path(out.decode("utf-8").strip()).resolve()


def _ref_exists(root: Path, ref: str) -> bool:
    try:
        _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except _NoGit:
        return False
    return True


def _cat_file(root: Path, specs: list[str]) -> list[str | None]:
    """The text of each ``rev:path``, or None where git has no such blob (or it is not UTF-8 text)."""
    out = _git(root, "cat-file", "--batch", stdin="".join(spec + "\n" for spec in specs).encode("utf-8"))
    texts: list[str | None] = []
    at = 0
    for _ in specs:
        header_end = out.index(b"\n", at)
        header = out[at:header_end].split()
        at = header_end + 1
        if len(header) != 3 or header[1] != b"blob":
            texts.append(None)  # "<spec> missing", or a tree
            if len(header) == 3:
                at += int(header[2]) + 1
            continue
        size = int(header[2])
        data = out[at : at + size]
        at += size + 1
        try:
            texts.append(data.decode("utf-8"))
        except UnicodeDecodeError:
            texts.append(None)
    return texts


def _git(cwd: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, env={**os.environ, **_GIT_ENV}, timeout=_GIT_TIMEOUT)
    except FileNotFoundError as e:
        if e.filename != "git":
            raise _NoGit(f"{cwd} does not exist") from None
        raise _NoGit("git is not installed") from None
    except (OSError, subprocess.TimeoutExpired) as e:
        raise _NoGit(f"git failed: {e}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise _NoGit(f"git: {message[0] if message else 'exit status ' + str(done.returncode)}")
    return done.stdout


def _parse(path: Path, text: str, config: Config, previous: Document | None) -> Document:
    """An older version of a file, read with the config's names, dialect and platform, as an
    edit of ``previous`` (another version of it), whose unchanged statements it shares."""
    return parse_document(path, text, config.variable_names, previous=previous, dialect=config.dialect, platform=config.platform, root=config.root)
