from __future__ import annotations

from typing import Optional

from ..._lazy import cst

from ...findings import Severity
from ...frameworks import roles
from ...frameworks import values as v
from ...frameworks.settings_files import (class_is_non_production, class_is_production,
                                          is_production_settings, name_words)
from ...rule import Rule

APP_CONSTRUCTORS = {
    "fastapi.FastAPI": "FastAPI",
    "fastapi.applications.FastAPI": "FastAPI",
    "starlette.applications.Starlette": "Starlette",
}
FLASK_APPS = ("flask.Flask()", "flask.app.Flask()", "quart.Quart()")
_KEYWORDS = frozenset({"debug", "use_debugger", "DEBUG"})
RUN_SIMPLE = ("werkzeug.serving.run_simple", "werkzeug.run_simple")
# words of an `if` test that say the branch is taken in debug or development mode
_DEBUG_SWITCH_WORDS = frozenset({"debug", "dev", "devel", "develop", "development", "local",
                                 "testing"})


class DebugModeEnabled(Rule):
    """Debug mode is switched on in code or settings that production runs.

    ## What it does
    Finds debug mode turned on with a literal (or a constant holding one):
    - Flask `app.run(debug=True)`, `app.debug = True`, `app.config["DEBUG"] = True`,
      `app.config.update(DEBUG=True)`, for an app made by `Flask(...)` in the module;
    - `FastAPI(debug=True)`, `Starlette(debug=True)`;
    - werkzeug `run_simple(..., use_debugger=True)` (`use_evalex=True` alone does nothing
      while the debugger is off, so it is not reported);
    - Django `DEBUG = True` at module level of a production settings module, and
      `DEBUG = True` in a config class named for production (`ProductionConfig`).

    Not reported: switches read from the environment or a config file
    (`DEBUG = os.environ.get(...) == "1"`, `debug=settings.DEBUG`), settings assigned inside
    an `if` (`if ENVIRONMENT == "dev": DEBUG = True`), and any of the calls above inside an
    `if` that asks for debug or development mode (`if in_debug_mode(): app =
    FastAPI(debug=True)`, `if settings.DEV:`); settings modules and config
    classes for development, local work, tests, CI or examples (`settings/dev.py`,
    `local_settings.py`, `DevelopmentConfig`); config classes whose name says nothing about
    production; log levels, SQL echo flags (`echo=True`), uvicorn `reload=True`; tests and
    example code.

    ## Why is this bad?
    "Keep debug off in production." Django's debug pages and Flask's and Starlette's debug
    tracebacks show source, settings and environment to anyone who triggers an error;
    werkzeug's debugger goes further and runs Python typed into the browser (behind a PIN
    that has been brute-forced and derived from leaked files before). Django with
    `DEBUG = True` also keeps every SQL query in memory.

    ## Example
    ```python
    from flask import Flask

    app = Flask(__name__)

    if __name__ == "__main__":
        app.run(host="0.0.0.0", debug=True)
    ```

    ## Use instead
    ```python
    import os

    from flask import Flask

    app = Flask(__name__)

    if __name__ == "__main__":
        app.run(host="0.0.0.0", debug=os.environ.get("FLASK_DEBUG") == "1")
    ```

    ## Severity
    A warning: many findings are development entry points that never run in production, but
    the line cannot tell, and the cost when it does is remote code execution.

    ## References
    - Django deployment checklist, `DEBUG`
    - Werkzeug, "Debugging Applications"
    - CWE-489: Active Debug Code; CWE-215
    """

    code = "BL308"
    name = "debug-mode-enabled"
    category = "debug-enabled"
    severity = Severity.WARNING
    precision = "high"
    tags = ("security", "external/cwe/cwe-489", "external/cwe/cwe-215")
    security_severity = "6.5"
    # every reported form writes one of these (`log.debug(` and `logging.DEBUG` do not)
    text_markers = ("debug=", "debug =", "DEBUG=", "DEBUG =", "DEBUG\"]", "DEBUG']", "use_debugger")
    skip_roles = roles.ALWAYS_SKIPPED | {roles.TEST, roles.EXAMPLE}

    def _in_debug_branch(self, node: cst.CSTNode) -> bool:
        """Inside the body of an `if` that asks for debug or development mode
        (`if in_debug_mode(): app = FastAPI(debug=True)`): the switch is the condition."""
        chain = self.ctx.ancestors + [node]
        for i, ancestor in enumerate(chain[:-1]):
            if type(ancestor) is not cst.If or chain[i + 1] is not ancestor.body:
                continue
            test = ancestor.test
            if type(test) is cst.UnaryOperation and type(test.operator) is cst.Not:
                continue
            if name_words(self.ctx.code_for(test)) & _DEBUG_SWITCH_WORDS:
                return True
        return False

    def report(self, node, message, **kwargs) -> None:
        if not self._in_debug_branch(node):
            super().report(node, message, **kwargs)

    def _true(self, node: Optional[cst.BaseExpression]) -> bool:
        return node is not None and v.as_bool(v.resolve(self.ctx, node)) is True

    def _flask_app(self, node: cst.BaseExpression) -> bool:
        qual = self.ctx.qualified_name(node)
        if qual in FLASK_APPS:
            return True
        # `app = create_app()`: a Flask application factory in a module that imports flask
        return bool(qual) and qual.endswith(("create_app()", "make_app()")) and "flask" in self.ctx.text

    def visit_Call(self, node: cst.Call) -> None:
        if not any(k in _KEYWORDS for k in v.keyword_names(node)):
            return  # every call this rule reports passes one of these keywords
        qual = self.ctx.qualified_name(node.func)
        if qual in APP_CONSTRUCTORS:
            if self._true(v.keyword(node, "debug")):
                name = APP_CONSTRUCTORS[qual]
                self.report(node, f"`{name}(debug=True)`: every unhandled error answers with a "
                                  "traceback showing source and local values; read the flag from "
                                  "the environment (`debug=os.environ.get(\"DEBUG\") == \"1\"`).")
            return
        if qual in RUN_SIMPLE:
            # `use_evalex` only matters once `use_debugger` is on
            if self._true(v.keyword(node, "use_debugger")):
                self.report(node, "`run_simple(..., use_debugger=True)`: the werkzeug debugger lets "
                                  "anyone who can trigger an error run Python on this host; "
                                  "enable it only from an environment variable in development.")
            return
        func = node.func
        if type(func) is not cst.Attribute:
            return
        if func.attr.value == "run" and self._flask_app(func.value):
            debug = v.keyword(node, "debug")
            if self._true(debug):
                self.report(node, "`app.run(debug=True)` starts the werkzeug debugger: anyone who can "
                                  "reach the port and trigger an error can run Python on this host; "
                                  "use a production server (gunicorn, waitress) and read debug from "
                                  "the environment (`FLASK_DEBUG`).")
        elif (func.attr.value == "update" and type(func.value) is cst.Attribute
              and func.value.attr.value == "config" and self._flask_app(func.value.value)):
            if self._true(v.keyword(node, "DEBUG")):
                self._report_flask_config(node)

    def _report_flask_config(self, node: cst.CSTNode) -> None:
        self.report(node, "Flask `DEBUG` is set to `True` in code: error pages show tracebacks and "
                          "`app.run()` starts the werkzeug debugger; read it from the environment "
                          "(`FLASK_DEBUG`) instead.")

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) != 1:
            return
        target = node.targets[0].target
        if type(target) is cst.Attribute and target.attr.value == "debug" and self._flask_app(target.value):
            if self._true(node.value):
                self._report_flask_config(node)
            return
        if (type(target) is cst.Subscript and type(target.value) is cst.Attribute
                and target.value.attr.value == "config" and self._flask_app(target.value.value)):
            if v.last_name(target) == "DEBUG" and self._true(node.value):
                self._report_flask_config(node)
            return
        if type(target) is not cst.Name or target.value != "DEBUG":
            return
        if self.ctx.enclosing_function() is not None or not self._true(node.value):
            return
        if v.in_if_branch(self.ctx):
            return  # `if ENVIRONMENT == "dev": DEBUG = True` is a switch
        classes = [a for a in self.ctx.ancestors if type(a) is cst.ClassDef]
        if classes:
            names = [c.name.value for c in classes]
            if any(class_is_non_production(n) for n in names) or not any(class_is_production(n) for n in names):
                return
            self.report(node, f"`DEBUG = True` in `{names[-1]}`, a production config: error pages "
                              "show source, settings and local values to anyone; set it to `False` "
                              "or read it from the environment.")
            return
        if not is_production_settings(self.ctx.roles):
            return
        self.report(node, "`DEBUG = True` in a production settings module: error pages show source, "
                          "settings and local values to anyone, and every SQL query is kept in "
                          "memory; read it from the environment (`DEBUG = os.environ.get(\"DEBUG\") "
                          "== \"1\"`), or keep it in a dev/local settings module.")
