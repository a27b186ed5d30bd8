"""Cross-file helper facts: whether a project function queries or writes (followed through
the functions it calls), what it reads from its parameters and what queryset it returns."""
from __future__ import annotations

import re
from typing import Optional

from . import other_orms
from .values import Unknown


MAX_CALL_DEPTH = 4
# a writing function named for its write: its reads (the row it updates, the get of a
# get-or-create) serve that write; the per-row fix is a bulk write, not a batched read
_WRITE_VERB = re.compile(r"^_*(create|update|set|delete|remove|register|relate|upsert|ensure|save|store|"
                         r"insert|add|mark|sync|apply|bulk|write|persist|record|assign|attach|detach)(_|$)")
# a function named for a job it runs on the item it is handed (`run_request`, `submit_failure`,
# `do_transition`, `send_alert_email`, `init_token`): a per-row job, whose reads serve that job
# (not `execute()`/`run_query()`: helpers that run the statement they are handed)
_JOB_VERB = re.compile(r"^_*(run_(?!quer|sql|select|stat|raw|cmd)"
                       r"|(do|submit|fail|process|perform|send|notify|emit|init)(_|$))")


class HelperFunctions:
    """Mixed into ``Index``: project functions."""

    def resolve_helper(self, ev: dict, helper) -> Optional[dict]:
        """The first relation a helper function reads from the row passed at ``helper[1]``."""
        callee, index, shown = helper
        name = self.func(callee)
        if name is None:
            if self.local:
                raise Unknown()
            return None
        reads = self.funcs[name].get("pr", {}).get(str(index))
        if not reads:
            return None
        param, chains = reads[0], reads[1:]
        unknown = False
        for attrs, called in chains:
            try:
                out = self.resolve_read(ev, tuple(attrs), called)
            except Unknown:
                unknown = True
                continue
            if out and out.get("code") == "BL201" and _job_name(name):
                continue  # `mark_order_expired(order)` reading `order.invoices.filter(...)`: a per-row job
            if out:
                return dict(out, helper=shown, param=param)
        if unknown:
            raise Unknown()
        return None


    def func(self, ref: str) -> Optional[str]:
        return self._match(ref, self.funcs)

    def writes_of(self, name: str, depth: int = 0, seen=None) -> bool:
        """The function writes, itself or through the functions it calls (``update()`` that calls
        a ``commit()`` helper): then its own reads serve the write (see ``_writes``)."""
        fact = self.funcs[name]
        if fact.get("w"):
            return True
        if depth >= MAX_CALL_DEPTH:
            return False
        seen = seen or {name}
        unknown = False
        for sub in fact.get("calls", []):
            if "#" in sub:
                continue  # a read of a Peewee/Tortoise model, not a write
            target = self.func(sub) if not self.local else (sub if sub in self.funcs else None)
            if target is None:
                unknown = unknown or self.local
                continue
            if target in seen:
                continue
            seen.add(target)
            try:
                if self.writes_of(target, depth + 1, seen):
                    return True
            except Unknown:
                unknown = True
        if unknown:
            raise Unknown()
        return False

    def query_of(self, callee: str, depth: int = 0, seen=None) -> Optional[dict]:
        """How a function queries: {'q', 'path', 'line', 'via'}; None if it does not."""
        if "#" in callee:
            return other_orms.model_query(self, callee)  # `Tweet.get(...)`: a Peewee/Tortoise query
        name = self.func(callee)
        if name is None:
            if self.local:
                raise Unknown()
            return None
        fact = self.funcs[name]
        if self.writes_of(name):
            found = self._deciding_read(name, fact, depth, seen)
            if found and _WRITE_VERB.match(name.rsplit(".", 1)[-1]) and not _other_table(found, fact):
                return None  # `update_work_pool(pool)`, `create_block_schema(...)`: a per-row write
            return found
        if depth == 0 and _job_name(name):
            # named for a write whose statement the analysis did not see (it runs through an
            # unresolved call or a framework), or for a job: `set_task_run_state()`,
            # `register_block_type()`, `run_request()` are per-row jobs; what they read serves them.
            # Only the function the loop calls: a helper deeper down named `ensure_...` that
            # only checks (`ensure_flow_move_allowed`) is still the caller's per-row read
            return None
        if fact.get("q"):
            return {"q": fact["q"], "path": fact.get("path"), "func": name.rsplit(".", 1)[-1], "k": fact.get("qk")}
        if depth >= MAX_CALL_DEPTH:
            return None
        seen = seen or {name}
        unknown = False
        for sub in fact.get("calls", []):
            if "#" in sub:  # a query on a Peewee/Tortoise model
                try:
                    found = other_orms.model_query(self, sub)
                except Unknown:
                    unknown = True
                    continue
                if found:
                    return found
                continue
            target = self.func(sub) if not self.local else (sub if sub in self.funcs else None)
            if target is None:
                if self.local:
                    unknown = True
                continue
            if target in seen:
                continue
            seen.add(target)
            try:
                found = self.query_of(target, depth + 1, seen)
            except Unknown:
                unknown = True
                continue
            if found:
                return found
        if unknown:
            raise Unknown()
        return None

    def _deciding_read(self, name: str, fact: dict, depth: int, seen) -> Optional[dict]:
        """A function that writes (a per-row write job): its own reads (a lookup before
        ``save()``, a ``refresh()`` after the commit) serve the write, and so does whatever it
        calls after its first write (re-reading what it wrote). What its read-only helpers read
        *before* the first write decides that write, once per call: that still counts."""
        if depth >= MAX_CALL_DEPTH:
            return None
        seq = fact.get("seq") or fact.get("calls", [])
        seen = seen or {name}
        unknown = False
        for sub in seq[: fact.get("wi", len(seq))]:
            if "#" in sub:
                continue
            target = self.func(sub) if not self.local else (sub if sub in self.funcs else None)
            if target is None:
                unknown = unknown or self.local
                continue
            if target in seen:
                continue
            seen.add(target)
            try:
                if self.writes_of(target):
                    break  # the first write: what follows serves it
                found = self.query_of(target, depth + 1, seen)
            except Unknown:
                unknown = True
                continue
            if found:
                return found
        if unknown:
            raise Unknown()
        return None


def _job_name(name: str) -> bool:
    short = name.rsplit(".", 1)[-1]
    return bool(_WRITE_VERB.match(short) or _JOB_VERB.match(short))


def _other_table(found: dict, fact: dict) -> bool:
    """A writer named for its write (``delete_tagged_object``) whose read-only helper, called before
    the write, reads a table the writer does not write (the tag, looked up by name): that lookup
    does not serve the write of each row, it repeats per call. Known only when every write of the
    writer and the helper's read name their table."""
    written, read = fact.get("wt"), found.get("k")
    return bool(written and read and not set(written) & set(read))


def _helper_return(idx, callee: str) -> Optional[dict]:
    name = idx.func(callee)
    if name is None:
        return None
    ret = idx.funcs[name].get("ret")
    if not ret or ret.get("stage") == "stmt":
        return None
    return ret
