"""A GraphQL endpoint mounted as a route (``path("graphql/", GraphQLView.as_view(schema=...))``,
``GraphQLRouter(schema)``): one route of kind ``api``. The schema's fields are not routes here."""
from __future__ import annotations

from typing import Optional

# the endpoint classes of strawberry, graphene, ariadne and starlette (and project subclasses
# named after them, e.g. `NetBoxGraphQLView`)
_ENDPOINT_NAMES = ("GraphQLView", "GraphQLRouter", "GraphQLApp", "GraphQL", "GraphQLController")


def is_graphql_view(qualified: Optional[str]) -> bool:
    if not qualified:
        return False
    last = qualified.rsplit(".", 1)[-1]
    return last in _ENDPOINT_NAMES or (last.endswith(_ENDPOINT_NAMES[:3]) and "GraphQL" in last)
