"""Messages and advice of BL201/BL202 findings, and the serialisable form of a loop variable's
relation event."""
from __future__ import annotations

import re

from . import other_orms, other_orms_reads
from .values import RelEvent


def ev_dict(ev: RelEvent) -> dict:
    src = ev.src
    return {
        "var": ev.var,
        "model": ev.model,
        "base": list(ev.base),
        "has_src": src is not None and not src.opaque,
        "orm": src.orm if src is not None else None,
        # a relation assigned by hand in the loop (`row.translation = translation`) is loaded,
        # and so is what is read through it (one object, shared by every row)
        "prep": sorted((set(src.prepared) if src is not None else set())
                       | {p for attr in ev.primed for p in (attr, attr + "__*")}),
        "all": bool(src.select_all) if src is not None else False,
        "callee": src.callee if src is not None else None,
        "mgr": bool(src.manager) if src is not None else False,
        "locked": bool(src.locked) if src is not None else False,
    }


def advice(kind: str) -> str:
    return {
        "dj-get": "fetch every row before the loop with one `filter(<field>__in=...)` or `in_bulk(ids)` and look them up in a dict",
        "dj-count": "compute it for all items in one query before the loop (`values(...).annotate(Count(...))`, or `annotate()` on the outer queryset)",
        "dj-goc": "look up the existing rows with one `filter(<field>__in=...)` before the loop and `bulk_create` the missing ones",
        "dj-iter": "load the rows for all items with one `filter(<field>__in=...)` before the loop (or `prefetch_related` on the outer queryset) and group them in a dict",
        "sa-get": "load them with one `select(Model).where(Model.id.in_(ids))` before the loop and look them up in a dict",
        "sa-exec": "run one query for all items before the loop (`.where(Model.<key>.in_(...))`) and group the rows in Python",
        "sa-refresh": "load the fresh state of all rows with one query (`populate_existing`) before the loop",
        "raw": "run one query for all items (`WHERE key IN (...)` / `= ANY(%s)`) before the loop",
    }.get(kind, "run one query for all items before the loop")


def loader_chain(outcome: dict) -> str:
    parts = []
    for i, (owner, attr, many) in enumerate(outcome["hops"]):
        fn = "joinedload" if many is False else "selectinload"
        parts.append(f"{fn}({owner}.{attr})" if i == 0 else f".{fn}({owner}.{attr})")
    return "".join(parts)


def rel_message(outcome: dict, var: str, loop: str, src_text: str) -> str:
    read = ".".join(outcome["attrs"])
    if outcome.get("method"):
        read += f".{outcome['method']}()" if outcome["code"] == "BL202" else f".{outcome['method']}(...)"
    if outcome.get("helper"):
        subject = f"`{outcome['helper']}({var})` reads `{outcome['param']}.{read}`, which"
    elif outcome.get("via"):
        subject = f"`{var}.{outcome['via']}` reads `self.{read}`, which"
    else:
        subject = f"`{var}.{read}`"
    owner, attr = outcome["owner"], outcome["attr"]
    to = f" to {src_text}" if src_text else " to the query"
    if outcome.get("orm") in other_orms.ORMS:
        return other_orms_reads.rel_message(outcome, var, subject, loop, to)
    if outcome["code"] == "BL201" and outcome.get("dynamic"):
        where = loop if loop.startswith("every object") else f"every row in {loop}"
        return (f"{subject} runs a query on `{owner}.{attr}` (declared `lazy={outcome.get('lazy_as') or 'dynamic'}`) "
                f"for {where}: a dynamic relationship queries on every access and cannot be eager-loaded; "
                f"compute it for all rows with one query before the loop (grouped by the foreign key), or make "
                f"the relationship loadable (`lazy=\"selectin\"`) and read the loaded list.")
    if outcome["code"] == "BL201":
        method = outcome["method"]
        where = loop if loop.startswith("every object") else f"every row in {loop}"
        return (f"{subject} builds a new query on `{owner}.{attr}` for {where}, "
                f"even when `{attr}` is prefetched; prefetch it once with "
                f"`prefetch_related(Prefetch(\"{outcome['key']}\", queryset=..., to_attr=...))` "
                f"or compute it with `annotate()` on the outer queryset (`.{method}()` on a related manager always queries).")
    if outcome["orm"] == "sqla":
        spelled = outcome.get("lazy_as")
        how = f"declared `lazy={spelled}`" if spelled else "default `lazy=\"select\"`"
        return (f"{subject} lazy-loads `{owner}.{attr}` ({how}) once per row in {loop}; "
                f"load it with the rows: add `.options({loader_chain(outcome)})`{to}.")
    if outcome["many"]:
        return (f"{subject} queries `{owner}.{attr}` once per row in {loop}; "
                f"add `.prefetch_related(\"{outcome['suggest']}\")`{to}.")
    how = "prefetch_related" if outcome.get("gfk") or outcome.get("via_many") else "select_related"
    lock = ""
    if how == "select_related" and outcome.get("locked"):
        # `select_for_update()` locks the rows of every joined table unless `of` names them
        lock = (" and lock with `select_for_update(of=(\"self\",))` (on PostgreSQL a plain "
                "`select_for_update()` also locks the joined rows)")
    return (f"{subject} loads the related `{owner}.{attr}` with one query per row in {loop}; "
            f"add `.{how}(\"{outcome['suggest']}\")`{to}{lock}.")


# a project function named for what it looks up and returns (`get_user(id)`, `find_by_name(n)`,
# `read_flow(...)`, `count_pending(...)`, `price_of(sku)`, `article_count()`, camelCase `getUser(id)`,
# `priceOf(sku)`) or for running
# the statement it is handed (`execute(stmt)`, `run_query(...)`): called per item, it is one
# lookup per item, the N+1 that one batched query replaces (BL201). A function named for
# anything else (`verify_integrity`, `check_username`, `handle_upload`) runs per-item work that
# happens to query: BL205
_LOOKUP = re.compile(r"^_*a?(get|find|read|fetch|lookup|retrieve|query|search|select|count|list|exists?|execute"
                     r"|run_(query|sql|select|raw))(_|$|(?=[A-Z0-9]))|_(of|count|exists)$|[a-z0-9](Of|Count|Exists)$")


def call_code(text: str, found: dict) -> str:
    """The rule of a loop's call to a function that queries: BL201 for a lookup function and a
    Peewee/Tortoise model query (`Tweet.get(...)`), BL205 for any other project function."""
    if found.get("orm") or _LOOKUP.search(text.rsplit(".", 1)[-1]):
        return "BL201"
    return "BL205"


def call_message(text: str, loop: str, found: dict, same: bool = False, code: str = "BL201") -> str:
    if found.get("orm"):
        return other_orms_reads.query_message(text, loop, found)
    where = f" in `{found['func']}()`" + (f", {found['path']}" if found.get("path") else "")
    head = f"`{text}()` runs a database query (`{found['q']}`{where}) on every iteration of {loop}"
    if code == "BL205":
        # a function named for its work, not for a lookup: the rule cannot tell whether that
        # work can be batched, so it says what it sees and when the fix applies
        if same:
            return (f"{head} with the same arguments (nothing it is handed changes with the loop); if what "
                    f"it reads does not change between iterations either, call it once before the loop and "
                    f"reuse the result.")
        return (f"{head}: one query per item. If what it reads can be read for all items at once, load it "
                f"with one query before the loop and pass the results in; per-item work that needs its own "
                f"query (a check with its own error, a job per item) can stay.")
    if same:
        return (f"{head} with the same arguments (nothing it is handed changes with the loop); call it once before "
                f"the loop and reuse the result.")
    return (f"{head}; load what it needs for all items with one query before the loop "
            f"(e.g. `filter(id__in=...)` / `.where(Model.id.in_(...))`) and pass the results in.")
