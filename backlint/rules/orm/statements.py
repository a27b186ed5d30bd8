"""Statements and loops of the per-function pass: blocks, assignments, ``for``/``while``,
loop-variable binding, and which loop level a query belongs to."""
from __future__ import annotations

from typing import Optional

from ..._lazy import cst
from ...frameworks import orm
from ...semantics import dotted_name
from . import _loops, _units, _written, _writes, other_orms
from ._memo import _cache_get, _change_test, _memo_test
from .priming import mentions_priming, primes, priming_lines
from .syntax import _names, _not_data_driven, _positional, _terminal, runtime_model
from ...walker import children
from .values import DML, Enum, Frame, Inst, Ref, RelEvent, SESSION, Src, UNKNOWN_LOCAL


class Statements:
    # -- statements ----------------------------------------------------------------------------
    def run_block(self, stmts) -> None:
        self.blocks.append((len(self.frames), _terminal(stmts)))
        locked = False
        try:
            for i, stmt in enumerate(stmts):
                # `row = <lookup>; if row is None: <insert>`: a hand-written upsert
                upsert = bool(self.frames) and _units.upsert_lookup(stmts, i)
                if not locked and self.frames and _units.locks_row(stmt):
                    # a claim loop: from the lock on, the iteration is its own unit of work
                    locked = True
                    self.rare.append(len(self.frames))
                self.upsert += upsert
                try:
                    self.run_stmt(stmt)
                finally:
                    self.upsert -= upsert
        finally:
            if locked:
                self.rare.pop()
            self.blocks.pop()

    def suite(self, suite) -> None:
        if suite is None:
            return
        if type(suite) is cst.IndentedBlock:
            self.run_block(suite.body)
        elif type(suite) is cst.SimpleStatementSuite:
            self.run_block(list(suite.body))
        elif hasattr(suite, "body"):
            self.suite(suite.body)

    def run_stmt(self, stmt) -> None:
        if type(stmt) in (cst.FunctionDef, cst.ClassDef):
            return
        if type(stmt) is cst.SimpleStatementLine:
            self.stmt = stmt
            for small in stmt.body:
                self.run_small(small)
            return
        if isinstance(stmt, cst.BaseSmallStatement):  # from a SimpleStatementSuite
            self.run_small(stmt)
            return
        self.stmt = stmt
        if type(stmt) is cst.If:
            upsert = bool(self.frames) and _units.upsert_test(stmt)  # `if not <lookup>.exists(): <insert>`
            self.upsert += upsert
            self.ev(stmt.test)
            self.upsert -= upsert
            guard = bool(self.globals) and any(
                type(n) is cst.Name and n.value in self.globals for n in _names(stmt.test))
            self.guarded += guard
            self.cond += 1
            once = self.single_item(stmt.test)
            memo = self.memoizes(stmt)
            if memo is not None:
                self.memo.append(memo)
            try:
                if once is not None:
                    # `for k in fields: if k == "items": <query>`: the branch runs for one item
                    # of the loop, not per item
                    saved, once.fixed = once.fixed, True
                    try:
                        self.suite(stmt.body)
                    finally:
                        once.fixed = saved
                else:
                    self.suite(stmt.body)
                if stmt.orelse is not None:
                    if type(stmt.orelse) is cst.If:
                        self.run_stmt(stmt.orelse)
                    else:
                        self.suite(stmt.orelse.body)
            finally:
                self.guarded -= guard
                if memo is not None:
                    self.memo.pop()
                self.cond -= 1
        elif type(stmt) is cst.For:
            self.run_for(stmt)
        elif type(stmt) is cst.While:
            frame = Frame(stmt, "while")
            frame.sleep = _not_data_driven(stmt, self.a.module)
            self.frames.append(frame)
            try:
                # a `while` loop has no collection to batch: its iterations depend on each other
                # (traversal, retry, polling, paging); see _loops
                frame.fixed = True
                self.ev(stmt.test)  # the test itself never goes through data (retry-until-free)
                frame.fixed = not _loops.drains_collection(stmt)
                self.suite(stmt.body)
            finally:
                self.pop_frame()
            if stmt.orelse is not None:
                self.suite(stmt.orelse.body)
        elif type(stmt) is cst.With:
            for item in stmt.items:
                value = self.ev(item.item)
                if item.asname is not None:
                    if isinstance(value, Ref) and value.q and value.q.endswith(")"):
                        value = value
                    self.bind(item.asname.name, value)
            # a transaction per iteration: each item is its own unit of work (like `except`, below)
            txn = bool(self.frames) and any(_units.transaction_item(item.item) for item in stmt.items)
            if txn:
                self.rare.append(len(self.frames))
            try:
                self.suite(stmt.body)
            finally:
                if txn:
                    self.rare.pop()
        elif type(stmt) is cst.Try or type(stmt).__name__ == "TryStar":
            # `try: <lookup> except Model.DoesNotExist: <insert>`: a hand-written get-or-create
            upsert = bool(self.frames) and _units.upsert_try(stmt)
            self.upsert += upsert
            try:
                self.suite(stmt.body)
            finally:
                self.upsert -= upsert
            self.cond += 1
            # a handler runs when the body failed (a retry, a fallback lookup after
            # `MultipleObjectsReturned`), not on every iteration of the loops around the `try`
            self.rare.append(len(self.frames))
            try:
                for h in stmt.handlers:
                    self.suite(h.body)
            finally:
                self.rare.pop()
            self.cond -= 1
            if stmt.orelse is not None:
                self.suite(stmt.orelse.body)
            if stmt.finalbody is not None:
                self.suite(stmt.finalbody.body)
        elif type(stmt).__name__ == "Match":
            self.ev(stmt.subject)
            self.cond += 1
            for case in stmt.cases:
                self.suite(case.body)
            self.cond -= 1
        else:  # pragma: no cover - future statement types
            pass

    def run_small(self, small) -> None:
        if type(small) is cst.Assign:
            value = self.ev(small.value)
            if value is None and _writes.is_sql_write(small.value):
                value = DML  # sql = "INSERT INTO ..."
            for t in small.targets:
                self.assign(t.target, value)
                if type(t.target) is cst.Name:
                    if self.frames and _written.creating_call(small.value):
                        self.created[t.target.value] = self.frames[-1]  # retval = generate_ticket(...)
                    else:
                        self.created.pop(t.target.value, None)
                    cache = _cache_get(small.value, {}) if type(small.value) is cst.Call else None
                    self.gets[t.target.value] = cache  # `membership = memberships.get(group.id)`
                    self.dml_tables[t.target.value] = _written.dml_keys(self, small.value)  # `stmt = insert(M)`
                    if runtime_model(small.value):
                        self.runtime_models.add(t.target.value)  # model = ct.model_class()
                    else:
                        self.runtime_models.discard(t.target.value)
        elif type(small) is cst.AnnAssign:
            value = self.ev(small.value) if small.value is not None else None
            if small.value is None:
                ann = small.annotation.annotation
                q = self.a.ctx.qualified_name(ann) if type(ann) in (cst.Name, cst.Attribute) else None
                value = SESSION if orm.is_session_type(q) else None
            self.assign(small.target, value)
        elif type(small) is cst.AugAssign:
            self.ev(small.value)
            self.target_reads(small.target)
        elif type(small) is cst.Expr:
            self.ev(small.value)
        elif type(small) is cst.Return:
            if small.value is not None:
                self.returning += 1
                try:
                    value = self.ev(small.value)
                finally:
                    self.returning -= 1
                if not self.ret_set:
                    self.ret, self.ret_set = value, True
                elif value is not self.ret:
                    self.ret = None
        elif isinstance(small, (cst.Raise,)):
            if small.exc is not None:
                self.ev(small.exc)
        elif type(small) is cst.Assert:
            self.ev(small.test)
        elif type(small) is cst.Del:
            pass
        elif type(small) is cst.Global:
            self.globals.update(n.name.value for n in small.names)
        elif type(small) in (cst.Import, cst.ImportFrom) and self.env is not self.a.module_env:
            self.local_import(small)

    def local_import(self, node) -> None:
        if type(node) is cst.Import:
            for alias in node.names:
                full = dotted_name(alias.name) or ""
                if alias.asname is not None and type(alias.asname.name) is cst.Name:
                    self.env[alias.asname.name.value] = Ref(full)
                else:
                    self.env[full.split(".")[0]] = Ref(full.split(".")[0])
            return
        if type(node.names) is cst.ImportStar:
            return
        module = dotted_name(node.module) if node.module is not None else ""
        if node.relative:
            module = "." * len(node.relative) + (module or "")
        for alias in node.names:
            if type(alias.name) is not cst.Name:
                continue
            local = alias.name.value
            if alias.asname is not None and type(alias.asname.name) is cst.Name:
                local = alias.asname.name.value
            self.env[local] = Ref(self.a.absolute(f"{module}.{alias.name.value}" if module else alias.name.value))

    def assign(self, target, value) -> None:
        if self.memo and isinstance(value, Src) and value.depth > min(self.memo):
            # built in a memoizing branch: once per key; iterating it again reads its result cache
            value = value.copy(depth=min(self.memo))
        if type(target) is cst.Name:
            if isinstance(value, Inst) and value.event is None and value.src is not None and not value.attrs:
                value = self.fetched_row(target.value, value)
            self.env[target.value] = UNKNOWN_LOCAL if value is None else value
            if self.frames:
                self.bound[target.value] = (len(self.frames), self.frames[-1])
            elif self.bound:
                self.bound.pop(target.value, None)
        elif type(target) in (cst.Tuple, cst.List):
            for el in target.elements:
                self.assign(el.value, None)
        else:
            self.target_reads(target, assigned=True)

    def target_reads(self, target, assigned: bool = False) -> None:
        """``order.customer = x`` reads nothing; ``order.customer.name = x`` reads customer.
        ``row.translation = translation`` on a loop's row fills that relation by hand."""
        if type(target) is cst.Attribute:
            base = self.ev(target.value)
            if assigned and isinstance(base, Inst) and base.event is not None and not base.attrs:
                attr = target.attr.value
                # unless the loop read the relation before assigning it (`row.item = m[row.item.pk]`)
                if not any(r.attrs[:1] == (attr,) for r in base.event.reads):
                    base.event.primed.add(attr)
        elif type(target) is cst.Subscript:
            self.ev(target.value)
            for el in target.slice:
                self.visit(el)
        elif type(target) is cst.Name:
            self.env[target.value] = UNKNOWN_LOCAL

    def bind(self, target, value) -> None:
        self.assign(target, value)

    # -- loops -----------------------------------------------------------------------------------
    def run_for(self, stmt: cst.For) -> None:
        value = self.ev(stmt.iter)
        self.iterated(value, stmt.iter)
        frame = Frame(stmt, "for", stmt.iter)
        frame.range = type(stmt.iter) is cst.Call and dotted_name(stmt.iter.func) == "range"
        # `for start in range(0, total, size)` walks batches: one query per batch is the point
        frame.sleep = frame.range and (len(stmt.iter.args) == 3 or _not_data_driven(stmt, self.a.module))
        frame.sleep = (frame.sleep or _loops.retry_iterable(stmt.iter) or _loops.retry_target(stmt.target)
                       or _loops.batch_iterable(stmt.iter))
        frame.fixed = (_loops.fixed_iterable(stmt.iter, self.literals) or self.endless(stmt.iter)
                       or _units.fixed_by_code(stmt, self.star_kwarg()) or _loops.search_inputs(stmt.iter))
        self.frames.append(frame)
        try:
            self.bind_loop(stmt.target, value, frame)
            self.suite(stmt.body)
        finally:
            self.pop_frame()
        if stmt.orelse is not None:
            self.suite(stmt.orelse.body)

    def star_kwarg(self) -> Optional[str]:
        star = self.node.params.star_kwarg if type(self.node) is cst.FunctionDef else None
        return star.name.value if type(star) is cst.Param else None

    def fetched_row(self, name: str, value: Inst) -> Inst:
        """``order = Order.objects.get(pk=pk)`` inside a loop: the row is fetched per iteration, so
        a relation read from it is one more query per iteration, unless the ``get()`` query
        loads it (``select_related``)."""
        level = self.data_level(self.level())
        if level <= 0 or not self.record:
            return value
        frame = self.frames[level - 1]
        if frame.sleep:
            return value
        ev = RelEvent(name, frame, value.src, (), value.model)
        self.a.rels.append(ev)
        return Inst(value.src, (), (), ev, value.model)

    def bind_loop(self, target, value, frame: Frame) -> None:
        if isinstance(value, Enum) and type(target) in (cst.Tuple, cst.List) and len(target.elements) == 2:
            self.assign(target.elements[0].value, None)
            self.bind_loop(target.elements[1].value, value.inner, frame)
            return
        if type(target) is not cst.Name:
            self.assign(target, None)
            return
        inst = None
        if isinstance(value, Src) and value.stage in ("qs", "query", "result") and not value.rows:
            if self.primed(target.value, frame.iter):
                value = value.copy(opaque=True)
            ev = RelEvent(target.value, frame, value, (), value.model)
            inst = Inst(value, (), (), ev)
        elif isinstance(value, Inst) and (value.event is not None or value.src is not None) and value.attrs:
            attrs = value.attrs
            if attrs[-1] in ("all", "iterator") and len(attrs) > 1:
                attrs = attrs[:-1]
            base = tuple(value.base) + tuple(attrs)
            if value.src is not None:
                ev = RelEvent(target.value, frame, value.src, base, value.model)
                inst = Inst(value.src, base, (), ev, value.model)
        if inst is not None and inst.event is not None:
            if self.record:
                self.a.rels.append(inst.event)
            self.env[target.value] = inst
            self.bound[target.value] = (len(self.frames), self.frames[-1])
        else:
            self.assign(target, None)

    def pop_frame(self) -> None:
        frame = self.frames.pop()
        if frame.inserted and frame.read_keys:
            # the loop inserts into a table it reads (parents created before their children): a
            # later iteration's read can find an earlier one's rows, one query before the loop could not
            drop = {id(hit) for hit, keys in frame.read_keys if keys & frame.inserted}
            if drop:
                self.a.hits = [h for h in self.a.hits if id(h) not in drop]

    def single_item(self, test) -> Optional[Frame]:
        """The live ``for`` loop whose variable ``test`` compares equal to a literal."""
        if not (type(test) is cst.Comparison and len(test.comparisons) == 1
                and type(test.comparisons[0].operator) is cst.Equal):
            return None
        left, right = test.left, test.comparisons[0].comparator
        if type(left) in (cst.SimpleString, cst.Integer):
            left, right = right, left
        if not (type(left) is cst.Name and type(right) in (cst.SimpleString, cst.Integer)):
            return None
        for frame in reversed(self.frames):
            target = getattr(frame.node, "target", None) if frame.kind == "for" else None
            if type(target) is cst.Name and target.value == left.value:
                return frame
            if _items_key(frame, target) == left.value:
                return frame  # `for name, value in data.items(): if name == "note":` (keys are distinct)
        return None

    def endless(self, iterable) -> bool:
        """``for attempt in itertools.count()``: a ``while True`` with a counter, not data; and
        ``async for payload in pg_listen(conn, channel)``: a listener handling each notification
        as it arrives, nothing a query before the loop could fetch."""
        return (type(iterable) is cst.Call
                and (self.a.ctx.qualified_name(iterable.func) == "itertools.count"
                     or _loops.listener(iterable)))

    def memoizes(self, stmt: cst.If) -> Optional[int]:
        """``if key not in cache: cache[key] = <query>`` (or ``if cache.get(key) is None``) in a
        loop: the query runs once per distinct key, and the loops inside the one that binds
        ``cache`` reuse what it fetched. Returns the depth of that loop (0: outside every loop)."""
        if not self.frames:
            return None
        caches, rebound = set(), set()
        stack = [stmt.body]
        while stack:
            node = stack.pop()
            if type(node) is cst.AssignTarget and type(node.target) is cst.Subscript:
                name = dotted_name(node.target.value)
                if name:
                    caches.add(name)
            elif type(node) is cst.AssignTarget and type(node.target) is cst.Name:
                rebound.add(node.target.value)
            if type(node) not in (cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.For, cst.While):
                stack.extend(children(node))
        if caches and _memo_test(stmt.test, caches, self.gets):
            names = caches
        else:
            # `if _event != row.event or cache is None: _event = row.event; cache = ...`: the
            # loop recomputes only when the key changes (rows sorted by it) or once
            names = _change_test(stmt.test, rebound)
        if not names:
            return None
        # a cache bound inside a loop starts empty on every iteration of that loop
        depth = max(self.bound.get(name.split(".")[0], (0, None))[0] for name in names)
        return depth if depth < len(self.frames) else None

    def per_table(self, node) -> int:
        """The loop depth at which the receiver of ``.objects`` / ``query(...)`` / ``select(...)``
        was chosen, when a loop chose it (``for model in models: model.objects...``); else 0."""
        if node is None or not self.frames:
            return 0
        depth = 0
        frames = self.frames
        for name in _names(node):
            b = self.bound.get(name.value)
            if b is None or isinstance(self.env.get(name.value), (Ref, Src)):
                continue
            d, frame = b
            # bound in a loop that is still running (a name bound in a loop that has ended
            # counts for the loops still around it)
            while d > 0 and (d > len(frames) or frames[d - 1] is not frame):
                d -= 1
                frame = None if d == 0 else frames[d - 1] if d <= len(frames) else None
            depth = max(depth, d)
        # the loop that chose the model goes through something an outer loop chose (`for ot in
        # field.object_types.all(): ot.model_class().objects...` inside `for field in fields`):
        # the set of tables changes with that outer loop too
        while depth > 1 and frames[depth - 1].iter is not None:
            outer = self.per_table(frames[depth - 1].iter)
            if not 0 < outer < depth:
                break
            depth = outer
        return depth

    returning = 0  # evaluating a `return` value

    def iterated(self, value, node) -> None:
        """Iterating a lazy query built inside a loop runs it once per iteration of that loop.
        A helper that returns the rows of a query it builds (``return list(qs)``, ``return [...
        for x in qs]``) runs it once per call, which callers in a loop repeat; a procedure that
        goes through rows to work on each is a per-row job, not counted."""
        if not (isinstance(value, Src) and value.stage in ("qs", "query") and not value.locked):
            return
        if value.orm in other_orms.ORMS:
            other_orms.iterated(self, value, node)
            return
        kind = "dj-iter" if value.orm == "django" else "sa-exec"
        if value.depth >= 1:
            self.hit(node, kind, min(value.depth, len(self.frames)), batch=value.batch, src=value)
        elif value.depth == 0 and self.returning and not self.frames:
            self.hit(node, kind, 0, batch=value.batch, src=value)  # the function's query, no finding here

    _primed = None

    def primed(self, target: str, iterable) -> bool:
        """The function fills the relation caches of this loop's rows by hand (see ``priming``):
        it knows what it loaded, stay out of that loop."""
        if self._primed is None:
            self._primed = []
            # the function's code is generated only in a file that mentions a priming word at all
            if self.node is not None and mentions_priming(self.a.ctx.text):
                self._primed = priming_lines(self.a.module.code_for_node(self.node.body))
        if not self._primed:
            return False
        names = [target] + ([n.value for n in _names(iterable)] if iterable is not None else [])
        return primes(self._primed, names)

    def runs_loop_item(self, node: cst.Call) -> bool:
        """``for stmt in statements: cursor.execute(stmt)`` runs a script, not a query per item."""
        pos = _positional(node)
        if not pos or type(pos[0]) is not cst.Name:
            return False
        name = pos[0].value
        return any(type(f.node) is cst.For and type(f.node.target) is cst.Name
                   and f.node.target.value == name for f in self.frames)


def _items_key(frame, target) -> Optional[str]:
    """The key name of ``for key, value in d.items()``."""
    it = frame.iter
    if (type(target) is cst.Tuple and len(target.elements) == 2 and type(target.elements[0].value) is cst.Name
            and type(it) is cst.Call and type(it.func) is cst.Attribute and it.func.attr.value == "items"):
        return target.elements[0].value.value
    return None
