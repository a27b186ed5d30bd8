from __future__ import annotations

from typing import List, Optional

from ..._lazy import cst
from ...findings import Severity
from ...frameworks import graphql, graphql_queries as gq
from ...frameworks import roles
from ...rule import Rule
from ...semantics import dotted_name
from ...walker import children


class ResolverQueryPerParent(Rule):
    """A nested GraphQL field resolver runs a database query for each parent object (N+1).

    ## What it does
    Finds resolvers of nested GraphQL fields (graphene / graphene-django `resolve_<field>`
    methods and `Field(resolver=...)`, strawberry / strawberry-django `@strawberry.field`
    methods, ariadne `@obj.field("name")` functions) that query the database for their
    parent object: a Django manager chain whose arguments use the parent
    (`Post.objects.filter(author=root)`), a related-manager call that always builds a new query
    (`root.comments.filter(...)`, `self.tags.order_by(...)`), an SQLAlchemy session call whose
    statement uses the parent (`session.scalars(select(Comment).where(Comment.post_id ==
    self.id))`), or a function of the same module that does so with the parent passed to it.
    It also finds DataLoader batch functions that query once per key inside a loop over the
    keys, which defeats the loader.

    Not reported: root fields (`Query.users`, `Mutation...`, types passed to
    `Schema(query=...)`), whose resolver runs once per request; resolvers that go through a
    DataLoader (`info.context.loaders.posts.load(root.id)`); related-manager reads a prefetch
    answers (`root.comments.all()`, `.count()`), which `prefetch_related` on the root queryset or
    the optimizers fix; fields with strawberry-django optimizer hints
    (`@strawberry_django.field(prefetch_related=...)`) or graphene-django-optimizer
    `@resolver_hints(...)`; resolvers that only read attributes.

    ## Why is this bad?
    GraphQL executes a field's resolver once for every parent object in the response. A query
    inside the resolver of `User.posts` is one query for each user listed: the N+1 pattern,
    although no loop is in sight. A page of 100 users costs 101 queries, and nested lists
    multiply it again.

    ## Example
    ```python
    import graphene


    class UserType(graphene.ObjectType):
        posts = graphene.List(graphene.String)

        def resolve_posts(root, info):
            return Post.objects.filter(author=root)
    ```

    ## Use instead
    ```python
    import graphene


    class UserType(graphene.ObjectType):
        posts = graphene.List(graphene.String)

        def resolve_posts(root, info):
            return info.context.loaders.posts_by_author.load(root.id)
    ```

    ## Known problems
    A type used only as the result of a single-object root field (`Query.me`) is still a nested
    type here: the rule cannot see how often the type appears in a response. Helpers in other
    modules are not followed, and a query through a parent passed under another name is not
    seen.

    Measured on netbox, nautobot and saleor (docs/precision/gql.md): all 13 findings right.

    ## References
    - GraphQL DataLoader: https://github.com/graphql/dataloader
    - strawberry-django optimizer: https://strawberry.rocks/docs/django/guide/optimizer
    """

    skip_roles = roles.NOT_REQUEST_PATH
    code = "BL203"
    name = "resolver-query-per-parent"
    category = "n-plus-one"
    severity = Severity.WARNING
    precision = "high"
    tags = ("performance", "database", "graphql")
    text_markers = graphql.TEXT_MARKERS

    def visit_Module(self, node: cst.Module) -> None:
        schema = graphql.for_context(self.ctx)
        if not schema.resolvers and not schema.loaders:
            return
        functions = {s.name.value: s for s in node.body if type(s) is cst.FunctionDef}
        for res in schema.resolvers:
            if res.root or res.hinted or not res.parent or _reads_prefetch(res.func, res.parent):
                continue
            helpers = dict(functions)
            if res.owner is not None and type(res.owner.body) is cst.IndentedBlock:
                helpers.update({m.name.value: m for m in res.owner.body.body
                                if type(m) is cst.FunctionDef and m is not res.func})
            for hit in gq.queries(res.func.body, res.parent, helpers):
                self.report(hit.node, self._message(res, hit), statement=_statement_of(res.func, hit.node))
        for loader, func in schema.loaders:
            for hit, var in gq.per_key_queries(func):
                self.report(hit.node, (
                    f"DataLoader `{loader}` queries once per key (`{_text(hit)}` for each `{var}`), so the "
                    f"loader still costs one query per parent; fetch all keys at once "
                    f"(`filter(<field>__in=keys)` or `where(<column>.in_(keys))`) and return the rows in "
                    f"key order"), statement=_statement_of(func, hit.node))

    @staticmethod
    def _message(res: graphql.Resolver, hit: gq.Hit) -> str:
        where = f"`{res.type_name}.{res.field}`"
        text = _text(hit)
        if hit.kind == "related":
            fix = ("read a relation loaded with the parents instead (`Prefetch(..., queryset=..., "
                   "to_attr=...)` on the queryset that produces them), or batch it with a DataLoader")
        elif hit.kind == "sqlalchemy":
            fix = ("batch it with a DataLoader keyed by the parent's id (one `where(<column>.in_(keys))` "
                   "per request), or load the relation with the parents (`selectinload`)")
        else:
            fix = ("batch it with a DataLoader keyed by the parent's id (one `filter(<field>__in=keys)` "
                   "per request), or prefetch the relation on the queryset that produces the parents")
            if res.library == "strawberry" and res.model:
                fix += " (`@strawberry_django.field(prefetch_related=...)`)"
        return (f"{where} resolver runs `{text}` once per `{res.type_name}` object in the response (N+1); "
                f"{fix}")


def _reads_prefetch(func: cst.FunctionDef, parent: str) -> bool:
    """``if hasattr(root, "prefetched_items"): return root.prefetched_items``: the resolver
    already uses what the parents' queryset prefetched, and queries only as a fallback."""
    stack: List[cst.CSTNode] = [func.body]
    while stack:
        node = stack.pop()
        if (type(node) is cst.Call and type(node.func) is cst.Name and node.func.value == "hasattr"
                and len(node.args) == 2 and type(node.args[0].value) is cst.Name
                and node.args[0].value.value == parent):
            return True
        stack.extend(children(node))
    return False


def _text(hit: gq.Hit) -> str:
    if hit.kind == "helper":
        return f"{hit.helper}(...)"
    calls, receiver = gq._chain(hit.node)
    base = dotted_name(receiver) if type(receiver) in (cst.Name, cst.Attribute) else None
    if calls:
        first = calls[0]
        head = dotted_name(first.func) if type(first.func) in (cst.Name, cst.Attribute) else None
        parts = [f".{c.func.attr.value}({'...' if c.args else ''})" for c in calls[1:]
                 if type(c.func) is cst.Attribute]
        start = head or (base or "...")
        return start + ("(...)" if first.args else "()") + "".join(parts)
    return dotted_name(hit.node.func) or "query"


def _statement_of(func: cst.FunctionDef, target: cst.CSTNode) -> Optional[cst.CSTNode]:
    """The innermost statement of ``func`` that contains ``target`` (for suppression comments)."""
    stack: List[tuple] = [(func, None)]
    while stack:
        node, stmt = stack.pop()
        if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            stmt = node
        if node is target:
            return stmt
        for child in children(node):
            stack.append((child, stmt))
    return None


