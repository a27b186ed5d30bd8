"""Small syntax helpers of the N+1 analysis: expression shapes for messages, literal strings,
call arguments, block terminators, name walks."""
from __future__ import annotations

from typing import List, Optional, Tuple

from ..._lazy import cst
from ...frameworks import orm
from ...semantics import dotted_name, string_value
from ...walker import children


def shape(node: cst.CSTNode, module: cst.Module, limit: int = 60) -> str:
    """Code of an expression with call arguments elided: ``Order.objects.filter(...).first()``."""
    if type(node) is cst.Await:
        return "await " + shape(node.expression, module, limit)
    if type(node) is cst.Call:
        inner = shape(node.func, module, limit)
        if not node.args:
            return inner + "()"
        args = _call_args_text(node, module)
        if len(args) <= 32 and "\n" not in args and "(" not in args[1:]:
            return inner + args
        return inner + "(...)"
    if type(node) is cst.Attribute:
        return shape(node.value, module, limit) + "." + node.attr.value
    if type(node) is cst.Subscript:
        return shape(node.value, module, limit) + "[...]"
    text = module.code_for_node(node)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# at least this many characters: what ``_call_args_text`` would return is longer than ``shape``
# shows, or holds a call's "(" (any argument that is a call, or a keyword longer than that)
_LONG = "(" + "." * 40 + ")"


def _call_args_text(node: cst.Call, module: cst.Module) -> str:
    """The whitespace-normalized code of ``node`` after its callee: ``(pk=pk)`` of
    ``Order.objects.get(pk=pk)`` (as ``" ".join(code.split())`` of the call, less that of the
    callee), generated from the argument list alone instead of the whole call twice; an
    argument list that cannot be short (a call among the arguments, too many or too long
    keywords) is not generated at all (``_LONG``)."""
    args = node.args
    floor = 2 + len(args) - 1  # the parentheses and a comma between arguments
    for arg in args:
        if type(arg.value) is cst.Call:
            return _LONG  # its "(" is in the text: shown as "(...)"
        kw = arg.keyword
        floor += len(kw.value) + 2 if kw is not None else 1
    if floor > 32:
        return _LONG
    if node.lpar or any(type(arg.comma) is not cst.Comma for arg in args[:-1]):
        # parenthesized call, or a comma left to the code generator: the whole call, as it was
        return " ".join(module.code_for_node(node).split())[len(" ".join(module.code_for_node(node.func).split())):]
    parts = [module.code_for_node(node.whitespace_after_func), "(", module.code_for_node(node.whitespace_before_args)]
    parts += [module.code_for_node(arg) for arg in args]
    parts.append(")")
    rest = "".join(parts)
    # the callee's code ends with a token, so the normalized call is the normalized callee, then
    # one space if the rest starts with whitespace, then the normalized rest
    return (" " if rest[:1].isspace() else "") + " ".join(rest.split())


def _string(node) -> Optional[str]:
    if type(node) is cst.SimpleString:
        try:
            value = node.evaluated_value
        except Exception:  # pragma: no cover - odd literals
            return None
        return value if isinstance(value, str) else None
    if type(node) is cst.ConcatenatedString:
        value = string_value(node)  # iterative, unlike evaluated_value
        return value if isinstance(value, str) else None
    return None


def _lazy_fact(node, module) -> Tuple[Optional[str], Optional[str]]:
    """(loading strategy, the value as written) of a ``lazy=`` argument; (None, None) if absent."""
    if node is None:
        return None, None
    s = _string(node)
    if s is not None:
        return s, f'"{s}"'
    if type(node) is cst.Name and node.value in ("True", "False", "None"):
        return orm.sqla_lazy_strategy(node.value), node.value
    return "?", " ".join(module.code_for_node(node).split())


def _kw(call: cst.Call, name: str):
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    return None


def _positional(call: cst.Call) -> List[cst.BaseExpression]:
    return [a.value for a in call.args if a.keyword is None and not a.star]


def _terminal(stmts) -> Optional[str]:
    """'break' | 'exit' when a block always leaves the loop at its end."""
    if not stmts:
        return None
    last = stmts[-1]
    smalls = last.body if type(last) is cst.SimpleStatementLine else [last]
    if True:
        for small in smalls:
            if type(small) is cst.Break:
                return "break"
            if type(small) in (cst.Return, cst.Raise):
                return "exit"
    return None


_MEMO_DECORATORS = frozenset({"lru_cache", "cache", "cached", "cached_property", "memoize", "memoized",
                              "cachedmethod", "cached_method", "once"})


def _names(node):
    """Every Name inside an expression."""
    stack = [node]
    while stack:
        n = stack.pop()
        if type(n) is cst.Name:
            yield n
        stack.extend(children(n))


_PAGING_WORDS = ("sleep(", "page", "offset", "batch", "chunk", "limit", "last_id", "retry", "attempt")


def _not_data_driven(stmt, module) -> bool:
    """A ``while`` loop that polls, retries, or walks pages/batches, rather than going through a
    collection: ``while True:``, a ``sleep()`` in the body, paging words in the test or body."""
    test = getattr(stmt, "test", None)
    if type(test) is cst.Name and test.value == "True" or type(test) is cst.Integer:
        return True
    text = module.code_for_node(getattr(stmt, "test", None) or stmt.iter) + module.code_for_node(stmt.body)
    lower = text.lower()
    return any(word in lower for word in _PAGING_WORDS)


def _is_classlike(node) -> bool:
    name = dotted_name(node)
    if not name:
        return False
    last = name.rsplit(".", 1)[-1]
    return last[:1].isupper()


_MODEL_LOOKUPS = frozenset({"model_class", "get_model", "get_object_model"})


def runtime_model(node) -> bool:
    """The receiver of ``.objects`` names a model looked up at run time from data:
    ``ct.model_class()``, ``apps.get_model(label)``, ``registry[kind]``, ``type(obj)``."""
    if type(node) is cst.Subscript:
        return True
    if type(node) is cst.Call:
        name = dotted_name(node.func) or ""
        return name.rsplit(".", 1)[-1] in _MODEL_LOOKUPS or name == "type"
    return False


# queryset methods whose keyword arguments are lookups, and the expressions that wrap a queryset
# into another query: a lazy queryset in them is compiled into that query's SQL (a subquery)
_FILTER_METHODS = frozenset({"filter", "exclude", "get", "aget", "annotate", "alias"})
_SUBQUERY_WRAPPERS = frozenset({"Q", "Subquery", "Exists"})
_LAZY_TAIL = orm.DJANGO_LAZY | orm.DJANGO_ROWS


def subquery_slots(call) -> Optional[bool]:
    """Whether ``call``'s arguments are compiled into a query: False when its keyword arguments are
    (the lookups of ``filter()``/``exclude()``/``get()``...), True when every argument is
    (``Q()``, ``Subquery()``, ``Exists()``, also as ``models.Q(...)``), None for any other call."""
    func = call.func
    if type(func) is cst.Attribute:
        name = func.attr.value
        if name in _FILTER_METHODS:
            return False
        return True if name in _SUBQUERY_WRAPPERS else None
    if type(func) is cst.Name and func.value in _SUBQUERY_WRAPPERS:
        return True
    return None


def lazy_chain(node) -> bool:
    """``row.tags.values_list("id")``, ``self.logs.filter(...).order_by(...)``: a queryset chain
    on an attribute that ends in a lazy method (nothing evaluates it here)."""
    return (type(node) is cst.Call and type(node.func) is cst.Attribute
            and node.func.attr.value in _LAZY_TAIL and type(node.func.value) in (cst.Attribute, cst.Call))


def children_outside_subqueries(call) -> list:
    """The children of ``call`` to walk for reads: a lazy queryset chain passed as a lookup (a
    subquery) is left out, but the arguments of its calls are walked (they may read), and so is
    a plain call it starts from (``helper(row).values_list(...)``)."""
    every = subquery_slots(call)
    if every is None:
        return list(children(call))
    out = [call.func]
    for arg in call.args:
        value = arg.value
        if (every or arg.keyword is not None) and lazy_chain(value):
            inner = value
            while True:
                if type(inner) is cst.Call and type(inner.func) is cst.Attribute:
                    out.extend(a.value for a in inner.args)
                    inner = inner.func.value
                elif type(inner) is cst.Attribute:
                    inner = inner.value
                else:
                    break
            if type(inner) is cst.Call:
                out.append(inner)
            continue
        out.append(value)
    return out
