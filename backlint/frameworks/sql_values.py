"""What a value is when it is pasted into SQL text: data, a number, an identifier, or SQL.

``SqlValues`` is the ``value_origin.ValueTracker`` for SQL: it evaluates expressions to ``Val``
summaries. Text built by an f-string, ``%``, ``.format()``, ``+``, ``str.join()`` or
``str.replace()`` carries a taint naming the first piece that is not shown safe (and where that
piece came from, when the tracker saw it enter). Shown safe: literals and constants; numbers
(``int()``, ``len()``, ``math.ceil()``, arithmetic, ``%d``, ``enumerate()`` indexes, values
annotated ``int``); identifiers from ORM metadata (``__tablename__``, ``_meta.db_table``,
``column.key``) or the database catalogue (inspector and introspection names); identifiers and
literals quoted by the dialect or a quoting helper (``quote_name``, ``quote_ident``,
``sql.Identifier``, ``sa.column(x)``, ``'"' + x.replace('"', '""') + '"'``, or a function of
this file whose every return is quoted); SQL compiled by SQLAlchemy or Django
(``str(qs.query)``, ``.sql_with_params()``, ``.compile()``), which is composition, not data.
"""
from __future__ import annotations

import re
from typing import List, Optional, Sequence, Tuple

from .._lazy import cst

from ..semantics import dotted_name, literal_value
from . import origin_own as own
from . import origin_request as orq
from . import sql as sqlk
from . import sql_owned as owned
from . import sql_percent
from .origin_text import short_code
from . import sql_trusted as trusted
from .sql_flow import SqlFlow, option_key
from . import value_guards as guards
from .value_origin import SAFE, UNKNOWN, Origin, Val, ValueTracker, either, element, is_stringy, replace

HOLE = sqlk.HOLE
_UPPER = re.compile(r"^_*[A-Z][A-Z0-9_]*$")
_NUMERIC_SPEC = re.compile(r"[\d.,_]*[bdoxXeEfFgGn%]$")
_NUMERIC_OPERATORS = (
    "Subtract", "Divide", "FloorDivide", "Power", "LeftShift", "RightShift", "BitAnd", "BitXor",
    "MatrixMultiply",
)


class SqlValues(SqlFlow, ValueTracker):
    """Evaluates expressions to ``Val`` for the SQL rule (and any rule that asks about SQL text)."""

    # -- hooks -----------------------------------------------------------------------------------
    def text_name(self, name: str) -> bool:
        return bool(sqlk.SQL_TEXT_NAME.match(name))

    def safe_annotation(self, ann: cst.BaseExpression) -> bool:
        if type(ann) is cst.SimpleString:
            return False
        name = dotted_name(ann)
        if name is not None:
            return name in sqlk.SAFE_ANNOTATIONS or name in self.enums or name.split(".")[-1] in self.enums
        if type(ann) is cst.Subscript:
            base = dotted_name(ann.value) or ""
            last = base.split(".")[-1]
            if last == "Literal":
                return True
            if last in ("Optional", "Annotated"):
                first = ann.slice[0].slice if ann.slice else None
                return type(first) is cst.Index and self.safe_annotation(first.value)
            if last == "Union":
                return all(
                    type(s.slice) is cst.Index
                    and (self.safe_annotation(s.slice.value) or dotted_name(s.slice.value) == "None")
                    for s in ann.slice
                )
            return False
        if type(ann) is cst.BinaryOperation and type(ann.operator) is cst.BitOr:
            sides = (ann.left, ann.right)
            return all(self.safe_annotation(s) or dotted_name(s) == "None" for s in sides) and any(
                self.safe_annotation(s) for s in sides
            )
        return False

    def param_value(self, param: cst.Param, function: cst.FunctionDef, position: int = -1) -> Val:
        value = super().param_value(param, function, position)
        origin = value.origin
        if origin is not None and origin.kind == "parameter" and not origin.handler \
                and orq.route_parameter(param, function, self.ctx):  # filled by the client
            value = replace(value, origin=replace(origin, handler=True))
        ann = param.annotation.annotation if param.annotation is not None else None
        if ann is not None and value.origin is not None and not value.origin.handler \
                and owned.typed_dict_annotation(ann):
            value = replace(value, keys=True, container=True)  # the keys its TypedDict declares
        return value

    # -- pieces ----------------------------------------------------------------------------------
    def code(self, node: cst.CSTNode) -> str:
        return short_code(self.ctx.module, node)

    def pieces(self, how: str, items: Sequence[Tuple[Val, cst.CSTNode]], text: Optional[str]) -> Val:
        taint = None
        safe = True
        for value, node in items:
            if value.taint is None and value.safe:
                continue
            safe = False
            found = value.taint or (None if value.sqlish else (how, node, value.origin))
            if found is not None and (taint is None or _deferred(taint) and not _deferred(found)):
                taint = found  # the node's code is rendered if reported; decided pieces first
        return Val(safe=safe, taint=taint, text=text, sqlish=not safe and taint is None)

    # -- expressions -----------------------------------------------------------------------------
    def ev(self, node: cst.BaseExpression, depth: int = 0) -> Val:
        if depth > 60:
            return UNKNOWN
        d = depth + 1
        if type(node) is cst.SimpleString:
            value = literal_value(node)
            if isinstance(value, bytes):
                value = value.decode("latin-1")
            return Val(safe=True, text=value)
        if type(node) is cst.ConcatenatedString:
            left, right = self.ev(node.left, d), self.ev(node.right, d)
            text = (left.text or HOLE) + (right.text or HOLE)
            return self.pieces("an f-string", [(left, node.left), (right, node.right)], text)
        if type(node) is cst.FormattedString:
            return self._fstring(node, d)
        if type(node) in (cst.Integer, cst.Float, cst.Imaginary):
            return SAFE
        if type(node) is cst.Name:
            return self._name(node)
        if type(node) is cst.Attribute:
            return self._attribute(node, d)
        if type(node) is cst.Subscript:
            if (self.ctx.qualified_name(node.value) or "") == "os.environ":
                return SAFE  # the operator's configuration
            if self.facts.number_options and self.facts.option_value(node.value, option_key(node)):
                return SAFE  # `options["lock_id"]` declared `type=int`
            if self.checked_key(node):
                return SAFE  # `f["type"]` of entries that are literals or a validator checked
            base = self.ev(node.value, d)
            if base.safe or base.allow:
                return SAFE
            if base.sqlish:
                return Val(sqlish=True)  # `sql_and_params[0]`
            return Val(origin=base.origin)
        if type(node) is cst.Call:
            return self._call(node, d)
        if type(node) is cst.BinaryOperation:
            return self._binary(node, d)
        if type(node) is cst.UnaryOperation:
            inner = self.ev(node.expression, d)
            return SAFE if inner.safe or type(node.operator) in (cst.Not, cst.Minus, cst.BitInvert) else UNKNOWN
        if type(node) is cst.BooleanOperation:
            return either(self.ev(node.left, d), self.ev(node.right, d))
        if type(node) is cst.Comparison:
            return SAFE
        if type(node) is cst.IfExp:
            found = guards.guard(self, node.test)
            body = guards.with_guard(self, found, True, lambda: self.ev(node.body, d))
            orelse = guards.with_guard(self, found, False, lambda: self.ev(node.orelse, d))
            return either(body, orelse)
        if type(node) in (cst.List, cst.Tuple, cst.Set):
            return self._collection([e.value for e in node.elements], d)
        if type(node) is cst.Dict:
            if not all(type(item) is cst.DictElement for item in node.elements):
                return UNKNOWN
            value = self._collection([item.value for item in node.elements], d)
            return replace(value, keys=owned.literal_keys(self, node))
        if type(node) in (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp):
            return self._comprehension(node, d)
        if type(node) is cst.Await:
            return self.ev(node.expression, d)
        if type(node) in (cst.NamedExpr, cst.StarredElement):
            return self.ev(node.value, d)
        return UNKNOWN

    def _collection(self, elements: Sequence[cst.BaseExpression], d: int) -> Val:
        if not elements:
            return Val(safe=True, allow=True)
        values = [self.ev(e, d) for e in elements]
        safe = all(v.safe for v in values)
        taint = next((v.taint for v in values if v.taint), None)
        text = next((v.text for v in values if v.text is not None), None)
        sqlish = not safe and taint is None and all(v.safe or v.sqlish for v in values)
        origin = next((v.origin for v in values if v.origin), None)
        return Val(safe=safe, taint=taint, text=text, allow=safe, sqlish=sqlish, origin=origin,
                   container=True)

    def _comprehension(self, node, d: int) -> Val:
        saved = dict(self.overrides)
        try:
            comp = node.for_in
            while comp is not None:
                self.bind_loop_target(comp.target, comp.iter, override=True)
                comp = comp.inner_for_in
            value = self.ev(node.value if type(node) is cst.DictComp else node.elt, d)
            keys = type(node) is cst.DictComp and self.ev(node.key, d).safe
        finally:
            self.overrides = saved
        return Val(safe=value.safe, taint=value.taint, text=value.text, allow=value.safe,
                   sqlish=value.sqlish, origin=value.origin, container=True, keys=keys)

    def _fstring(self, node: cst.FormattedString, d: int) -> Val:
        items: List[Tuple[Val, cst.CSTNode]] = []
        text = ""
        for part in node.parts:
            if type(part) is cst.FormattedStringText:
                text += part.value
                continue
            text += HOLE
            spec_parts = part.format_spec or ()
            if spec_parts and all(type(p) is cst.FormattedStringText for p in spec_parts):
                if _NUMERIC_SPEC.search("".join(p.value for p in spec_parts)):
                    continue
            items.append((self.ev(part.expression, d), part.expression))
        return self.pieces("an f-string", items, text)

    def _name(self, node: cst.Name) -> Val:
        name = node.value
        if name in ("True", "False", "None"):
            return SAFE
        found = self.lookup(name)
        if found is not None:
            return found
        if _UPPER.match(name):
            return Val(safe=True, allow=True)
        if self.text_name(name):
            return Val(sqlish=True)
        return UNKNOWN

    def _attribute(self, node: cst.Attribute, d: int) -> Val:
        attr = node.attr.value
        base = node.value
        if orq.request_read(node, self.ctx):
            # the value-origin model's notion of client input, shared with BL310-BL313
            return Val(origin=Origin("request", node.attr.value, node))
        if attr in sqlk.INPUT_ATTRIBUTES:
            return UNKNOWN
        if own.setting_read(node, self.ctx):
            return SAFE  # the deployment's own setting (the value-origin model's notion)
        if _UPPER.match(attr) or attr in sqlk.SCHEMA_ATTRIBUTES:
            return Val(safe=True, allow=_UPPER.match(attr) is not None)
        if sqlk.is_orm_identifier(node) or trusted.is_driver_id(node):
            return SAFE
        if self.facts.number_options and self.facts.option_value(base, attr):
            return SAFE  # `args.lock_id` declared `type=int`
        if attr.startswith("__") and not attr.endswith("__") and self.class_scope() is not None:
            found = self.self_attribute(attr)  # `other.__pid`: name-mangled, so this class's attribute
            if found is not None:
                return found
        if type(base) is cst.Name and base.value in ("self", "cls"):
            found = self.self_attribute(attr)
            if found is not None:
                return found
        else:
            inner = self.ev(base, d) if type(base) in (cst.Name, cst.Attribute, cst.Subscript) else UNKNOWN
            if inner.safe:
                return SAFE
            if inner.origin is not None and inner.origin.kind == "request":
                return Val(origin=inner.origin)
        if attr == "__dict__":
            return owned.attribute_dict(self, base)
        if owned.orm_object_name(self, base, attr):
            return SAFE  # `key.name` of `for key in table.primary_key.columns`
        if self.text_name(attr):
            return Val(sqlish=True)
        return UNKNOWN

    def _call(self, node: cst.Call, d: int) -> Val:
        func = node.func
        if orq.request_read(node, self.ctx):
            return Val(origin=Origin("request", self.code(node), node))  # `request.get_json()`
        qual = self.ctx.qualified_name(func) or ""
        obj = self.qual(node)
        if qual.startswith(sqlk.PSYCOPG_COMPOSE_PREFIXES) or qual in sqlk.QUOTED_IDENTIFIER_CALLS:
            return SAFE
        if qual in sqlk.NUMERIC_QUALIFIED or qual in sqlk.ENVIRONMENT_READS:
            return SAFE
        args = list(node.args)
        first = args[0].value if args else None
        if type(func) is cst.Name:
            fname = func.value
            bound = self.lookup(fname)
            if bound is not None and bound.returns is not None:
                return bound.returns
            later = self.later_call(fname, obj) if bound is None else None
            if later is not None:
                return later
            if fname in sqlk.NUMERIC_CALLS:
                return SAFE
            if fname == "str" and first is not None:
                if sqlk.is_compiled_sql(first):
                    return Val(sqlish=True)
                inner = self.ev(first, d)
                return replace(inner, allow=False, obj=None, returns=None)
            if fname in ("list", "tuple", "set", "frozenset", "sorted", "reversed", "iter") and first is not None:
                return self.ev(first, d)
            if fname in ("list", "tuple", "set", "frozenset", "dict", "defaultdict") and not args \
                    or fname == "defaultdict" and len(args) == 1 and type(first) is cst.Name:
                return Val(safe=True, allow=True, container=True)  # an empty container
            if fname == "dict" and all(a.keyword is not None for a in args):
                return replace(self._collection([a.value for a in args], d), keys=True)  # `dict(a=x)`
            if fname == "range":
                return Val(safe=True, allow=True, container=True)
            if fname == "next" and first is not None:
                return element(self.ev(first, d))
            if fname in ("enumerate", "zip", "min", "max", "sum") and args:
                values = [self.ev(a.value, d) for a in args]
                safe = all(v.safe or v.allow for v in values)
                return Val(safe=safe, allow=safe and fname in ("enumerate", "zip"))
        if qual in ("itertools.repeat",) and first is not None and self.ev(first, d).safe:
            return Val(safe=True, allow=True, container=True)
        if qual == "itertools.count":
            return Val(safe=True, allow=True)
        if qual in ("re.sub", "re.subn") and len(args) >= 3:
            subject = self.ev(args[2].value, d)
            return SAFE if subject.safe and self.ev(args[1].value, d).safe else Val(origin=subject.origin)
        last = func.attr.value if type(func) is cst.Attribute else (
            func.value if type(func) is cst.Name else ""
        )
        if type(func) is cst.Name:
            # `qn = connection.ops.quote_name` then `qn(table)`
            bound = self.lookup(func.value)
            if bound is not None and bound.obj:
                last = last + " " + bound.obj.rsplit(".", 1)[-1]
        if (
            any(word in last.lower() for word in sqlk.SANITIZER_WORDS)
            or last in sqlk.SANITIZER_NAMES
            or qual.rsplit(".", 1)[-1] in sqlk.SANITIZER_NAMES  # `from .pg import identifier as ident`
            or "preparer" in (obj or "")
        ):
            return SAFE
        keyed = owned.keyed_call(self, node, qual)
        if keyed is not None:
            return keyed
        if owned.catalogue_rows(self, node):
            return Val(safe=True, allow=True, container=True)  # names the catalogue holds
        if type(func) is cst.Attribute:
            return self._method(node, func, args, first, obj, d)
        return Val(obj=obj)

    def _method(self, node, func: cst.Attribute, args, first, obj, d: int) -> Val:
        method = func.attr.value
        base_node = func.value
        if type(base_node) is cst.Name and base_node.value in ("self", "cls"):
            found = self.self_attribute(method)
            if found is not None and found.returns is not None:
                return found.returns
            later = self.later_call("self." + method, obj) if found is None else None
            if later is not None:
                return later
        if method in sqlk.COMPILED_SQL_METHODS:
            return Val(sqlish=True)
        if method == "get" and type(base_node) is cst.Name and base_node.value in self.facts.constant_vars:
            return SAFE  # a ContextVar this file sets only to constants
        if method in sqlk.ORM_TYPE_METHODS:
            return SAFE  # `field.db_type(connection)`: the column type Django derives from the model
        if method in sqlk.PLAIN_TEXT_METHODS:
            return SAFE  # `dt.isoformat()`, `digest.hexdigest()`: digits, letters and dashes
        if sqlk.is_catalogue_call(method, obj):
            return Val(safe=True, allow=True)
        if method == "format":
            base = self.ev(base_node, d)
            if base.text is None and base.taint is None and not self._template(base, base_node):
                return Val(obj=obj)
            items: List[Tuple[Val, cst.CSTNode]] = [(base, base_node)]
            for arg in args:
                value = self.ev(arg.value, d)
                if arg.star:
                    value = element(value)  # `*parts`, `**params`: the elements fill the template
                items.append((value, arg.value))
            return self.pieces("`.format()`", items, base.text)
        if method == "join" and first is not None:
            base = self.ev(base_node, d)
            if base.text is None:
                return Val(obj=obj)
            elements = self.ev(first, d)
            return self.pieces("`str.join()`", [(base, base_node), (elements, first)], elements.text)
        if method == "replace" and len(args) >= 2:
            return self._replace(base_node, args[0].value, args[1].value, d)
        if method in sqlk.SPLIT_METHODS:
            base = self.ev(base_node, d)
            if base.safe:
                return Val(safe=True, allow=True, container=True)
            return Val(origin=base.origin, container=True)
        if method in guards.STRING_METHODS:
            base = self.ev(base_node, d)
            return Val(safe=base.safe, taint=base.taint, text=base.text, sqlish=base.sqlish, origin=base.origin)
        if method in ("items", "keys", "values", "copy"):
            base = self.ev(base_node, d)
            return owned.method_result(method, base) or Val(safe=base.safe or base.allow, allow=base.allow, taint=base.taint, text=base.text,
                       origin=base.origin)
        if method in ("get", "pop") and args and self._trusted_get(base_node, args):
            return SAFE
        if method in ("get", "getlist", "pop") and args:
            base = self.ev(base_node, d)
            if base.allow:
                default = self.ev(args[1].value, d) if len(args) > 1 else SAFE
                return SAFE if default.safe else UNKNOWN
            if base.origin is not None and base.origin.kind == "request":
                return Val(origin=base.origin)
        return Val(obj=obj)

    def _replace(self, base_node, old_node, new_node, d: int) -> Val:
        """``x.replace('"', '""')`` escapes; ``TEMPLATE.replace("{name}", name)`` builds SQL."""
        base = self.ev(base_node, d)
        old, new = self.ev(old_node, d), self.ev(new_node, d)
        if old.text in ("'", '"', "`") and new.text == old.text * 2:
            return SAFE  # doubled quotes: escaped for a quoted SQL literal or identifier
        if base.text is not None or base.taint is not None or self._template(base, base_node):
            text = base.text.replace(old.text, HOLE) if base.text is not None and old.text else base.text
            return self.pieces("`str.replace()`", [(base, base_node), (new, new_node)], text)
        if base.safe and new.safe:
            return SAFE
        return replace(base, allow=False, obj=None, returns=None)

    @staticmethod
    def _template(value: Val, node: cst.BaseExpression) -> bool:
        """A constant whose text is not in this file (``queries.FIND``, an imported ``FIND``)."""
        if not value.safe or value.text is not None:
            return False
        name = node.attr.value if type(node) is cst.Attribute else (
            node.value if type(node) is cst.Name else "")
        return bool(_UPPER.match(name))

    def _binary(self, node: cst.BinaryOperation, d: int) -> Val:
        op = node.operator
        left = self.ev(node.left, d)
        if type(op) is cst.Add:
            right = self.ev(node.right, d)
            if is_stringy(left) or is_stringy(right):
                text = (left.text if left.text is not None else HOLE) + (
                    right.text if right.text is not None else HOLE
                )
                return self.pieces("`+` concatenation", [(left, node.left), (right, node.right)], text)
            if type(node.left) in (cst.Integer, cst.Float) or type(node.right) in (cst.Integer, cst.Float):
                return SAFE  # `n + 1`: a number (a string would raise)
            return Val(safe=left.safe and right.safe)
        if type(op) is cst.Modulo:  # else: a number modulo something
            text_like = left.text is not None or left.taint is not None or left.sqlish
            return sql_percent.percent(self, node, left, d) if text_like or self._template(left, node.left) else SAFE
        right = self.ev(node.right, d)
        if type(op) is cst.Multiply:
            for a in (left, right):
                if (a.text is not None or a.allow) and a.safe:
                    return Val(safe=True, text=a.text, allow=a.allow)
            if not (is_stringy(left) or is_stringy(right)) and (
                type(node.left) in (cst.Integer, cst.Float) or type(node.right) in (cst.Integer, cst.Float)
            ):
                return SAFE
            return Val(safe=left.safe and right.safe)
        if type(op).__name__ in _NUMERIC_OPERATORS and not (is_stringy(left) or is_stringy(right)):
            return SAFE  # arithmetic yields a number
        return Val(safe=left.safe and right.safe)

    # -- handlers that build text ----------------------------------------------------------------
    def on_aug_assign(self, node: cst.AugAssign) -> None:
        target = node.target
        if type(target) is cst.Name:
            old = self.lookup(target.value) or UNKNOWN
        elif type(target) is cst.Attribute:
            old = self.ev(target)
        else:
            return
        value = self.ev(node.value)
        if type(node.operator) is cst.AddAssign and (is_stringy(old) or is_stringy(value)):
            text = (old.text if old.text is not None else HOLE) + (value.text if value.text is not None else HOLE)
            new = self.pieces("`+=` concatenation", [(old, target), (value, node.value)], text)
            if old.taint is None and value.taint is None and not new.taint and not (old.safe or old.sqlish):
                # an unknown string grown with constants: not a finding by itself
                new = Val(sqlish=old.sqlish, text=text)
        elif type(node.operator) is cst.AddAssign and type(node.value) in (cst.Integer, cst.Float):
            new = SAFE  # `n += 1`: a counter
        else:
            new = Val(safe=old.safe and value.safe)
        if type(target) is cst.Name:
            self.bind(target.value, new, replace_old=True)
        else:
            self.bind_target(target, new, None)


def _deferred(taint) -> bool:
    return taint[2] is not None and taint[2].kind == "deferred"
