"""BL312's recognisers of try bodies that can only fail about the client's input (origin_input_errors)."""
from __future__ import annotations

import libcst as cst
import pytest

from backlint.frameworks import origin_input_errors as oie
from backlint.frameworks.value_kinds import Origin, Val


def _ev(node):
    """`key`/`name`: the caller's parameter; `MSG`/literals: constants; anything else unknown."""
    if isinstance(node, cst.SimpleString) or (isinstance(node, cst.Name) and node.value == "MSG"):
        return Val(safe=True)
    if isinstance(node, cst.Name) and node.value in ("key", "name"):
        return Val(flows=(Origin("parameter", node.value),))
    return Val()


def _try(body: str, handlers: int = 1, caught: str = "Exception"):
    clauses = "".join(f"    except {caught} as e{i}:\n        pass\n" for i in range(handlers))
    source = f"def f(key, name):\n    try:\n        {body}\n{clauses}"
    return cst.parse_module(source).body[0].body.body[0]


@pytest.mark.parametrize("body,handlers,expected", [
    ("x = table[key]", 1, True),
    ("return table[key]", 1, True),
    ("x = table[key]", 2, False),  # a broad clause after a narrower one
    ("x = table[other]", 1, False),  # not the caller's key
    ("x = self.table[key]", 1, False),  # an attribute's mapping
    ("x = load()[key]", 1, False),  # a call runs first
    ("x = table[key.strip()]", 1, False),  # only a plain name as the key
    ("x = table[key, name]", 1, False),  # two indexes (an array, a frame): not a plain lookup
])
def test_lookup_by_client_key(body, handlers, expected):
    assert oie.lookup_by_client_key(_try(body, handlers), _ev) is expected


class _Ctx:
    def qualified_name(self, node):
        return None

    def code_for(self, node):
        return cst.Module(body=[]).code_for_node(node)


@pytest.mark.parametrize("body,caught,expected", [
    ("x = sorted(rows, key=attrgetter(name))", "AttributeError", True),
    ("x = getattr(row, name)", "AttributeError", True),
    ("x = getattr(row, name)", "(AttributeError, KeyError)", False),
    ("x = getattr(row, name)", "Exception", False),
    ("x = getattr(row, 'title')", "AttributeError", False),  # a name of the server's
    ("x = getattr(name, 'title')", "AttributeError", False),  # the object, not the attribute
    ("x = row.run()", "AttributeError", False),
])
def test_attribute_by_client_name(body, caught, expected):
    try_node = _try(body, caught=caught)
    assert oie.attribute_by_client_name(try_node.handlers[0], try_node, _Ctx(), _ev) is expected


@pytest.mark.parametrize("body,handlers,expected", [
    ("raise_if_disabled(MSG)", 1, True),
    ("await self._raise_error_if_cloud('not here', MSG)", 1, True),
    ("raise_if_disabled(MSG)", 2, False),
    ("raise_if_disabled(name)", 1, False),  # not a constant
    ("raise_if_disabled(*MSG)", 1, False),
    ("raise_if_disabled()", 1, False),  # nothing given: its text is its own
    ("check_disabled(MSG)", 1, False),  # the name does not say it raises
    ("x = raise_if_disabled(MSG)", 1, False),  # a result used
])
def test_constant_refusal(body, handlers, expected):
    assert oie.constant_refusal(_try(body, handlers), _ev) is expected


MODELS = '''
from pydantic import BaseModel
import pydantic

class A(BaseModel):
    x: int

class B(A):
    y: int

class C(pydantic.BaseModel):
    def __init__(self, **data):
        super().__init__(**data)

class D(C):
    pass

class E:
    pass

class F(E):
    pass
'''


def test_pydantic_models():
    from backlint.engine import parse
    from backlint.rule import FileContext
    from backlint.semantics import Semantics
    from backlint import engine

    module = parse(MODELS)
    semantics = Semantics()
    engine._prebind_module_imports(module, semantics)
    ctx = FileContext("app/forms.py", module, MODELS, semantics)
    assert oie.pydantic_models(module, ctx) == frozenset({"A", "B"})


@pytest.mark.parametrize("body,expected", [
    ("form = A(**payload)", True),
    ("return B.model_validate(payload)", True),
    ("form = B.model_dump(payload)", False),
    ("form = Other(**payload)", False),
    ("form = A(**payload); save(form)", False),
])
def test_model_from_payload(body, expected):
    assert oie.model_from_payload(_try(body), frozenset({"A", "B"})) is expected


@pytest.mark.parametrize("body,handlers,expected", [
    ("plist = self.plugins_list", 1, True),
    ("size = service.settings.max_upload", 1, True),
    ("size: int = service.settings.max_upload", 1, True),
    ("size = service.settings.max_upload", 2, False),  # a broad clause after a narrower one
    ("size = service.load().max_upload", 1, False),  # a call runs
    ("size = service.settings[key]", 1, False),  # a lookup
    ("return self.plugins_list", 1, False),  # not an assignment of the read
    ("plist = self.plugins_list; self.sort(plist)", 1, False),
])
def test_attribute_read_only(body, handlers, expected):
    assert oie.attribute_read_only(_try(body, handlers)) is expected


class _PathCtx(_Ctx):
    def qualified_name(self, node):
        code = self.code_for(node)
        return {"os.path.realpath": "os.path.realpath", "realpath": "os.path.realpath",
                "os.path.exists": "os.path.exists"}.get(code)


@pytest.mark.parametrize("body,caught,expected", [
    ("x = os.path.realpath(candidate)", "(OSError, ValueError)", True),
    ("x = realpath(candidate)", "OSError", True),
    ("x = os.path.realpath(candidate, strict=True)", "OSError", False),  # raises with the path
    ("x = os.path.realpath(base + name)", "OSError", False),  # an expression: more than a spelling
    ("x = os.path.realpath(candidate)", "Exception", False),
    ("x = os.path.exists(candidate)", "OSError", False),  # not one of the spelling functions
])
def test_path_spelling_only(body, caught, expected):
    try_node = _try(body, 1, caught)
    assert oie.path_spelling_only(try_node.handlers[0], try_node, _PathCtx()) is expected


@pytest.mark.parametrize("body,expected", [
    ("x = os.path.realpath(str(candidate))", True),  # a pathlib path spelt as a string
    ("x = os.path.realpath(str(self.base))", True),
    ("x = os.path.realpath(str(load()))", False),  # a call inside str()
    ("x = os.path.realpath(repr(candidate))", False),  # only str()
    ("x = os.path.realpath()", False),
])
def test_path_spelling_accepts_str_of_a_name(body, expected):
    try_node = _try(body, 1, "OSError")
    assert oie.path_spelling_only(try_node.handlers[0], try_node, _PathCtx()) is expected


@pytest.mark.parametrize("body,handlers,expected", [
    ("data = await request.body()", 1, True),
    ("payload = await request.json()", 1, True),
    ("payload = request.get_json()", 1, True),
    ("form = await self.request.form()", 1, True),
    ("data = await request.body()", 2, False),  # a broad clause after a narrower one
    ("data = await store.body()", 1, False),  # not the request
    ("data = request.FILES", 1, False),  # an upload: spooled to the server's disk
    ("data = await request.body(); save(data)", 1, False),
])
def test_request_body_read(body, handlers, expected):
    assert oie.request_body_read(_try(body, handlers), _Ctx()) is expected


class _ParseCtx(_Ctx):
    QUALS = {"json.loads": "json.loads", "black.format_str": "black.format_str", "black.Mode": "black.Mode",
             "yaml.load": "yaml.load", "loads": "json.loads", "other.Mode": "other.Mode"}

    def qualified_name(self, node):
        return self.QUALS.get(self.code_for(node))


def _try_source(source: str):
    return cst.parse_module(f"def f(key, name):\n{source}").body[0].body.body[0]


@pytest.mark.parametrize("source,expected", [
    ("    try:\n        x = json.loads(key)\n    except Exception as e:\n        pass\n", True),
    ("    try:\n        x = loads(key)\n    except Exception as e:\n        pass\n", True),  # an alias
    ("    try:\n        x = int(name)\n    except Exception as e:\n        pass\n", True),
    ("    try:\n        return json.loads(key)\n    except Exception as e:\n        pass\n", True),
    # black: `except NothingChanged` before `except Exception`, and a return of the result
    ("    try:\n        out = black.format_str(key, mode=black.Mode())\n        return {'code': out}\n"
     "    except black.NothingChanged:\n        pass\n    except Exception as e:\n        pass\n", True),
    ("    try:\n        x = json.loads(other)\n    except Exception as e:\n        pass\n", False),  # not the caller's
    ("    try:\n        x = yaml.load(key)\n    except Exception as e:\n        pass\n", False),  # not a text parser
    ("    try:\n        x = json.loads(key)\n        save(x)\n    except Exception as e:\n        pass\n", False),
    ("    try:\n        x = json.loads(key)\n        return save(x)\n    except Exception as e:\n        pass\n", False),
    ("    try:\n        x = json.loads(key, cls=make_decoder())\n    except Exception as e:\n        pass\n", False),
    ("    try:\n        out = black.format_str(key, mode=other.Mode())\n    except Exception as e:\n        pass\n",
     False),  # options of another package: its own code runs
    ("    try:\n        x = json.loads(key)\n    except Exception as e:\n        pass\n    finally:\n        close()\n",
     False),
    ("    try:\n        self.x = json.loads(key)\n    except Exception as e:\n        pass\n", False),  # a setter may run
    ("    try:\n        x[name] = json.loads(key)\n    except Exception as e:\n        pass\n", False),  # a store
])
def test_parse_of_client_text(source, expected):
    assert oie.parse_of_client_text(_try_source(source), _ParseCtx(), _ev) is expected
