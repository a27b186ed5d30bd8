"""Peewee and Tortoise relation reads (one step of ``Index._walk``) and the messages of their
findings."""
from __future__ import annotations

from typing import Any, Optional, Tuple

from ...frameworks import orm_peewee as pw
from ...frameworks import orm_tortoise as tt
from .values import Unknown

AWAIT = "__await__"  # the pseudo-attribute ``await row.rel`` reads (see ``other_orms.awaited``)


def walk_step(idx, f: dict, cur: str, out: dict, nxt: Optional[str], called: bool, has_src: bool,
              prepared: set, key: str) -> Tuple[bool, Any]:
    """(True, outcome or None) to stop the walk here, (False, next model) to go on."""
    k = f["k"]
    out["orm"] = pw.ORM if k.startswith("pw-") else tt.ORM
    target = idx.target(f.get("to"), idx.mod_of.get(cur, ""))
    out["target"] = target.rsplit(".", 1)[-1] if target else None
    ready = key in prepared or (key.rsplit("__", 1)[0] + "__*") in prepared or (
        "__" not in key and "*" in prepared) or bool(target and any(
            p.startswith("@") and not p.startswith("@sel:") and idx.model(p[1:]) == target for p in prepared))

    def go_on() -> Tuple[bool, Any]:
        if nxt is None or nxt == AWAIT:
            return True, None
        if target is None:
            if idx.local:
                raise Unknown()
            return True, None
        return False, target

    if k == "pw-fk":  # `tweet.user`: a query per row unless joined and selected, or prefetched
        if not has_src or ready:
            return go_on()
        out.update(code="BL202")
        return True, out
    if k in ("pw-rev", "pw-m2m"):  # `user.tweets.count()`: a new query on every access
        if called and nxt in pw.RELATED_QUERY:
            out.update(code="BL201", method=nxt)
            return True, out
        return True, None
    if k in ("tt-fk", "tt-o2o"):
        if nxt == AWAIT:  # `await event.tournament`: queries unless the row's query loaded it
            if not has_src or ready:
                return True, None
            out.update(code="BL202")
            return True, out
        return go_on()  # read without await: loaded (Tortoise raises otherwise)
    if k in ("tt-rev", "tt-m2m"):
        if nxt == AWAIT or (called and nxt in tt.RELATED_QUERY):
            out.update(code="BL201", method=None if nxt == AWAIT else nxt)
            return True, out
        return True, None
    return True, None


def rel_message(outcome: dict, var: str, subject: str, loop: str, to: str) -> str:
    owner, attr, target = outcome["owner"], outcome["attr"], outcome.get("target") or "the related model"
    where = loop if loop.startswith("every object") else f"every row in {loop}"
    query = to[len(" to "):] if to.startswith(" to ") else "the query"
    if outcome["orm"] == pw.ORM:
        if outcome["code"] == "BL202":
            return (f"{subject} loads the related `{owner}.{attr}` (Peewee `ForeignKeyField`) with one query "
                    f"per row in {loop}; select it with the rows (`.select({owner}, {target}).join({target})` "
                    f"for {query}), or wrap {query} in `prefetch(..., {target}.select())`.")
        return (f"{subject} runs a new query on the backref `{owner}.{attr}` for {where}; fetch the "
                f"`{target}` rows of all items at once (wrap {query} in `prefetch(..., {target}.select())`) and "
                f"read the list (`len({var}.{attr})`), or compute it for all rows with one grouped query.")
    if outcome["code"] == "BL202":
        return (f"awaiting {subject} runs a query for the related `{owner}.{attr}` once per row in {loop}; "
                f"add `.prefetch_related(\"{outcome['key']}\")` (or `.select_related(...)`){to}, then read "
                f"`{var}.{'.'.join(outcome['attrs'])}` without a query.")
    how = "" if outcome.get("method") else "awaiting "
    return (f"{how}{subject} runs a new query on `{owner}.{attr}` for {where}, even when it is prefetched; "
            f"add `.prefetch_related(\"{outcome['key']}\")`{to} and read the loaded `{var}.{attr}` "
            f"(`for x in {var}.{attr}`, `len(...)`), or compute it for all rows with one `annotate()`d query.")


def query_message(text: str, loop: str, found: dict) -> str:
    model, meth = found["func"], found["meth"]
    if found["orm"] == pw.ORM:
        fix = (f"load the rows for all items with one `{model}.select().where({model}.<field>.in_(...))` "
               "before the loop and look them up in a dict")
    elif meth == "fetch_related":
        fix = ("add `.prefetch_related(...)` to the query of the rows, or fetch the relation of all rows at "
               f"once with `await {model}.fetch_for_list(rows, ...)` before the loop")
    else:
        fix = (f"load the rows for all items with one `await {model}.filter(<field>__in=...)` before the loop "
               "and look them up in a dict")
    return f"`{text}` runs a query on every iteration of {loop}; {fix}."
