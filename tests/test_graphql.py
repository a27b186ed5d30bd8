"""GraphQL discovery against the libraries' own schemas, and BL203's N+1 claim executed on sqlite."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import libcst
import pytest

from backlint.runner import check
from backlint.frameworks.graphql import discover

from conftest import make_settings

HERE = Path(__file__).resolve().parent


def _load(source: str, name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    sys.modules[name] = module  # strawberry reads annotations through the class's module
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)
    return module


def _found(source: str):
    return {(r.type_name, r.field): r for r in discover(libcst.parse_module(source)).resolvers}


GRAPHENE = textwrap.dedent('''
    import graphene


    class Post(graphene.ObjectType):
        title = graphene.String()


    class User(graphene.ObjectType):
        name = graphene.String()
        posts = graphene.List(Post)
        best = graphene.Field(Post)

        def resolve_posts(root, info):
            return []


    def best_post(root, info):
        return None


    class Author(User):
        nickname = graphene.String(resolver=best_post)


    class Query(graphene.ObjectType):
        users = graphene.List(User)

        def resolve_users(root, info):
            return []


    schema = graphene.Schema(query=Query, types=[Author])
''')


def test_graphene_resolvers_match_the_real_schema():
    pytest.importorskip("graphene")
    module = _load(GRAPHENE, "gql_graphene_case")
    type_map = module.schema.graphql_schema.type_map
    found = _found(GRAPHENE)
    assert set(found) == {("User", "posts"), ("Author", "nickname"), ("Query", "users")}
    for (type_name, field), res in found.items():
        assert field in type_map[type_name].fields, (type_name, field)
        assert res.root == (type_map[type_name] is module.schema.graphql_schema.query_type)
    assert found[("User", "posts")].parent == "root"


STRAWBERRY = textwrap.dedent('''
    import strawberry


    def resolve_tags(root) -> list[str]:
        return []


    @strawberry.type
    class Post:
        title: str
        tags: list[str] = strawberry.field(resolver=resolve_tags)

        @strawberry.field
        def comments(self) -> list[str]:
            return []


    @strawberry.type(name="Query")
    class RootQuery:
        @strawberry.field
        def posts(self) -> list[Post]:
            return []


    schema = strawberry.Schema(query=RootQuery)
''')


def test_strawberry_resolvers_match_the_real_schema():
    pytest.importorskip("strawberry")
    module = _load(STRAWBERRY, "gql_strawberry_case")
    gschema = module.schema._schema
    found = _found(STRAWBERRY)
    assert set(found) == {("Post", "tags"), ("Post", "comments"), ("RootQuery", "posts")}
    names = {"Post": "Post", "RootQuery": "Query"}  # the real schema uses the declared name
    for (type_name, field), res in found.items():
        gtype = gschema.type_map[names[type_name]]
        assert field in gtype.fields, (type_name, field)
        assert res.root == (gtype is gschema.query_type)
    assert found[("Post", "tags")].parent == "root" and found[("Post", "comments")].parent == "self"


ARIADNE = textwrap.dedent('''
    from ariadne import ObjectType, QueryType, make_executable_schema

    type_defs = """
        type Query { users: [User!]! }
        type User { name: String posts: [String!]! drafts: [String!]! }
    """
    query = QueryType()
    user = ObjectType("User")


    @query.field("users")
    def resolve_users(obj, info):
        return []


    @user.field("posts")
    def resolve_posts(obj, info):
        return []


    def resolve_drafts(obj, info):
        return []


    user.set_field("drafts", resolve_drafts)
    schema = make_executable_schema(type_defs, query, user)
''')


def test_ariadne_resolvers_match_the_real_schema():
    pytest.importorskip("ariadne")
    module = _load(ARIADNE, "gql_ariadne_case")
    found = _found(ARIADNE)
    assert set(found) == {("Query", "users"), ("User", "posts"), ("User", "drafts")}
    for (type_name, field), res in found.items():
        gfield = module.schema.type_map[type_name].fields[field]
        assert gfield.resolve is getattr(module, res.func.name.value)  # the very function bound
        assert res.root == (type_name == "Query")


def test_routes_lists_graphql_fields(tmp_path):
    from click.testing import CliRunner

    from backlint.cli import main

    (tmp_path / "schema.py").write_text(GRAPHENE)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(main, ["routes", "."])
        as_json = CliRunner().invoke(main, ["routes", ".", "--format", "json"])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    assert "QUERY  User.posts" in result.output and "resolve_posts" in result.output
    assert "QUERY  Query.users" in result.output and "(root)" in result.output
    rows = [r for r in json.loads(as_json.output) if r.get("method") == "QUERY"]
    assert {r["path"] for r in rows} == {"User.posts", "Author.nickname", "Query.users"}


def test_bl203_findings_match_executed_query_counts():
    """The resolver BL203 reports issues one query per author; the prefetched one does not."""
    import importlib.util

    if importlib.util.find_spec("graphene_django") is None:  # importing it would need Django settings here
        pytest.skip("graphene-django is not installed")
    cwd = os.getcwd()
    os.chdir(HERE)
    try:
        run = check(["graphql_apps"], make_settings(["BL203"], root=str(HERE)), jobs=1)
    finally:
        os.chdir(cwd)
    assert not run.errors, run.errors
    source = (HERE / "graphql_apps/gqlshop/schema.py").read_text().splitlines()
    flagged = {source[f.start_line - 1].strip() for f in run.findings if f.path.endswith("gqlshop/schema.py")}
    assert flagged == {"return Book.objects.filter(author=root, published=True)"}
    proc = subprocess.run([sys.executable, str(HERE / "graphql_apps/run_counts.py")], capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(HERE)}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    counts = json.loads(proc.stdout)
    assert counts["slow"][1] - counts["slow"][0] == 3  # one more query per extra author
    assert counts["fast"][0] == counts["fast"][1]  # constant: the prefetch loads all at once


def test_graphql_endpoint_views_are_api_routes(tmp_path):
    from backlint.frameworks import routes as routes_mod

    (tmp_path / "urls.py").write_text(textwrap.dedent('''
        from django.urls import path
        from graphene_django.views import GraphQLView
        from strawberry.django.views import AsyncGraphQLView

        urlpatterns = [
            path("graphql/", GraphQLView.as_view(graphiql=True)),
            path("gql/", AsyncGraphQLView.as_view()),
        ]
    '''))
    table = routes_mod.resolve(routes_mod.collect_facts([str(tmp_path)]))
    assert {(r.path, r.kind) for r in table} == {("/graphql/", "api"), ("/gql/", "api")}
