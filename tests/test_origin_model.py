"""The value-origin model (frameworks/origin_values.py): each origin class, aliases,
reassignment, one helper level, module constants, settings."""
from __future__ import annotations

from origin_probe import probe, probe_values


def test_request_input_per_framework():
    assert probe(
        """
        from flask import request as flask_request
        from aiohttp import web

        def django_view(request):
            probe(request.GET["q"])
            probe(request.POST.get("name"))
            probe(request.data)
            probe(request.headers["X-Thing"])
            probe(request.COOKIES.get("c"))
            probe(request.body)

        def flask_view():
            probe(flask_request.args["q"])
            probe(flask_request.get_json())

        async def starlette_view(request):
            payload = await request.json()
            probe(payload)
            probe(request.query_params["x"])

        class View:
            def get(self, request):
                probe(self.request.query_params.get("x"))
        """
    ) == ["request"] * 11


def test_fastapi_route_parameters_are_request_input_but_not_dependencies():
    assert probe(
        """
        from fastapi import Depends, FastAPI, Request
        app = FastAPI()

        @app.get("/items/{item_id}")
        def read(item_id: str, q=None, request: Request = None, db=Depends(get_db), limit: int = 10):
            probe(item_id)
            probe(q)
            probe(request)
            probe(db)
            probe(limit)
        """,
        path="app/main.py",
    ) == ["request", "request", "parameter", "parameter", "number"]


def test_upload_external_exception_traceback_secret():
    assert probe(
        """
        import traceback
        from django.core.cache import cache

        def view(request, redis_client):
            probe(request.FILES["f"])
            probe(cache.get("k"))
            probe(redis_client.get("k"))
            try:
                pass
            except Exception as e:
                probe(str(e))
                probe(repr(e))
                probe(f"failed: {e}")
                probe(e.args)
                probe(traceback.format_exc())
            probe(request.headers["Authorization"])
            probe(request.POST["password"])

        def helper(password):
            probe(password)
        """
    ) == ["upload", "external", "external", "exception", "exception", "exception", "exception",
          "traceback", "secret", "secret", "secret"]


def test_sanitised_constant_number_unknown():
    assert probe(
        """
        import hashlib
        import shlex

        LIMIT = "10"

        def f(token, n: int, other):
            probe(len(token))
            probe(token[:4])
            probe(hashlib.sha256(token.encode()).hexdigest())
            probe(shlex.quote(other))
            probe("text")
            probe(LIMIT)
            probe(n)
            probe(3 * 4)
            probe(other.compute())
        """
    ) == ["number", "sanitised", "sanitised", "sanitised", "constant", "constant", "number", "number",
          "unknown"]


def test_aliases_and_reassignment():
    assert probe(
        """
        def view(request):
            q = request.GET["q"]
            alias = q
            probe(alias)
            q = "constant"
            probe(q)
            if request.method == "POST":
                q = request.POST["q"]
            probe(q)
        """
    ) == ["request", "constant", "request"]


def test_one_helper_level():
    assert probe(
        """
        def build(target):
            return f"tar czf out.tgz {target}"

        def fixed():
            return "uptime"

        def view(request):
            probe(build(request.GET["p"]))
            probe(build("static"))
            probe(fixed())
        """
    ) == ["request", "constant", "constant"]


def test_module_constant_and_settings_value():
    assert probe(
        """
        from django.conf import settings
        from .config import BACKUP_DIR

        COMMAND = "ls -l"

        def f():
            probe(COMMAND)
            probe(BACKUP_DIR)
            probe(settings.MEDIA_ROOT)
            probe(settings.SECRET_KEY)
            probe(f"{COMMAND} {settings.MEDIA_ROOT}")
        """
    ) == ["constant", "constant", "constant", "secret", "constant"]


def test_curated_and_validation_exceptions_are_not_exception_text():
    assert probe(
        """
        from pydantic import ValidationError
        from .errors import AppError

        class LocalError(Exception):
            pass

        def f():
            try:
                pass
            except ValidationError as e:
                probe(str(e))
            except AppError as e:
                probe(str(e))
            except LocalError as e:
                probe(e.args)
            except ValueError as e:
                probe(e.errors())
        """
    ) == ["sanitised", "sanitised", "sanitised", "sanitised"]


def test_shipped_paths():
    assert probe(
        """
        import os
        from pathlib import Path

        HERE = os.path.dirname(__file__)

        def f():
            probe(os.path.join(HERE, "model.pkl"))
            probe(Path(__file__).parent / "vocab.pkl")
        """
    ) == ["shipped", "shipped"]


def test_the_applications_own_data_session_pickles_decryption_workers():
    assert probe(
        """
        import concurrent.futures
        import pickle
        from flask import session

        def f(fernet, blob, fut: concurrent.futures.Future[bytes], other):
            probe(session["grid"])
            probe(pickle.dumps(other))
            probe(fernet.decrypt(blob))
            probe(fut.result())
            probe(other.result())
        """
    ) == ["signed", "signed", "signed", "worker", "unknown"]


def test_project_calls_and_parameters_are_pure_unknowns():
    """A call of another module's function is unknown here, but only through that call (the
    project pass can decide); so is a parameter, also when picked from or merged with a constant."""
    from backlint.frameworks.origin_own import pure

    seen = probe_values(
        """
        from .store import load_entry
        from flask import Response

        def f(key, flag):
            entry = load_entry(key)
            probe(entry["command"])
            probe(key if flag else "x")
            probe(load_entry(key) + other())
            probe(Response("gone", status=404))
        """
    )
    assert [kind for kind, _ in seen] == ["unknown", "parameter", "unknown", "response"]
    assert [pure(value) for _, value in seen] == [True, True, False, False]
    assert seen[0][1].flows[0].function == ".store.load_entry"


def test_a_call_of_a_function_defined_further_down_is_a_flow_the_project_pass_resolves():
    values = probe_values(
        """
        class Grid:
            def run(self, store):
                probe(Grid.pick(store))
                probe(self.pick(store))
                probe(later(store))

            @staticmethod
            def pick(store):
                return store["k"]

        def shadowed(later):
            probe(later(1))

        def later(store):
            return store
        """
    )
    refs = [[f.function for f in value.flows if f.kind == "call"] for _, value in values]
    assert refs[:3] == [["local:Grid.pick"], ["local:Grid.pick"], ["local:later"]]
    assert refs[3] == []  # a parameter named like the module's function is not that function


def test_the_trackers_replace_copies_like_dataclasses_replace():
    import dataclasses

    import pytest

    from backlint.frameworks.value_kinds import Origin, Val, replace

    for cls in (Val, Origin):  # what the shortcut relies on
        assert not hasattr(cls, "__post_init__") and not hasattr(cls, "__slots__")
    origin = Origin("request", "request.GET['q']", node=object(), handler=True)
    value = Val(safe=False, text="x", flows=(origin,), note="flows")
    for changes in ({"note": ""}, {"safe": True, "taint": None}, {"flows": ()}, {}):
        ours, theirs = replace(value, **changes), dataclasses.replace(value, **changes)
        assert ours == theirs and hash(ours) == hash(theirs) and ours is not value
    assert value.note == "flows"  # the original is untouched
    assert replace(origin, handler=False) == dataclasses.replace(origin, handler=False)
    with pytest.raises(TypeError):
        replace(value, nope=1)


def test_val_is_built_from_keywords_with_the_fields_defaults():
    import dataclasses

    import pytest

    from backlint.frameworks.value_kinds import Val

    defaults = {f.name: f.default for f in dataclasses.fields(Val)}
    assert Val().__dict__ == defaults  # every field set, none missing, none extra
    value = Val(safe=True, text="x", note="number")
    assert {**defaults, "safe": True, "text": "x", "note": "number"} == value.__dict__
    assert value == Val(note="number", text="x", safe=True) and hash(value) == hash(Val(safe=True, text="x", note="number"))
    assert value != Val(safe=True, text="y", note="number")
    with pytest.raises(TypeError):
        Val(True)  # keywords only
    with pytest.raises(TypeError, match="nope"):
        Val(safe=True, nope=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.safe = False  # type: ignore[misc]


def test_flow_names_are_generated_once_per_node():
    import libcst as cst

    from backlint.frameworks.origin_text import short_code

    module = cst.parse_module("x = fetch(request.GET['q'],   other)\n")
    call = module.body[0].body[0].value
    known = {}
    first = short_code(module, call, known=known)
    assert first == short_code(module, call) == "fetch(request.GET['q'], other)"
    known[id(call)] = (call, "kept")
    assert short_code(module, call, known=known) == "kept"  # the kept answer, not a new one
    other = cst.parse_module("y = 1\n").body[0].body[0].value
    known[id(other)] = (call, "not this node")
    assert short_code(module, other, known=known) == "1"  # an id seen for another node is not trusted


def test_code_for_writes_a_bare_name_as_the_generator_would():
    import libcst as cst

    from backlint.rule import FileContext
    from backlint.semantics import Semantics

    text = "except_ = (ValueError)\nother = ValueError\nthird = a . b\n"
    module = cst.parse_module(text)
    ctx = FileContext("m.py", module, text, Semantics())
    for stmt in module.body:
        node = stmt.body[0].value
        assert ctx.code_for(node) == module.code_for_node(node)
