"""Which files a check reads, and reading them without raising on bad input."""

from __future__ import annotations

from pathlib import Path

from migration_lsp.workspace.files import MAX_BYTES, Unreadable, read_source, walk


def tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def found(root: Path, **globs: tuple[str, ...]) -> list[str]:
    return [p.relative_to(root.resolve()).as_posix() for p in walk(root, **globs)]


def test_code_files(tmp_path: Path) -> None:
    tree(tmp_path, {n: "" for n in ("b.ts", "a/z.mjs", "a/y.cts", "c.jsx", "d.tsx", "e.mts", "f.js", "g.cjs", "README.md", "x.d.json")})
    assert sorted(found(tmp_path)) == ["a/y.cts", "a/z.mjs", "b.ts", "c.jsx", "d.tsx", "e.mts", "f.js", "g.cjs"]


def test_skipped_folders(tmp_path: Path) -> None:
    names = ("node_modules/p/index.ts", ".next/server/a.js", "dist/a.js", "build/a.js", ".git/hooks/a.js", "src/node_modules/b.ts", "src/a.ts")
    tree(tmp_path, {n: "" for n in names})
    assert found(tmp_path) == ["src/a.ts"]


def test_gitignore_nested_and_negated(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {
            ".gitignore": "generated/\n*.gen.ts\n/top-only.ts\n",
            "top-only.ts": "",
            "app/top-only.ts": "",
            "generated/a.ts": "",
            "app/x.gen.ts": "",
            "app/.gitignore": "local/\n!keep.gen.ts\n",
            "app/keep.gen.ts": "",
            "app/local/a.ts": "",
            "app/route.ts": "",
            "lib/local/a.ts": "",
        },
    )
    assert sorted(found(tmp_path)) == ["app/keep.gen.ts", "app/route.ts", "app/top-only.ts", "lib/local/a.ts"]


def test_gitignore_above_the_root_counts_up_to_the_repository_top(tmp_path: Path) -> None:
    tree(tmp_path, {".gitignore": "*.gen.ts\n", "repo/.gitignore": "legacy/\n", "repo/app/.gitignore": "", "repo/app/a.gen.ts": "", "repo/app/legacy/b.ts": "", "repo/app/c.ts": ""})
    (tmp_path / "repo" / ".git").mkdir()
    # the .gitignore above the repository is not the repository's
    assert found(tmp_path / "repo" / "app") == ["a.gen.ts", "c.ts"]


def test_a_file_named_outright_is_always_read(tmp_path: Path) -> None:
    tree(tmp_path, {".gitignore": "*.ts\n", "a.ts": ""})
    assert found(tmp_path) == []
    assert list(walk(tmp_path / "a.ts")) == [(tmp_path / "a.ts").resolve()]


def test_include_and_exclude_globs(tmp_path: Path) -> None:
    tree(tmp_path, {n: "" for n in ("src/a.ts", "src/legacy/b.ts", "scripts/c.ts")})
    assert found(tmp_path, include=("src/**",)) == ["src/a.ts", "src/legacy/b.ts"]
    assert found(tmp_path, include=("src/**",), exclude=("legacy/",)) == ["src/a.ts"]


def test_read_source_keeps_every_byte(tmp_path: Path) -> None:
    path = tmp_path / "a.ts"
    path.write_bytes("a\r\nb\rc\n😀".encode())
    assert read_source(path) == "a\r\nb\rc\n😀"


def test_unreadable_files(tmp_path: Path) -> None:
    binary = tmp_path / "a.ts"
    binary.write_bytes(b"\x7fELF\x00\x01")
    latin1 = tmp_path / "b.ts"
    latin1.write_bytes("const s = 'caf\xe9';".encode("latin-1"))
    big = tmp_path / "c.ts"
    big.write_bytes(b"/" * (MAX_BYTES + 1))
    results = [read_source(p) for p in (binary, latin1, big, tmp_path / "missing.ts")]
    assert all(isinstance(r, Unreadable) for r in results)
    reasons = [r.reason for r in results if isinstance(r, Unreadable)]
    assert reasons[0] == "skipped: binary file"
    assert reasons[1] == "skipped: not UTF-8 (invalid byte at offset 14)"
    assert reasons[2] == "skipped: 5.0 MB is over the 5 MB limit"
    assert reasons[3].startswith("cannot be read: ")


def test_a_file_just_under_the_limit_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "big.ts"
    text = "".join(f"export const c{i} = {i};\n" for i in range(MAX_BYTES // 30))
    path.write_text(text, encoding="utf-8")
    assert len(text) <= MAX_BYTES and read_source(path) == text
