"""DELETE, UPDATE, INSERT, MERGE and data-modifying WITH queries: what they do to rows, read with sqlglot."""

from __future__ import annotations

from sqlglot import exp

from migration_lsp.sql.expressions import parse
from migration_lsp.sql.facts import Fact, Kind
from migration_lsp.sql.reader import TokenReader


def dml(r: TokenReader) -> Fact:
    """The kind is what can destroy data, then what adds it; the table is the one it writes to."""
    expression = parse(r.text, r.dialect)
    verb = r.word() or ""
    kind = {"DELETE": Kind.DELETE, "UPDATE": Kind.UPDATE, "INSERT": Kind.INSERT, "MERGE": Kind.MERGE}.get(verb, Kind.DML)
    fact = Fact(kind, r.text, expression=expression)
    if isinstance(expression, exp.Expression):
        # A data-modifying WITH query runs its DELETE or UPDATE whatever its main
        # statement is; what can destroy data decides the kind.
        deletes = list(expression.find_all(exp.Delete))
        updates = list(expression.find_all(exp.Update))
        if deletes:
            kind, verb = Kind.DELETE, "DELETE"
            fact.has_where = all(d.args.get("where") is not None for d in deletes)
        elif updates:
            kind, verb = Kind.UPDATE, "UPDATE"
            fact.has_where = all(u.args.get("where") is not None for u in updates)
            fact.set_columns = tuple(e.this.name.lower() if isinstance(e.this, exp.Column) else e.this.sql().lower() for e in updates[0].expressions if isinstance(e, exp.EQ))
        elif inserts := list(expression.find_all(exp.Insert)):
            kind, verb = Kind.INSERT, "INSERT"
            fact.on_conflict = all(_meets_duplicates(i) for i in inserts)
            fact.not_exists_guard = all(_not_exists_guard(i) for i in inserts)
            if isinstance(expression, exp.Insert) and (r.dialect != "sqlite" or _upsert_can_follow(expression)):
                returning = r.find_word("RETURNING", 0, len(r.toks))
                fact.conflict_at = r.toks[(returning or len(r.toks)) - 1].end
        fact.kind = kind
    # the target table: after FROM (DELETE), the verb (UPDATE), INTO (INSERT, MERGE)
    at = next((j for j, t in enumerate(r.toks) if t.is_word(verb)), None)
    anchor = {"DELETE": "FROM", "INSERT": "INTO", "MERGE": "INTO"}.get(verb)
    if at is not None and anchor is not None:
        at = next((j for j in range(at, len(r.toks)) if r.toks[j].is_word(anchor)), None)
    if at is not None:
        r.i = at + 1
        r.target(fact)
    return fact


def _meets_duplicates(insert: exp.Insert) -> bool:
    """Does the INSERT say what a duplicate row does? ``ON CONFLICT`` (PostgreSQL, SQLite),
    ``ON DUPLICATE KEY UPDATE`` and ``INSERT IGNORE`` (MySQL), ``INSERT OR IGNORE``/``OR REPLACE``
    (SQLite). ``OR ABORT``, ``OR FAIL`` and ``OR ROLLBACK`` fail on one like a plain INSERT."""
    alternative = str(insert.args.get("alternative") or "").upper()
    return insert.args.get("conflict") is not None or bool(insert.args.get("ignore")) or alternative in ("IGNORE", "REPLACE")


def _upsert_can_follow(insert: exp.Insert) -> bool:
    """Can SQLite take ``ON CONFLICT`` at the end of this INSERT? After ``VALUES`` it can; after
    a SELECT only with a WHERE, or SQLite reads the ON as a join's (its parsing ambiguity)."""
    source = insert.expression
    return isinstance(source, exp.Values) or (isinstance(source, exp.Select) and source.args.get("where") is not None)


def _not_exists_guard(insert: exp.Insert) -> bool:
    """``INSERT … SELECT … WHERE NOT EXISTS (…)``."""
    select = insert.expression
    where = select.args.get("where") if isinstance(select, exp.Select) else None
    return where is not None and any(isinstance(n.this, exp.Exists) for n in where.find_all(exp.Not))
