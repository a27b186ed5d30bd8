"""Callers across modules (frameworks/project_callers.py), the basis of BL310's parameter verdicts."""
from backlint.frameworks import project_callers as pc


def test_import_handles_absolute_relative_aliases_and_star():
    text = (
        "import os\n"
        "import shop.models\n"
        "import shop.util as u\n"
        "from .runners import Grid, Kept as K\n"
        "from ..base import (\n    Base,\n    Mixin,\n)\n"
        "from .helpers import *\n"
        "def f():\n    from shop.late import later\n    return Grid\n"
    )
    handles, blanked = pc.import_handles(text, "shop.views.main", False)
    assert ("shop", "shop.models", "shop") in handles  # `import a.b` binds `a`, reaches `a.b`
    assert ("u", "shop.util", "shop.util") in handles
    assert ("Grid", "shop.views.runners.Grid", "shop.views.runners.Grid") in handles
    assert ("K", "shop.views.runners.Kept", "shop.views.runners.Kept") in handles
    assert ("Base", "shop.base.Base", "shop.base.Base") in handles
    assert ("Mixin", "shop.base.Mixin", "shop.base.Mixin") in handles
    assert ("*", "shop.views.helpers", "shop.views.helpers") in handles
    assert ("later", "shop.late.later", "shop.late.later") in handles  # inside a function too
    assert not any(local == "os" for local, _, _ in handles)  # the standard library is no handle
    # the import statements are blanked: what is left are the uses
    assert "import" not in blanked and "return Grid" in blanked and len(blanked) == len(text)


def test_uses_count_chains_and_leave_out_definitions():
    text = "class Grid:\n    pass\nGrid.run(1)\nx = Grid().run\nobj.Grid\nGridder()\n"
    counted = pc.uses(text, ["Grid"], defined=["Grid"])
    count, chains = counted["Grid"]
    assert count == 2  # `Grid.run`, `Grid()`; not `class Grid`, `obj.Grid`, `Gridder`
    assert sorted(chains) == ["", ".run"]


def _facts(h, c=(), walked=True, words=()):
    fact = {"h": h, "c": list(c), "w": walked}
    if words:
        fact["s"] = list(words)
    return ("x.py", fact)


OWNER = "app.runners.Grid"
DEF = _facts([["Grid", OWNER, 1, [OWNER + ".pick"]]],
             [["Grid", OWNER + ".pick", "d", [False], {}, False]])


def test_visible_when_every_use_is_a_recorded_call():
    caller = _facts([["Grid", OWNER, 1, [OWNER]]], [["Grid", OWNER + ".run", "i", [True], {}, False]])
    index = pc.CallerIndex([DEF, caller])
    assert not index.hidden(OWNER, "run")
    assert index.callers("Grid.run") == [("i", [True], {}, False)]


def test_hidden_by_an_unwalked_importer_an_unaccounted_use_or_a_kept_instance():
    unwalked = _facts([["Grid", OWNER, 1, [OWNER]]], walked=False)
    assert pc.CallerIndex([DEF, unwalked]).hidden(OWNER, "run")
    extra_use = _facts([["Grid", OWNER, 2, [OWNER]]], [["Grid", OWNER + ".run", "i", [True], {}, False]])
    assert pc.CallerIndex([DEF, extra_use]).hidden(OWNER, "run")
    kept = _facts([["Grid", OWNER, 1, [OWNER]]], [["Grid", OWNER, "d", [], {}, False]])
    assert pc.CallerIndex([DEF, kept]).hidden(OWNER, "run")
    # through the package that re-exports it: met by its name
    package = _facts([["runners", "app.runners", 1, ["app.runners.Grid"]]], walked=False)
    assert pc.CallerIndex([DEF, package]).hidden(OWNER, "run")
    unrelated = _facts([["Other", "app.other.Other", 3, ["app.other.Other.go"]]], walked=False)
    assert not pc.CallerIndex([DEF, unrelated]).hidden(OWNER, "run")


def test_star_import_hides_only_where_the_name_is_used():
    star = _facts([["*", "app.runners", 0, []]], walked=False, words=["Grid", "x"])
    assert pc.CallerIndex([DEF, star]).hidden(OWNER, "run")
    reexport = _facts([["*", "app.runners", 0, []]], walked=False, words=["x"])
    assert not pc.CallerIndex([DEF, reexport]).hidden(OWNER, "run")


def test_parameter_safe_positions_keywords_defaults():
    # def run(self, sql, http_session, verbose=False)
    through_instance = ("i", [False, True], {}, False)
    assert pc.parameter_safe([through_instance], "http_session", 2, "self", False)
    through_class = ("d", [None, False, True], {}, False)  # `Grid.run(obj, sql, session)`
    assert pc.parameter_safe([through_class], "http_session", 2, "self", False)
    by_keyword = ("i", [False], {"http_session": True}, False)
    assert pc.parameter_safe([through_instance, by_keyword], "http_session", 2, "self", False)
    unsafe = ("i", [False, False], {}, False)
    assert not pc.parameter_safe([through_instance, unsafe], "http_session", 2, "self", False)
    assert not pc.parameter_safe([], "http_session", 2, "self", False)  # no caller: no verdict
    missing = ("i", [False], {}, False)
    assert not pc.parameter_safe([missing], "http_session", 2, "self", False)
    assert pc.parameter_safe([missing], "verbose", 3, "self", True)  # its constant default
    assert not pc.parameter_safe([("i", [False], {}, True)], "verbose", 3, "self", True)  # *args
    # a module function and a classmethod
    assert pc.parameter_safe([("d", [True], {}, False)], "data", 0, "", False)
    assert pc.parameter_safe([("d", [True], {}, False)], "data", 1, "cls", False)


def _idle(mod, *handles, words=()):
    fact = {"h": pc.idle_facts(handles), "mod": mod}
    if words:
        fact["s"] = list(words)
    return (mod.replace(".", "/") + ".py", fact)


def test_unwalked_file_hidden_through_a_module_that_reexports_the_owner():
    # src/app/api.py (walked, path-derived module name) imports Grid and does not use it: a re-export
    api = ("src/app/api.py", {"h": [["Grid", OWNER, 0, []]], "c": [], "w": True, "mod": "src.app.api"})
    through_api = _idle("app.jobs", ("api", "app.api", "app.api"))
    assert not pc.CallerIndex([DEF, through_api]).hidden(OWNER, "run")  # app.api leads nowhere
    assert pc.CallerIndex([DEF, api, through_api]).hidden(OWNER, "run")  # `api.Grid` may be used
    package = _idle("app.cron", ("app", "app", "app"))
    assert pc.CallerIndex([DEF, api, package]).hidden(OWNER, "run")  # `app.api.Grid`
    # one more step: app/facade.py (walked, the import unused) imports app.api; a file importing
    # the facade can reach Grid through it
    facade = ("app/facade.py", {"h": [["api", "app.api", 0, []]], "c": [], "w": True, "mod": "app.facade"})
    assert not pc.CallerIndex([DEF, api, facade]).hidden(OWNER, "run")
    user = _idle("app.tasks", ("facade", "app.facade", "app.facade"))
    assert not pc.CallerIndex([DEF, facade, user]).hidden(OWNER, "run")  # without api: unrelated
    assert pc.CallerIndex([DEF, api, facade, user]).hidden(OWNER, "run")
    # a name imported from the re-exporting module is not the module: no path to Grid shown
    other = _idle("app.report", ("render", "app.api.render", "app.api.render"))
    assert not pc.CallerIndex([DEF, api, other]).hidden(OWNER, "run")


def test_idle_facts_stand_for_the_bound_name_not_its_uses():
    facts = pc.idle_facts([("shop", "shop.models", "shop"), ("*", "shop.helpers", "shop.helpers")])
    assert facts == [["shop", "shop.models", -1, ["shop"]], ["*", "shop.helpers", -1, []]]
    # `import shop.models` binds `shop`: `shop.runners.Grid` is reachable through it
    owner = "shop.runners.Grid"
    definition = _facts([["Grid", owner, 1, [owner + ".pick"]]], [["Grid", owner + ".pick", "d", [False], {}, False]])
    binder = ("x.py", {"h": facts[:1], "mod": "x"})
    assert pc.CallerIndex([definition, binder]).hidden(owner, "run")
