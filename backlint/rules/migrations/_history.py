"""What the other migrations in the same directory say, for checks that need history.

Two questions need more than the file being checked:

* ``AlterField`` / ``AlterUniqueTogether`` / ``AlterIndexTogether``: what was the field (or the
  set of constraints) before? The answer is the model state after replaying the earlier Django
  migrations of the same ``migrations`` directory, in migration-number order.
* ``migrations-since`` with an Alembic revision: is this revision the cut-off or one of its
  descendants? The answer follows ``down_revision`` links through the ``versions`` directory.

The sibling files are read from disk with the standard ``ast`` module (fast, and no user code is
imported or run) and cached per directory and process, keyed by every file's mtime and size.
Replaying history reads what the files say, not what a database contains: it can be wrong for
migrations that were edited after being applied, and it cannot see other apps' migrations.
"""
from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

from ...frameworks import migrations as fw

# -- model state -----------------------------------------------------------------------------


@dataclass
class ModelState:
    fields: Dict[str, fw.FieldInfo] = field(default_factory=dict)
    unique_together: Optional[FrozenSet[Tuple[str, ...]]] = frozenset()
    index_together: Optional[FrozenSet[Tuple[str, ...]]] = frozenset()
    db_table: Optional[str] = None  # Meta.db_table when the migrations set it


State = Dict[str, ModelState]

# A state event: (kind, model, *args); kinds:
#   create (fields dict, unique_together, index_together), add (field, info), alter (field, info),
#   remove (field), rename_field (old, new), rename_model (new), delete (), together (attr, value)
Event = Tuple[Any, ...]


def apply(state: State, event: Event) -> None:
    kind, model = event[0], event[1]
    if kind == "create":
        state[model] = ModelState(dict(event[2]), event[3], event[4], event[5] if len(event) > 5 else None)
        return
    if kind == "table":
        if model in state:
            state[model].db_table = event[2]
        return
    if kind == "delete":
        state.pop(model, None)
        return
    if kind == "rename_model":
        if model in state:
            state[event[2]] = state.pop(model)
        return
    current = state.get(model)
    if current is None:
        return
    if kind in ("add", "alter"):
        current.fields[event[2]] = event[3]
    elif kind == "remove":
        current.fields.pop(event[2], None)
    elif kind == "rename_field":
        if event[2] in current.fields:
            current.fields[event[3]] = current.fields.pop(event[2])
    elif kind == "together":
        setattr(current, event[2], event[3])


def together_value(value: Any) -> Optional[FrozenSet[Tuple[str, ...]]]:
    """``unique_together`` as a set of tuples (a single tuple of names is one entry), or None."""
    if value is None:
        return frozenset()
    if isinstance(value, (tuple, list, set, frozenset)):
        items = list(value)
        if items and all(isinstance(v, str) for v in items):
            return frozenset({tuple(v.lower() for v in items)})
        out = set()
        for item in items:
            if not isinstance(item, (tuple, list)) or not all(isinstance(v, str) for v in item):
                return None
            out.add(tuple(v.lower() for v in item))
        return frozenset(out)
    return None


# -- the ast front-end -------------------------------------------------------------------------


def _dotted(node: ast.AST) -> Optional[str]:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _value(node: ast.AST) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        callee = _dotted(node.func) if isinstance(node, ast.Call) else None
        try:
            text = ast.unparse(node)
        except Exception:  # pragma: no cover - unparse handles every parsed node
            text = ""
        return fw.Expr(text, callee)


def _args(call: ast.Call) -> Tuple[List[Any], Dict[str, ast.AST], bool]:
    positional = [a for a in call.args if not isinstance(a, ast.Starred)]
    keywords = {k.arg: k.value for k in call.keywords if k.arg is not None}
    star = any(k.arg is None for k in call.keywords)
    return positional, keywords, star


def _field(node: Optional[ast.AST]) -> Optional[fw.FieldInfo]:
    if not isinstance(node, ast.Call):
        return None
    callee = _dotted(node.func)
    if callee is None:
        return None
    positional, keywords, star = _args(node)
    return fw.summarize_field(
        callee, [_value(a) for a in positional], {k: _value(v) for k, v in keywords.items()}, star
    )


def _arg(call: ast.Call, index: int, name: str) -> Optional[ast.AST]:
    positional, keywords, _ = _args(call)
    if name in keywords:
        return keywords[name]
    return positional[index] if len(positional) > index else None


def _str(node: Optional[ast.AST]) -> Optional[str]:
    return node.value.lower() if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def field_from_code(code: str) -> Optional[fw.FieldInfo]:
    """A field summary from the source text of a field constructor call."""
    try:
        tree = ast.parse(code.strip(), mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    return _field(tree.body)


def _ops_events(elements: Iterable[ast.AST]) -> List[Tuple[int, Event]]:
    """State events of an operations list, each with the index of its top-level operation."""
    events: List[Tuple[int, Event]] = []
    for index, element in enumerate(elements):
        if not isinstance(element, ast.Call):
            continue
        name = (_dotted(element.func) or "").rsplit(".", 1)[-1]
        if name == "SeparateDatabaseAndState":
            state_ops = _arg(element, 1, "state_operations")
            if isinstance(state_ops, (ast.List, ast.Tuple)):
                events.extend((index, event) for _, event in _ops_events(state_ops.elts))
            continue
        event = _event(name, element)
        if event is not None:
            events.append((index, event))
    return events


def _event(name: str, call: ast.Call) -> Optional[Event]:
    if name == "CreateModel":
        model = _str(_arg(call, 0, "name"))
        fields_node = _arg(call, 1, "fields")
        if model is None:
            return None
        fields: Dict[str, fw.FieldInfo] = {}
        if isinstance(fields_node, (ast.List, ast.Tuple)):
            for item in fields_node.elts:
                if isinstance(item, ast.Tuple) and len(item.elts) == 2:
                    fname, info = _str(item.elts[0]), _field(item.elts[1])
                    if fname is not None and info is not None:
                        fields[fname] = info
        options = _arg(call, 2, "options")
        opts = _value(options) if options is not None else {}
        opts = opts if isinstance(opts, dict) else {}
        db_table = opts.get("db_table")
        return ("create", model, fields, together_value(opts.get("unique_together")),
                together_value(opts.get("index_together")), db_table if isinstance(db_table, str) else None)
    if name == "AlterModelTable":
        model = _str(_arg(call, 0, "name"))
        table = _value(_arg(call, 1, "table")) if _arg(call, 1, "table") is not None else None
        return ("table", model, table if isinstance(table, str) else None) if model else None
    if name in ("AddField", "AlterField"):
        model, fname = _str(_arg(call, 0, "model_name")), _str(_arg(call, 1, "name"))
        info = _field(_arg(call, 2, "field"))
        if model is None or fname is None or info is None:
            return None
        return ("add" if name == "AddField" else "alter", model, fname, info)
    if name == "RemoveField":
        model, fname = _str(_arg(call, 0, "model_name")), _str(_arg(call, 1, "name"))
        return ("remove", model, fname) if model and fname else None
    if name == "RenameField":
        model = _str(_arg(call, 0, "model_name"))
        old, new = _str(_arg(call, 1, "old_name")), _str(_arg(call, 2, "new_name"))
        return ("rename_field", model, old, new) if model and old and new else None
    if name == "RenameModel":
        old, new = _str(_arg(call, 0, "old_name")), _str(_arg(call, 1, "new_name"))
        return ("rename_model", old, new) if old and new else None
    if name == "DeleteModel":
        model = _str(_arg(call, 0, "name"))
        return ("delete", model) if model else None
    if name in ("AlterUniqueTogether", "AlterIndexTogether"):
        attr = "unique_together" if name == "AlterUniqueTogether" else "index_together"
        model = _str(_arg(call, 0, "name"))
        value = _arg(call, 1, attr)
        if model is None:
            return None
        return ("together", model, attr, together_value(_value(value)) if value is not None else None)
    return None


@dataclass
class DjangoFile:
    name: str
    indexed: List[Tuple[int, Event]]  # (index of the operation in `operations`, event)
    replaces: Tuple[str, ...] = ()

    @property
    def events(self) -> List[Event]:
        return [event for _, event in self.indexed]


def django_file(name: str, text: str) -> Optional[DjangoFile]:
    """The state events of a Django migration's source, or None if it is not one."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        if not any((_dotted(b) or "").endswith("Migration") for b in node.bases):
            continue
        events: List[Tuple[int, Event]] = []
        replaces: Tuple[str, ...] = ()
        for stmt in node.body:
            target, value = _assignment(stmt)
            if target == "operations" and isinstance(value, (ast.List, ast.Tuple)):
                events = _ops_events(value.elts)
            elif target == "replaces" and value is not None:
                literal = _value(value)
                if isinstance(literal, (list, tuple)):
                    replaces = tuple(item[1] for item in literal if isinstance(item, (list, tuple)) and len(item) == 2)
        return DjangoFile(name, events, replaces)
    return None


def _assignment(stmt: ast.stmt) -> Tuple[Optional[str], Optional[ast.AST]]:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id, stmt.value
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return stmt.target.id, stmt.value
    return None, None


# -- directories, cached per process ------------------------------------------------------------

_DIR_CACHE: Dict[Tuple[str, str], Tuple[Tuple[Tuple[str, int, int], ...], Any]] = {}


def _listing(directory: str) -> Optional[Tuple[Tuple[str, int, int], ...]]:
    try:
        entries = []
        with os.scandir(directory) as it:
            for entry in it:
                if entry.name.endswith(".py") and entry.name != "__init__.py" and entry.is_file():
                    st = entry.stat()
                    entries.append((entry.name, st.st_mtime_ns, st.st_size))
        return tuple(sorted(entries))
    except OSError:
        return None


def _read(directory: str, name: str) -> Optional[str]:
    try:
        with open(os.path.join(directory, name), "rb") as fh:
            data = fh.read()
        return data.decode("utf-8", errors="replace")
    except OSError:
        return None


def _cached(kind: str, directory: str, build) -> Any:
    listing = _listing(directory)
    if listing is None:
        return None
    key = (kind, directory)
    hit = _DIR_CACHE.get(key)
    if hit is not None and hit[0] == listing:
        return hit[1]
    value = build(directory, listing)
    _DIR_CACHE[key] = (listing, value)
    return value


def _django_dir(directory: str, listing) -> Dict[str, DjangoFile]:
    files: Dict[str, DjangoFile] = {}
    for name, _, _ in listing:
        text = _read(directory, name)
        parsed = django_file(name[:-3], text) if text is not None else None
        if parsed is not None:
            files[parsed.name] = parsed
    return files


def state_before(path: str, current: str, prefix: List[Event]) -> Optional[State]:
    """Model state before the operation being checked.

    ``path`` is the checked file's path, ``current`` its migration name, ``prefix`` the state
    events of its own operations that come before the one being checked. None when the file is
    not in a ``migrations`` directory that can be read.
    """
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.basename(directory) != "migrations":
        return None
    files = _cached("django", directory, _django_dir)
    if not files:
        return None
    present = set(files)
    # a squashed migration stands for the ones it replaces only when those are gone
    order = sorted(
        (f for f in files.values() if f.name != current and not (f.replaces and present & set(f.replaces))),
        key=lambda f: fw.django_order_key(f.name),
    )
    key = fw.django_order_key(current)
    state: State = {}
    for f in order:
        if fw.django_order_key(f.name) >= key:
            break
        for event in f.events:
            apply(state, event)
    for event in prefix:
        apply(state, event)
    return state


# -- Alembic revision graph ----------------------------------------------------------------------


def alembic_revisions(text: str) -> Optional[Tuple[str, Tuple[str, ...]]]:
    """(revision, down revisions) written at module level, or None."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    revision: Optional[str] = None
    down: Tuple[str, ...] = ()
    for stmt in tree.body:
        target, value = _assignment(stmt)
        if value is None:
            continue
        if target == "revision":
            literal = _value(value)
            revision = literal if isinstance(literal, str) else None
        elif target == "down_revision":
            literal = _value(value)
            if isinstance(literal, str):
                down = (literal,)
            elif isinstance(literal, (tuple, list)):
                down = tuple(v for v in literal if isinstance(v, str))
    return (revision, down) if revision else None


def _alembic_dir(directory: str, listing) -> Dict[str, Tuple[str, ...]]:
    graph: Dict[str, Tuple[str, ...]] = {}
    for name, _, _ in listing:
        text = _read(directory, name)
        found = alembic_revisions(text) if text is not None else None
        if found is not None:
            graph[found[0]] = found[1]
    return graph


def django_files(directory: str) -> Dict[str, DjangoFile]:
    """The Django migrations of ``directory`` by name (cached by listing)."""
    return _cached("django", directory, _django_dir) or {}


def _alembic_names(directory: str, listing) -> Dict[str, str]:
    names: Dict[str, str] = {}
    for name, _, _ in listing:
        text = _read(directory, name)
        found = alembic_revisions(text) if text is not None else None
        if found is not None:
            names[found[0]] = name
    return names


def alembic_files(directory: str) -> Dict[str, str]:
    """revision -> file name of every revision file in ``directory`` (cached by listing)."""
    return _cached("alembic-files", directory, _alembic_names) or {}


def read_file(directory: str, name: str) -> Optional[str]:
    return _read(directory, name) if name else None


def alembic_graph(directory: str) -> Dict[str, Tuple[str, ...]]:
    """revision -> down revisions of every revision file in ``directory`` (cached by listing)."""
    return _cached("alembic", directory, _alembic_dir) or {}


def alembic_in_scope(path: str, revision: str, down: Tuple[str, ...], cutoff: str) -> bool:
    """True if ``revision`` is ``cutoff`` or descends from it.

    Links that cannot be followed (a revision whose file is not in the directory) count as new,
    and so does everything when the cut-off revision is not found at all: when in doubt, check.
    """
    if revision == cutoff:
        return True
    directory = os.path.dirname(os.path.abspath(path))
    graph: Dict[str, Tuple[str, ...]] = dict(_cached("alembic", directory, _alembic_dir) or {})
    graph[revision] = down
    if cutoff not in graph:
        return True
    seen: Set[str] = set()
    stack = list(down)
    while stack:
        rev = stack.pop()
        if rev == cutoff:
            return True
        if rev in seen:
            continue
        seen.add(rev)
        if rev not in graph:
            return True  # broken chain: cannot prove it is old
        stack.extend(graph[rev])
    return False
