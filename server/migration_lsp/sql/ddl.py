"""The statements that change the schema, read from their tokens: CREATE, ALTER, DROP,
COMMENT and TRUNCATE, with the columns and constraints a table's definition holds.

sqlglot models only part of PostgreSQL's DDL (``CREATE POLICY`` or ``ENABLE ROW LEVEL
SECURITY`` are an ``exp.Command`` to it), so one token grammar reads every header.
"""

from __future__ import annotations

from migration_lsp.sql.expressions import columns_of, parse
from migration_lsp.sql.facts import Action, Column, Constraint, Fact, Kind, Name, Signature, Span
from migration_lsp.sql.reader import TokenReader
from migration_lsp.sql.tokens import PUNCT, STRING, WORD

# Words that end a column's type and start one of its constraints.
_COLUMN_CONSTRAINT_WORDS = frozenset({"NOT", "NULL", "DEFAULT", "PRIMARY", "UNIQUE", "REFERENCES", "CHECK", "CONSTRAINT", "GENERATED", "COLLATE"})
_TABLE_CONSTRAINT_WORDS = frozenset({"CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "EXCLUDE", "LIKE"})
# MySQL declares an index inside CREATE TABLE and adds one with ALTER TABLE … ADD INDEX. These
# words are reserved there, so no column is named so unquoted; in PostgreSQL and SQLite `key`
# is a common column name.
_MYSQL_INDEX_WORDS = frozenset({"KEY", "INDEX", "FULLTEXT", "SPATIAL"})
_CREATE_MODIFIERS = frozenset({"TEMP", "TEMPORARY", "UNLOGGED", "GLOBAL", "LOCAL", "UNIQUE", "TRUSTED", "PROCEDURAL", "RECURSIVE"})
_OBJECT_WORDS: dict[tuple[str, str | None], str] = {
    ("FOREIGN", "TABLE"): "FOREIGN TABLE",
    ("MATERIALIZED", "VIEW"): "MATERIALIZED VIEW",
    ("EVENT", "TRIGGER"): "EVENT TRIGGER",
    ("ACCESS", "METHOD"): "ACCESS METHOD",
    ("FOREIGN", "DATA"): "FOREIGN DATA WRAPPER",
    ("TEXT", "SEARCH"): "TEXT SEARCH",
    ("CONSTRAINT", "TRIGGER"): "CONSTRAINT TRIGGER",
}
# The objects whose CREATE has a kind of its own; any other is Kind.CREATE.
_CREATE_KINDS = {
    "TABLE": Kind.CREATE_TABLE,
    "FOREIGN TABLE": Kind.CREATE_FOREIGN_TABLE,
    "INDEX": Kind.CREATE_INDEX,
    "POLICY": Kind.CREATE_POLICY,
    "TRIGGER": Kind.CREATE_TRIGGER,
    "CONSTRAINT TRIGGER": Kind.CREATE_TRIGGER,
    "VIEW": Kind.CREATE_VIEW,
    "MATERIALIZED VIEW": Kind.CREATE_MATERIALIZED_VIEW,
    "FUNCTION": Kind.CREATE_FUNCTION,
    "PROCEDURE": Kind.CREATE_PROCEDURE,
    "PUBLICATION": Kind.CREATE_PUBLICATION,
    "EXTENSION": Kind.CREATE_EXTENSION,
    "SCHEMA": Kind.CREATE_SCHEMA,
    "SEQUENCE": Kind.CREATE_SEQUENCE,
    "TYPE": Kind.CREATE_TYPE,
    "DOMAIN": Kind.CREATE_DOMAIN,
}


def create(r: TokenReader) -> Fact:
    """``CREATE [OR REPLACE] [modifiers] object [IF NOT EXISTS] name …``."""
    create_tok = r.peek()
    assert create_tok is not None
    r.i += 1
    fact = Fact(Kind.CREATE, r.text, create_end=create_tok.end)
    if r.accept("OR", "REPLACE"):
        fact.or_replace = True
    while r.word() in _CREATE_MODIFIERS:
        w = r.word()
        if w == "UNIQUE":
            fact.unique = True
        elif w in ("TEMP", "TEMPORARY"):
            fact.temporary = True
        r.i += 1
    obj = _object_type(r)
    fact.object_type = obj
    fact.kind = _CREATE_KINDS.get(obj, Kind.CREATE)
    fact.refused_in_transaction = _refused_in_transaction(r, "CREATE", obj)
    fact.keyword_end = r.last_end()
    if r.accept("IF", "NOT", "EXISTS"):
        fact.if_not_exists = True
    if obj == "TABLE":
        _create_table(r, fact)
    elif obj == "INDEX":
        _create_index(r, fact)
    elif obj == "POLICY":
        _create_policy(r, fact)
    elif obj in ("TRIGGER", "CONSTRAINT TRIGGER"):
        r.named(fact)
        on = r.find_word("ON", r.i, len(r.toks))
        if on is not None:
            r.i = on + 1
            r.target(fact)
        fact.executes = _executes(r)
    else:
        r.named(fact)
        if obj in ("FUNCTION", "PROCEDURE"):
            fact.signature = _signature(r)
        elif obj == "PUBLICATION":
            fact.all_tables = {"ALL", "TABLES"} <= {t.value for t in r.toks if t.kind == WORD}
            fact.publication_tables = _publication_tables(r)
        elif obj in ("VIEW", "MATERIALIZED VIEW"):
            as_at = r.find_word("AS", r.i, len(r.toks))
            if as_at is not None:
                fact.expression = parse(r.src(as_at + 1, len(r.toks)), r.dialect)
    return fact


def _executes(r: TokenReader) -> Name | None:
    """The function of a trigger's ``EXECUTE FUNCTION`` (or ``PROCEDURE``)."""
    for j, t in enumerate(r.toks):
        if t.is_word("EXECUTE") and j + 1 < len(r.toks) and r.toks[j + 1].is_word("FUNCTION", "PROCEDURE"):
            r.i = j + 2
            named = r.name()
            return named[0] if named is not None else None
    return None


# The words after a routine's RETURNS type that end it.
_FUNCTION_OPTIONS = frozenset(
    {
        "AS",
        "LANGUAGE",
        "IMMUTABLE",
        "STABLE",
        "VOLATILE",
        "SECURITY",
        "SET",
        "STRICT",
        "CALLED",
        "PARALLEL",
        "COST",
        "ROWS",
        "WINDOW",
        "LEAKPROOF",
        "NOT",
        "BEGIN",
        "RETURN",
        "TRANSFORM",
        "SUPPORT",
        "EXTERNAL",
    }
)


def _signature(r: TokenReader) -> Signature:
    """The arguments, return type and language of a routine, read from just after its name."""
    after_name = r.i
    arguments = ""
    inner = r.skip_parens()
    if inner is not None and inner[1] < len(r.toks):
        arguments = r.text[r.toks[inner[0] - 1].end : r.toks[inner[1]].start].strip()
    else:
        r.i = after_name  # no argument list, or one never closed: its options start at the name
    returns = language = None
    toks = r.toks
    k = r.i
    while k < len(toks):
        t = toks[k]
        if t.is_word("RETURNS"):
            first = k = k + 1
            while k < len(toks) and not (toks[k].kind == WORD and toks[k].value in _FUNCTION_OPTIONS) and toks[k].kind != STRING:
                k += 1
            if k > first:
                returns = r.src(first, k)
            continue
        if t.is_word("LANGUAGE") and k + 1 < len(toks):
            language = toks[k + 1].ident
        k += 1
    return Signature(arguments, returns, language)


def _publication_tables(r: TokenReader) -> tuple[Name, ...]:
    """The tables of ``… TABLE [ONLY] a, [TABLE] b (columns) WHERE (…)`` in a publication statement."""
    at = next((j for j, t in enumerate(r.toks) if t.is_word("TABLE")), None)
    if at is None:
        return ()
    names: list[Name] = []
    for n, (first, _) in enumerate(r.split_commas(at + 1, len(r.toks))):
        r.i = first
        if n:
            r.accept("TABLE")
        r.accept("ONLY")
        named = r.name()
        if named is None:
            break
        names.append(named[0])
    return tuple(names)


# The objects PostgreSQL creates, drops or alters only outside a transaction block.
_OUTSIDE_TRANSACTION = {"CREATE": ("DATABASE", "TABLESPACE"), "DROP": ("DATABASE", "TABLESPACE"), "ALTER": ("SYSTEM",)}


def _refused_in_transaction(r: TokenReader, verb: str, obj: str) -> str | None:
    """What PostgreSQL calls ``verb obj`` (read up to the object's type) in the error it gives
    inside a transaction block, if it gives one; a ``CONCURRENTLY`` after ``INDEX`` is read."""
    if obj == "INDEX" and r.accept("CONCURRENTLY"):
        return f"{verb} INDEX CONCURRENTLY"
    if r.dialect == "postgres" and obj in _OUTSIDE_TRANSACTION[verb]:
        return f"{verb} {obj}"
    return None


def _object_type(r: TokenReader) -> str:
    if r.peek() is None:
        return ""
    w = r.word() or ""
    w2 = r.word(1)
    if (w, w2) in _OBJECT_WORDS:
        obj = _OBJECT_WORDS[(w, w2)]
        r.i += len(obj.split())
        if obj == "TEXT SEARCH":  # CONFIGURATION, DICTIONARY, PARSER or TEMPLATE
            obj = f"{obj} {r.word() or ''}".strip()
            r.i += 1
        return obj
    r.i += 1
    return w


def _create_table(r: TokenReader, fact: Fact) -> None:
    r.named(fact)
    fact.table, fact.table_span = fact.name, fact.name_span
    # A partition has the indexes of the table it is part of; MySQL's CREATE TABLE … LIKE
    # copies its source's.
    if r.accept("PARTITION", "OF") or r.accept("LIKE"):
        named = r.name()
        fact.indexes_from = named[0] if named is not None else None
    body = r.skip_parens()
    if body is None:
        return  # CREATE TABLE … AS: no column list to read
    for first, last in r.split_commas(*body):
        head = r.toks[first]
        if head.kind == WORD and (head.value in _TABLE_CONSTRAINT_WORDS or (head.value in _MYSQL_INDEX_WORDS and r.dialect == "mysql")):
            fact.constraints.append(_table_constraint(r, first, last))
            if head.value == "LIKE":
                fact.indexes_from = _like_indexes(r, first, last) or fact.indexes_from
        elif head.is_name:
            fact.columns.append(_column(r, first, last))


def _like_indexes(r: TokenReader, first: int, last: int) -> Name | None:
    """The table of ``LIKE source [INCLUDING … | EXCLUDING …]`` if its indexes are copied too
    (``INCLUDING INDEXES`` or ``INCLUDING ALL``, unless an ``EXCLUDING`` after takes them back)."""
    r.i = first + 1
    named = r.name()
    copied = False
    while r.i < last:
        verb, option = r.word(), r.word(1)
        if verb in ("INCLUDING", "EXCLUDING") and option in ("ALL", "INDEXES"):
            copied = verb == "INCLUDING"
        r.i += 1
    return named[0] if named is not None and copied else None


def _column(r: TokenReader, first: int, last: int) -> Column:
    head = r.toks[first]
    col = Column(head.ident, Span(head.start, head.end), definition=r.src(first, last))
    j = first + 1
    type_start = j
    while j < last and not (r.toks[j].kind == WORD and r.toks[j].value in _COLUMN_CONSTRAINT_WORDS):
        if r.toks[j].kind == PUNCT and r.toks[j].value == "(":
            j = r.matching(j, last)
        j += 1
    col.type = r.src(type_start, j)
    while j < last:
        t = r.toks[j]
        w = t.value if t.kind == WORD else None
        if w == "NOT" and j + 1 < last and r.toks[j + 1].is_word("NULL"):
            col.not_null = True
            j += 2
        elif w == "PRIMARY":
            col.primary_key = True
            col.not_null = True
            j += 2
        elif w == "UNIQUE":
            col.unique = True
            j += 1
        elif w == "DEFAULT":
            end = _next_constraint(r, j + 1, last)
            col.default = r.src(j + 1, end)
            j = end
        elif w == "GENERATED":
            col.generated = True
            j = _next_constraint(r, j + 1, last)
        elif w == "CHECK":
            end = _next_constraint(r, j + 1, last)
            col.check = r.src(j + 1, end)
            j = end
        elif w == "REFERENCES":
            r.i = j + 1
            named = r.name()
            if named is not None:
                col.references, col.references_span = named
            inner = r.skip_parens()
            if inner is not None:
                col.references_columns = tuple(r.toks[k].ident for k in range(*inner) if r.toks[k].is_name)
            j = _next_constraint(r, r.i, last)
        else:
            j += 1
    return col


def _next_constraint(r: TokenReader, j: int, last: int) -> int:
    while j < last:
        t = r.toks[j]
        if t.kind == PUNCT and t.value == "(":
            j = r.matching(j, last) + 1
            continue
        if t.kind == WORD and t.value in _COLUMN_CONSTRAINT_WORDS and not (t.value == "NULL" and j > 0 and r.toks[j - 1].is_word("NOT", "IS")):
            return j
        j += 1
    return last


def _table_constraint(r: TokenReader, first: int, last: int) -> Constraint:
    span = Span(r.toks[first].start, r.toks[last - 1].end)
    con = Constraint("other", span, definition=r.src(first, last))
    r.i = first
    if r.accept("CONSTRAINT"):
        t = r.peek()
        if t is not None and t.is_name:
            con.name = t.ident
            r.i += 1
    w = r.word()
    if r.accept("PRIMARY", "KEY"):
        con.kind = "primary_key"
        con.columns = r.paren_names()
    elif r.accept("UNIQUE"):
        con.kind = "unique"
        r.accept("NULLS", "NOT", "DISTINCT")
        if r.dialect == "mysql":
            _mysql_index_head(r, con)
        con.columns = r.paren_names()
    elif r.accept("FOREIGN", "KEY"):
        con.kind = "foreign_key"
        con.columns = r.paren_names()
        if r.accept("REFERENCES"):
            named = r.name()
            if named is not None:
                con.references, con.references_span = named
            con.references_columns = r.paren_names()
    elif r.accept("CHECK"):
        con.kind = "check"
        inner = r.skip_parens()
        if inner is not None:
            con.expression = r.src(*inner)
    elif r.accept("EXCLUDE"):
        con.kind = "exclude"
        if r.accept("USING"):
            r.i += 1
        con.columns = _excluded_columns(r)
    elif w in _MYSQL_INDEX_WORDS and r.dialect == "mysql":
        con.kind = "index"
        r.accept("FULLTEXT")
        r.accept("SPATIAL")
        _mysql_index_head(r, con)
        con.columns = r.paren_names()
    return con


def _excluded_columns(r: TokenReader) -> tuple[str, ...]:
    """The columns of an ``EXCLUDE (element WITH operator, …)`` list, up to its first element
    that is an expression: those its index leads with."""
    inner = r.skip_parens()
    if inner is None:
        return ()
    columns = []
    for first, _ in r.split_commas(*inner):
        t = r.toks[first]
        if not t.is_name:
            break
        columns.append(t.ident)
    return tuple(columns)


def _mysql_index_head(r: TokenReader, con: Constraint) -> None:
    """What comes before a MySQL index's columns: ``[KEY | INDEX] [name] [USING BTREE | HASH]``."""
    r.accept("KEY")
    r.accept("INDEX")
    t = r.peek()
    if t is not None and t.is_name and not t.is_word("USING"):
        con.name = con.name or t.ident
        r.i += 1
    if r.accept("USING"):
        r.i += 1


def _create_index(r: TokenReader, fact: Fact) -> None:
    if not r.at("ON"):
        r.named(fact)
    if r.accept("ON"):
        r.target(fact)
    if r.accept("USING"):
        r.i += 1
    inner = r.skip_parens()
    if inner is not None:
        cols, exprs = [], []
        for first, last in r.split_commas(*inner):
            t = r.toks[first]
            if t.is_name and (last - first == 1 or r.toks[first + 1].kind == WORD):
                cols.append(t.ident)
            else:
                exprs.append(r.src(first, last))
                cols.extend(columns_of(r.src(first, last)))
        fact.index_columns = tuple(cols)
        fact.index_expressions = tuple(exprs)
    where = r.find_word("WHERE", r.i, len(r.toks))
    if where is not None:
        fact.predicate = r.src(where + 1, len(r.toks))
    fact.referenced_columns = tuple(dict.fromkeys(fact.index_columns + columns_of(fact.predicate)))


def _create_policy(r: TokenReader, fact: Fact) -> None:
    r.named(fact)
    if r.accept("ON"):
        r.target(fact)
    if r.accept("AS"):
        r.i += 1
    if r.accept("FOR"):
        fact.policy_command = r.word() or "ALL"
        r.i += 1
    if r.accept("TO"):
        roles = []
        while (t := r.peek()) is not None and t.is_name and not t.is_word("USING", "WITH"):
            roles.append(t.ident)
            r.i += 1
            if not r.accept_punct(","):
                break
        fact.policy_roles = tuple(roles)
    if r.accept("USING"):
        inner = r.skip_parens()
        if inner is not None:
            fact.policy_using = r.src(*inner)
    if r.accept("WITH", "CHECK"):
        inner = r.skip_parens()
        if inner is not None:
            fact.policy_check = r.src(*inner)
    fact.referenced_columns = tuple(dict.fromkeys(columns_of(fact.policy_using) + columns_of(fact.policy_check)))


def alter(r: TokenReader) -> Fact:
    """``ALTER TABLE`` and its actions; ``ALTER PUBLICATION``; any other object's name and ``RENAME``."""
    r.i += 1
    if not r.at("TABLE"):
        obj = _object_type(r) if r.peek() is not None else "UNKNOWN"
        fact = Fact(Kind.ALTER_PUBLICATION if obj == "PUBLICATION" else Kind.ALTER, r.text, object_type=obj)
        fact.refused_in_transaction = _refused_in_transaction(r, "ALTER", obj)
        if obj == "PUBLICATION":
            r.named(fact)
            first = r.i
            verb = fact.publication_verb = r.word() or ""
            if r.accept("ADD", "TABLE") or r.accept("SET", "TABLE"):
                r.accept("ONLY")
                named = r.name()
                if named is not None:
                    fact.table, fact.table_span = named
                # ADD fails for a table already published; SET replaces the list.
                kind = "add_table" if verb == "ADD" else "set_table"
                fact.actions.append(Action(kind, Span(r.toks[first].start, r.last_end())))
            fact.publication_tables = _publication_tables(r)
            return fact
        r.accept("IF", "EXISTS")
        r.named(fact)
        rename = r.find_word("RENAME", r.i, len(r.toks))
        if rename is not None:
            fact.actions.append(Action("rename", Span(r.toks[rename].start, len(r.text))))
        return fact
    r.i += 1
    fact = Fact(Kind.ALTER_TABLE, r.text, object_type="TABLE")
    if r.accept("IF", "EXISTS"):
        fact.if_exists = True
    r.target(fact)
    for first, last in r.split_commas(r.i, len(r.toks)):
        fact.actions.append(_alter_action(r, first, last))
    return fact


def _alter_action(r: TokenReader, first: int, last: int) -> Action:
    r.i = first
    span = Span(r.toks[first].start, r.toks[last - 1].end)
    act = Action("other", span)
    if r.accept("ADD"):
        head_end = r.last_end()
        if r.accept("COLUMN"):
            head_end = r.last_end()
        elif r.word() in _TABLE_CONSTRAINT_WORDS:
            act.kind = "add_constraint"
            act.constraint = _table_constraint(r, r.i, last)
            return act
        elif r.word() in _MYSQL_INDEX_WORDS and r.dialect == "mysql":
            act.kind = "add_index"
            act.constraint = _table_constraint(r, r.i, last)
            return act
        act.kind = "add_column"
        act.insert_guard_at = head_end
        if r.accept("IF", "NOT", "EXISTS"):
            act.if_not_exists = True
        if r.i < last:
            act.column_def = _column(r, r.i, last)
            act.column = act.column_def.name
            act.column_span = act.column_def.span
        return act
    if r.accept("DROP"):
        mysql = r.dialect == "mysql"  # its keys and checks are dropped by their own words
        if r.accept("CONSTRAINT") or (mysql and (r.accept("FOREIGN", "KEY") or r.accept("CHECK"))):
            act.kind = "drop_constraint"
        elif mysql and (r.accept("INDEX") or r.accept("KEY")):
            act.kind = "drop_index"
        elif mysql and r.accept("PRIMARY", "KEY"):
            act.kind = "drop_constraint"
            return act
        elif r.at("DEFAULT") or r.at("NOT", "NULL") or r.at("IDENTITY") or r.at("EXPRESSION"):
            return act
        else:
            r.accept("COLUMN")
            act.kind = "drop_column"
        act.insert_guard_at = r.last_end()
        if r.accept("IF", "EXISTS"):
            act.if_exists = True
        t = r.peek()
        if t is not None and r.i < last and t.is_name:
            act.column, act.column_span = t.ident, Span(t.start, t.end)
            r.i += 1
        act.cascade = r.find_word("CASCADE", r.i, last) is not None
        return act
    if r.accept("ALTER"):
        r.accept("COLUMN")
        t = r.peek()
        if t is not None and t.is_name:
            act.column, act.column_span = t.ident, Span(t.start, t.end)
            r.i += 1
        if r.accept("TYPE") or r.accept("SET", "DATA", "TYPE"):
            act.kind = "alter_type"
            ends = [j for word in ("USING", "COLLATE") if (j := r.find_word(word, r.i, last)) is not None]
            act.new_type = r.src(r.i, min(ends, default=last)) or None
        elif r.accept("SET", "DEFAULT"):
            act.kind = "set_default"
            act.new_default = r.src(r.i, last) or None
        elif r.accept("DROP", "DEFAULT"):
            act.kind = "drop_default"
        elif r.accept("SET", "NOT", "NULL"):
            act.kind = "set_not_null"
        elif r.accept("DROP", "NOT", "NULL"):
            act.kind = "drop_not_null"
        return act
    if r.accept("RENAME"):
        if r.accept("TO"):
            act.kind = "rename"
        else:
            act.kind = "rename_column"
            if not r.accept("COLUMN"):
                r.accept("CONSTRAINT")
            t = r.peek()
            if t is not None and t.is_name:
                act.column, act.column_span = t.ident, Span(t.start, t.end)
        t = r.toks[last - 1]
        act.new_name = t.ident if t.is_name else None
        return act
    if r.dialect == "mysql" and r.accept("CHANGE"):
        # MySQL's CHANGE [COLUMN] old new type …: a rename when the names differ (MySQL's
        # column names ignore case); with the same name, it only redefines the column.
        r.accept("COLUMN")
        old, new = r.peek(), r.peek(1)
        if old is not None and new is not None and old.is_name and new.is_name and old.ident.lower() != new.ident.lower():
            act.kind = "rename_column"
            act.column, act.column_span = old.ident, Span(old.start, old.end)
            act.new_name = new.ident
        return act
    for words, kind in (
        (("ENABLE", "ROW", "LEVEL", "SECURITY"), "enable_rls"),
        (("DISABLE", "ROW", "LEVEL", "SECURITY"), "disable_rls"),
        (("FORCE", "ROW", "LEVEL", "SECURITY"), "force_rls"),
        (("REPLICA", "IDENTITY"), "replica_identity"),
    ):
        if r.accept(*words):
            act.kind = kind
            return act
    return act


def drop(r: TokenReader) -> Fact:
    """``DROP object [IF EXISTS] name [ON table] [CASCADE]``."""
    r.i += 1
    obj = _object_type(r)
    fact = Fact(Kind.DROP, r.text, object_type=obj)
    fact.refused_in_transaction = _refused_in_transaction(r, "DROP", obj)
    fact.keyword_end = r.last_end()
    if r.accept("IF", "EXISTS"):
        fact.if_exists = True
    if obj == "OWNED":
        r.accept("BY")
    r.named(fact)
    if obj in ("TABLE", "VIEW", "MATERIALIZED VIEW", "FOREIGN TABLE", "SEQUENCE"):
        fact.table, fact.table_span = fact.name, fact.name_span
    if r.accept("ON"):
        r.target(fact)
    fact.cascade = r.find_word("CASCADE", r.i, len(r.toks)) is not None
    return fact


def comment(r: TokenReader) -> Fact:
    """``COMMENT ON object name``: the table it is on, for a table, view or column."""
    r.i += 1
    r.accept("ON")
    obj = _object_type(r) if r.peek() is not None else ""
    fact = Fact(Kind.COMMENT, r.text, object_type=obj)
    named = r.name()
    if named is not None:
        if obj in ("TABLE", "VIEW", "MATERIALIZED VIEW"):
            fact.table, fact.table_span = named
        elif obj == "COLUMN" and named[0].schema is not None:
            # COLUMN t.c: the table is the qualifier
            fact.table = Name(named[0].schema)
            fact.table_span = named[1]
        else:
            fact.name, fact.name_span = named
    return fact


def truncate(r: TokenReader) -> Fact:
    """``TRUNCATE [TABLE] [ONLY] name``."""
    r.i += 1
    r.accept("TABLE")
    r.accept("ONLY")
    named = r.name()
    return Fact(Kind.TRUNCATE, r.text, table=named[0] if named else None, table_span=named[1] if named else None)
