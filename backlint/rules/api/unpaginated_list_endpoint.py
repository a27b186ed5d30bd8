from __future__ import annotations

import re
from typing import Dict, List, Set

from ..._lazy import cst

from ...findings import Severity
from ...frameworks import pagination, route_kinds
from ...frameworks import values as v
from ._handlers import HandlerRule, HandlerScan, describe_handler
from ...walker import source_children

_DRF_LIST_BASES = frozenset({
    "rest_framework.generics.ListAPIView", "rest_framework.generics.ListCreateAPIView",
    "rest_framework.viewsets.ModelViewSet", "rest_framework.viewsets.ReadOnlyModelViewSet",
})
_EXPORT_WORDS = frozenset({"export", "exports", "download", "downloads", "dump", "backup", "csv", "xlsx", "feed",
                           "rss", "sitemap", "stream", "archive"})
_BOUND_WORDS_RE = re.compile(r"\b(limit|offset|page|cursor|page_size|per_page|paginat\w*|Paginator)\b|\[\s*:|\[[^\]]*:[^\]]*\]")


class UnpaginatedListEndpoint(HandlerRule):
    """A list endpoint returns every row of a table: no pagination, no limit.

    ## What it does
    Reports GET handlers of API endpoints that answer with a whole-table query: a Django
    queryset (`Order.objects.all()`, `.filter(...)`, `.order_by(...)`, ...) or a SQLAlchemy read
    ending in `.all()` (`session.scalars(select(Order)).all()`, `session.query(Order).all()`,
    `Order.query.all()`) that is returned or serialized (`OrderSerializer(qs, many=True)`), directly
    or through a local name. Also DRF `ListAPIView`/`ListCreateAPIView`/`ModelViewSet`/
    `ReadOnlyModelViewSet` subclasses with no `pagination_class` when the project's Django settings
    set no `DEFAULT_PAGINATION_CLASS` (the settings module is found by walking up from the view).

    Not reported (decided): handlers with any sign of bounding: a slice, `.limit()`,
    `.paginate()`, `Paginator`, `paginate_queryset`, fastapi-pagination's `paginate`, `.count()`,
    a `limit`/`offset`/`page`/`cursor`/`page_size`/`per_page` parameter or query key; detail
    endpoints (a path ending in a parameter); exports and downloads (`export`, `download`, `dump`,
    `csv`, `feed`, `sitemap`, ... in the handler, class or path: they hand over the whole set by
    design); small fixed tables (a model named for choices, enums,
    types, kinds, statuses, categories, countries, currencies, languages, roles, permissions,
    settings, tags, ...); `pagination_class = None` (an explicit choice); DRF views whose base is a
    project class (its pagination is not known here) or whose project settings cannot be found.

    ## Default
    Off by default (enable with `extend-select = ["BL107"]`): on the 13-application corpus
    (2.1 M lines) it reports 6 list endpoints; the fresh sample (all 6, seed 2) judged 4/6 (0.67):
    two messages claimed "every row" of a filtered query. The message was corrected after that
    sample and the same 6 findings re-judged 6/6, but that is not a fresh measurement, and six
    findings are too few for the 0.90 bar (see docs/precision/apisem.md).

    ## Why is this bad?
    "Paginate every list." An endpoint that returns every row works with the test data and
    degrades with the table: response time, memory and payload grow without bound, one request
    can load the whole table into the web worker, and clients cannot page.

    ## Example
    ```python
    from rest_framework.decorators import api_view
    from rest_framework.response import Response

    @api_view(["GET"])
    def orders(request):
        return Response(OrderSerializer(Order.objects.all(), many=True).data)
    ```

    ## Use instead
    ```python
    from rest_framework.decorators import api_view
    from rest_framework.pagination import PageNumberPagination

    @api_view(["GET"])
    def orders(request):
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(Order.objects.all(), request)
        return paginator.get_paginated_response(OrderSerializer(page, many=True).data)
    ```
    """

    code = "BL107"
    name = "unpaginated-list-endpoint"
    default_enabled = False  # measured 4/6 on the corpus: see "## Default"
    category = "unbounded-list"
    severity = Severity.WARNING
    precision = "high"
    tags = ("api-design", "performance")
    text_markers = (".objects.", ".all()", "ListAPIView", "ModelViewSet", "ListCreateAPIView")

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        bases = [self.ctx.qualified_name(b.value) or "" for b in node.bases]
        if not any(b in _DRF_LIST_BASES for b in bases) or any(not b.startswith("rest_framework.") for b in bases):
            return
        model = None
        for stmt in node.body.body:
            if type(stmt) is cst.SimpleStatementLine:
                for small in stmt.body:
                    if type(small) is cst.Assign:
                        for target in small.targets:
                            if type(target.target) is cst.Name and target.target.value in (
                                    "pagination_class", "paginate_by"):
                                return
                            if type(target.target) is cst.Name and target.target.value == "queryset":
                                model = pagination.unbounded_query(small.value) or "?"
            elif type(stmt) is cst.FunctionDef and stmt.name.value in ("list", "paginate_queryset"):
                return  # the list is the class's own code
        if model is None or pagination.small_table(model):
            return
        answer, directory = pagination.project_paginates(self.ctx.path)
        if directory is not None:
            self.ctx.depends_on_directory(directory)
        if answer is not False:
            return
        rows = f"`{model}` rows" if model != "?" else "its queryset"
        self.report(node.name, f"`{node.name.value}` lists {rows} with no `pagination_class`, and the "
                               "project's settings set no `REST_FRAMEWORK['DEFAULT_PAGINATION_CLASS']`: every "
                               "row is returned; set a `pagination_class` (or the project default).")

    def finish_handler(self, scan: HandlerScan) -> None:
        handler = scan.handler
        if not (handler.safe_only or handler.methods is None) or handler.websocket or handler.name.rsplit(".", 1)[-1] in ("retrieve",):
            return
        if handler.paths and all(_detail(p) for p in handler.paths):
            return
        if _EXPORT_WORDS & set(route_kinds.words(" ".join([handler.name, handler.class_name or ""] + handler.paths))):
            return  # an export or download hands over the whole set by design
        func = handler.node
        params = {p.name.value for p in list(func.params.params) + list(func.params.kwonly_params)}
        if params & pagination.BOUND_PARAMS:
            return
        parents: Dict[int, cst.CSTNode] = {}
        queries = []
        inner: Set[int] = set()
        for node in _walk(func.body, parents):
            if type(node) is cst.Call and type(node.func) is cst.Attribute \
                    and type(node.func.value) is cst.Call:
                inner.add(id(node.func.value))  # only the head of a call chain is the query
            if type(node) is cst.Call and id(node) not in inner:
                model = pagination.unbounded_query(node)
                if model is not None:
                    queries.append((node, model))
                    inner.update(id(c) for c in _walk(node, {}) if c is not node)
        queries = [(q, m) for q, m in queries if not pagination.small_table(m) and id(q) not in inner]
        if not queries:
            return
        if handler.framework not in ("fastapi", "drf", "drf-viewset"):
            kind, _ = route_kinds.body_kind(func, self.ctx.qualified_name)
            if kind != route_kinds.API:
                return
        if _BOUND_WORDS_RE.search(self.ctx.code_for(func)):
            return
        for query, model in queries:
            if self._returned(query, parents, func):
                self.report(query, f"{describe_handler(handler)} answers with every row its `{model}` query "
                                   "matches (no pagination or limit): the response grows with the data; paginate "
                                   "it (a paginator, `limit`/`offset` or a cursor).")
                return

    @staticmethod
    def _returned(query: cst.CSTNode, parents: Dict[int, cst.CSTNode], func: cst.FunctionDef) -> bool:
        """Is ``query`` (or the name it is assigned to) returned or serialized with ``many=True``?"""
        names: List[str] = []
        node = query
        while id(node) in parents:
            parent = parents[id(node)]
            if type(parent) is cst.Subscript:
                return False
            if type(parent) is cst.Return or _many(parent):
                return True
            if type(parent) is cst.Assign:
                names = [t.target.value for t in parent.targets if type(t.target) is cst.Name]
                break
            if isinstance(parent, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                return False
            node = parent
        if not names:
            return False
        uses = {}
        for current in _walk(func.body, uses):
            if type(current) is cst.Name and current.value in names:
                up = current
                while id(up) in uses:
                    parent = uses[id(up)]
                    if type(parent) is cst.Subscript and parent.value is up:
                        break
                    if type(parent) is cst.Return or _many(parent):
                        return True
                    if isinstance(parent, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                        break
                    up = parent
        return False


def _many(node: cst.CSTNode) -> bool:
    return type(node) is cst.Call and v.as_bool(v.keyword(node, "many") or cst.Name("False")) is True


def _detail(path: str) -> bool:
    last = [s for s in path.split("/") if s]
    return bool(last) and (last[-1].startswith(("{", "<", "(")) or last[-1].endswith(("}", ">", ")")))


def _walk(node: cst.CSTNode, parents: Dict[int, cst.CSTNode]):
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if type(current) in (cst.FunctionDef, cst.ClassDef, cst.Lambda) and current is not node:
            continue
        for child in source_children(current):
            parents[id(child)] = current
            stack.append(child)


