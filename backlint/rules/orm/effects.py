"""What the per-function pass records: queries per loop iteration (hits), calls to functions
that may query, relation reads of loop variables, helper reads."""
from __future__ import annotations

from typing import Optional, Tuple

from ..._lazy import cst
from ...walker import children
from ...frameworks import orm
from . import _writes, _written
from .syntax import _names, shape
from .values import DML, CallEvent, Hit, Inst, Read, Src


class Effects:
    # -- effects ----------------------------------------------------------------------------------
    def level(self) -> int:
        level = len(self.frames)
        for depth, term in reversed(self.blocks):
            if depth != level or level == 0:
                continue  # a block outside the innermost live loop does not end its iterations
            if term == "exit":
                # leaving a SerializerMethodField getter ends one object's work, not the loop
                return 1 if self.frames and self.frames[0].kind == "serializer" else 0
            if term == "break" and depth == level and level > 0:
                level -= 1
        return level

    def hit(self, node, kind: str, depth: Optional[int] = None, batch: bool = False, src=None, keys=()) -> None:
        text = shape(node, self.a.module)
        dynamic = isinstance(src, Src) and src.dynamic
        if self.fact["qnode"] is None and not self.guarded and not self.memoized and not self.cond and not dynamic:
            self.fact["qnode"] = node
            self.fact["qtext"] = text
            self.fact["qk"] = sorted(set(keys) | _written.value_keys(src))  # the table it reads
        level = self.level()
        if depth is not None:
            level = min(level, depth)
        if isinstance(src, Src) and src.pertable:
            level = min(level, src.pertable - 1)
        if self.memo:
            level = min(level, min(self.memo))
        level = self.data_level(level)
        if level <= 0 or not self.record or self.write_args or self.upsert or self.rare and level <= self.rare[-1]:
            return
        frame = self.frames[level - 1]
        if frame.written and frame.written & (set(keys) | _written.value_keys(src)):
            return  # a read of the table this iteration has written: the row just written, read back
        if frame.sleep or (frame.kind == "while" and batch):
            return
        if batch and frame.range:
            return
        hit = Hit(node, self.stmt, frame, kind, text, not self.loop_dependent(node, level))
        self.a.hits.append(hit)
        read = set(keys) | _written.value_keys(src)
        if read:
            frame.read_keys.append((hit, read))

    def sql_table_depth(self, node) -> Optional[int]:
        """SQL text whose table a loop chooses (``FROM "{table.name}"`` in ``for table in tables``):
        each iteration reads another table, so the query belongs to the loops outside that one.
        Also a statement written in place whose ``where()`` is one ``IN`` per group key."""
        depth = max((self.per_table(expr) for expr in _writes.sql_tables(node)), default=0)
        chain = node
        while type(chain) is cst.Call and type(chain.func) is cst.Attribute:
            if chain.func.attr.value in ("where", "filter", "filter_by"):
                depth = max(depth, self.group_depth(chain))  # `select(t).where(t.c.k == k, t.c.id.in_(ids))`
            chain = chain.func.value
        return depth - 1 if depth > 0 else None

    def group_depth(self, node) -> int:
        """``for ct, pks in by_type.items(): Note.objects.filter(type=ct, object_id__in=pks)``
        (or ``.where(Note.type == ct, Note.object_id.in_(pks))``): one query per group key, each
        already batched with ``IN`` over that key's rows (a generic relation needs one per type).
        Returns the grouping loop's depth, so the query counts for the loops around it. A loop over
        groups whose query does not filter on the key (``id__in=item_ids`` per order) still counts:
        one query over all the ids would do."""
        depth = 0
        for name in _in_values(node):
            for i, frame in enumerate(self.frames):
                key = _group_key(frame.node, name) if type(frame.node) is cst.For else None
                if key is not None and _names_in(node, key):
                    depth = max(depth, i + 1)
        return depth

    def helper_reads(self, node: cst.Call, callee: Optional[str]) -> None:
        """``render(order)`` in a loop: what ``render`` reads from its parameter, ``order`` reads."""
        if not callee or not self.record:
            return
        for i, arg in enumerate(node.args[:3]):
            if arg.keyword is not None or arg.star or type(arg.value) is not cst.Name:
                continue
            value = self.lookup(arg.value.value, arg.value)
            if isinstance(value, Inst) and not value.attrs and value.event is not None and value.src is not None:
                ev = value.event
                try:
                    idx = self.frames.index(ev.frame)
                except ValueError:
                    continue
                if self.level() < idx + 1:
                    continue
                key = (("<helper>", callee, i), True)
                if key in ev.seen:
                    continue
                ev.seen.add(key)
                ev.reads.append(Read((), True, node, self.stmt, (callee, i, shape(node.func, self.a.module))))

    def data_level(self, level: int) -> int:
        """The innermost live loop at or above ``level`` that goes through data."""
        while level > 0 and self.frames[level - 1].fixed:
            level -= 1
        return level

    def call_event(self, node, callee: str) -> None:
        if callee is None or orm.is_library(callee) or callee.rsplit(".", 1)[-1][:1].isupper():
            return
        if self.local is not None and callee == self.a.full(self.local):
            return  # the function calls itself per child: a recursive walk of a tree, one level per call
        if self.hands_write(node):
            self.writes = True  # `self.execute(insert(t).values(row))`: the helper runs the write it is handed
            return
        if not self.cond:
            self.fact["calls"].append(callee)
        level = self.level()
        if self.memo:
            level = min(level, min(self.memo))
        level = self.data_level(level)
        if level <= 0 or not self.record or self.write_args or self.upsert or self.rare and level <= self.rare[-1]:
            return
        frame = self.frames[level - 1]
        if frame.sleep or frame.wrote:
            return
        self.a.calls.append(CallEvent(node, self.stmt, frame, callee, shape(node.func, self.a.module),
                                      not self.loop_dependent(node, level)))

    def loop_dependent(self, node, level: int) -> bool:
        """Something in the query or call was bound inside the loop at ``level`` (its variable,
        or a name the body assigned): the query changes with the iteration. A name bound in a
        loop that has ended counts as bound inside (it may come from this iteration)."""
        for name in _names(node):
            b = self.bound.get(name.value)
            if b is None:
                continue
            depth, frame = b
            if depth >= level:
                return True
        return False

    def hands_write(self, node) -> bool:
        """A call whose statement argument is a write (an ``insert()``/``update()`` statement)."""
        if type(node) is not cst.Call:
            return False
        for arg in node.args[:2]:
            value = arg.value
            if type(value) is cst.Name and self.env.get(value.value) is DML:
                return True
            if type(value) is cst.Call and _writes.is_dml_callable(self.a.ctx.qualified_name(value.func)):
                return True
        return False

    def read(self, inst: Inst, attrs: Tuple[str, ...], call: bool, node) -> None:
        ev = inst.event
        if ev is None or not self.record:
            return
        try:
            idx = self.frames.index(ev.frame)
        except ValueError:
            return
        if self.level() < idx + 1:
            return
        if self.write_args and call and len(attrs) > 1 and attrs[-1] in orm.DJANGO_LAZY:
            return  # `row.checks.filter(...).delete()`: the queryset of a per-row write, not a read
        if self.subquery_args and call and len(attrs) > 1 and (attrs[-1] in orm.DJANGO_LAZY or attrs[-1] in orm.DJANGO_ROWS):
            return  # `filter(item__in=row.tags.values_list("id"))`: a subquery of that filter's query
        key = (attrs, call)
        if key in ev.seen or len(ev.reads) > 40:
            return
        ev.seen.add(key)
        ev.reads.append(Read(attrs, call, node, self.stmt))


def _in_values(call, depth: int = 0) -> list:
    """The names a filter call compares with ``IN``: ``x__in=pks``, ``Model.x.in_(pks)``."""
    found = []
    for arg in call.args:
        value = arg.value
        if arg.keyword is not None:
            if arg.keyword.value.endswith("__in") and type(value) is cst.Name:
                found.append(value.value)
        elif type(value) is cst.Call and depth < 2:
            func = value.func
            if (type(func) is cst.Attribute and func.attr.value == "in_" and len(value.args) == 1
                    and type(value.args[0].value) is cst.Name):
                found.append(value.args[0].value.value)
            else:
                found.extend(_in_values(value, depth + 1))  # `and_(..., Model.x.in_(pks))`
    return found


def _group_key(loop, name: str):
    """``for key, name in groups.items()``: a loop over groups; the key's name, else None."""
    it = loop.iter
    if not (type(it) is cst.Call and type(it.func) is cst.Attribute and not it.args
            and it.func.attr.value == "items"):
        return None
    target = loop.target
    if type(target) is cst.Tuple and len(target.elements) == 2:
        key, last = target.elements[0].value, target.elements[1].value
        if type(key) is cst.Name and type(last) is cst.Name and last.value == name:
            return key.value
    return None


def _names_in(call, name: str) -> bool:
    """The call's arguments compare with ``name`` (``type=ct``, ``Note.type == ct``)."""
    stack = [a.value for a in call.args]
    while stack:
        node = stack.pop()
        if type(node) is cst.Name:
            if node.value == name:
                return True
        elif type(node) is cst.Attribute:
            stack.append(node.value)  # `ct.pk`, not the attribute's own name
        elif type(node) in (cst.Comparison, cst.ComparisonTarget, cst.Call, cst.Arg):
            stack.extend(c for c in children(node) if isinstance(c, cst.CSTNode))
    return False
