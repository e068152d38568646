"""Module resolution: the file an ``import … from 'spec'`` loads, the way TypeScript finds it
(relative paths, ``tsconfig.json`` ``baseUrl`` and ``paths``, workspace packages)."""

from __future__ import annotations

import json
import os.path
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Collection, Iterator

_MODULE_SUFFIXES = (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")


class ModuleResolver:
    """Resolves imports to the files of ``files``, a live view of the indexed files."""

    def __init__(self, files: Collection[Path]) -> None:
        self._files = files
        # By the importer's folder as a string: a file's path object keeps its string, where its
        # ``parent`` is a new path to build and hash at each of the workspace's imports.
        self._modules: dict[tuple[str, str], Path | None] = {}
        self._tsconfigs: dict[Path, _TsConfig | None] = {}
        self._packages: dict[str, Path] | None = None

    def invalidate(self) -> None:
        """Forget what depends on the set of files (tsconfig files are read once)."""
        self._modules.clear()
        self._packages = None

    def resolve(self, importer: Path, spec: str) -> Path | None:
        """The indexed file that ``importer`` loads with ``import … from spec``, if any."""
        key = (os.path.dirname(str(importer)), spec)
        if key not in self._modules:
            self._modules[key] = self._find_module(importer, spec)
        return self._modules[key]

    def _find_module(self, importer: Path, spec: str) -> Path | None:
        if spec.startswith("."):
            return self._file_at(importer.parent / spec)
        tsconfig = self._tsconfig(importer.parent)
        if tsconfig is not None:
            for target in tsconfig.candidates(spec):
                found = self._file_at(target)
                if found is not None:
                    return found
        package, _, sub = spec.partition("/") if not spec.startswith("@") else _split_scoped(spec)
        root = self._package_dirs().get(package)
        if root is not None:
            for base in (root / sub, root / "src" / sub) if sub else (root / "src" / "index", root / "index"):
                found = self._file_at(base)
                if found is not None:
                    return found
        return None

    def _file_at(self, base: Path) -> Path | None:
        """The indexed file an import of ``base`` loads, the way TypeScript looks for it."""
        base = Path(os.path.normpath(base))
        candidates = [base]
        if base.suffix in (".js", ".jsx", ".mjs", ".cjs"):
            stem = base.with_suffix("")
            candidates += [stem.with_suffix(s) for s in (".ts", ".tsx", ".mts", ".cts")]
        candidates += [Path(str(base) + s) for s in _MODULE_SUFFIXES]
        candidates += [base / ("index" + s) for s in _MODULE_SUFFIXES]
        return next((c for c in candidates if c in self._files), None)

    def _tsconfig(self, folder: Path) -> _TsConfig | None:
        if folder not in self._tsconfigs:
            found = None
            for name in ("tsconfig.json", "jsconfig.json"):
                candidate = folder / name
                if candidate.is_file():
                    found = _TsConfig.load(candidate)
                    break
            if found is None and folder.parent != folder:
                found = self._tsconfig(folder.parent)
            self._tsconfigs[folder] = found
        return self._tsconfigs[folder]

    def _package_dirs(self) -> dict[str, Path]:
        """Workspace packages by name, from the package.json files above the indexed files."""
        if self._packages is None:
            packages: dict[str, Path] = {}
            seen: set[Path] = set()
            for path in self._files:
                folder = path.parent
                while folder not in seen and folder != folder.parent:
                    seen.add(folder)
                    manifest = folder / "package.json"
                    if manifest.is_file():
                        name = _read_jsonc(manifest).get("name")
                        if isinstance(name, str):
                            packages.setdefault(name, folder)
                    folder = folder.parent
            self._packages = packages
        return self._packages


def _split_scoped(spec: str) -> tuple[str, str, str]:
    scope, _, rest = spec.partition("/")
    name, sep, sub = rest.partition("/")
    return f"{scope}/{name}", sep, sub


def _read_jsonc(path: Path) -> dict:
    """A JSON file that may hold comments and trailing commas, as tsconfig.json does."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    text = re.sub(r'"(?:\\.|[^"\\])*"|//[^\n]*|/\*.*?\*/', lambda m: m.group() if m.group().startswith('"') else "", text, flags=re.S)
    text = re.sub(r",(\s*[}\]])", r"\1", text)
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


@dataclass(frozen=True)
class _TsConfig:
    """The module-resolution part of a tsconfig: ``baseUrl`` and ``paths``, with ``extends`` followed."""

    base_url: Path | None
    paths: tuple[tuple[str, tuple[Path, ...]], ...]  # pattern → targets, already absolute

    @classmethod
    def load(cls, path: Path, depth: int = 0) -> _TsConfig:
        data = _read_jsonc(path)
        options = data.get("compilerOptions") or {}
        parent = None
        extends = data.get("extends")
        if isinstance(extends, str) and extends.startswith(".") and depth < 5:
            target = (path.parent / extends).resolve()
            if target.suffix != ".json":
                target = target.with_name(target.name + ".json")
            if target.is_file():
                parent = cls.load(target, depth + 1)
        base_url = (path.parent / options["baseUrl"]).resolve() if isinstance(options.get("baseUrl"), str) else None
        if base_url is None and parent is not None:
            base_url = parent.base_url
        raw_paths = options.get("paths")
        if isinstance(raw_paths, dict):
            anchor = base_url or path.parent
            paths = tuple((pattern, tuple(anchor / t for t in targets if isinstance(t, str))) for pattern, targets in raw_paths.items() if isinstance(targets, list))
        else:
            paths = parent.paths if parent is not None else ()
        return cls(base_url, paths)

    def candidates(self, spec: str) -> Iterator[Path]:
        for pattern, targets in self.paths:
            prefix, star, suffix = pattern.partition("*")
            if star and spec.startswith(prefix) and spec.endswith(suffix) and len(spec) >= len(prefix) + len(suffix):
                middle = spec[len(prefix) : len(spec) - len(suffix)]
                for t in targets:
                    yield Path(str(t).replace("*", middle, 1))
            elif not star and spec == pattern:
                yield from targets
        if self.base_url is not None:
            yield self.base_url / spec
