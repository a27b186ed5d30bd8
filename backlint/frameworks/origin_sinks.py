"""Where values go, for the value-origin rules: shells, deserializers, log calls, responses.

Each function answers for one call (names resolved through imports by ``ctx.qualified_name``)
and returns the argument nodes that matter, or None when the call is not such a sink.
"""
from __future__ import annotations

import re
from typing import FrozenSet, List, Optional, Tuple

from .._lazy import cst

from . import values as v

# -- shells ---------------------------------------------------------------------------------------
ALWAYS_SHELL: FrozenSet[str] = frozenset({
    "os.system", "os.popen", "os.popen2", "os.popen3", "os.popen4", "commands.getoutput",
    "commands.getstatusoutput", "subprocess.getoutput", "subprocess.getstatusoutput",
    "asyncio.create_subprocess_shell", "asyncio.subprocess.create_subprocess_shell",
    "platform.popen",
})
SHELL_FLAG: FrozenSet[str] = frozenset({
    "subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
    "subprocess.Popen",
})


def shell_command(node: cst.Call, qual: Optional[str]) -> Optional[Tuple[cst.BaseExpression, str]]:
    """(the command, how the sink is written) for a call that runs its command in a shell."""
    if not qual:
        return None
    if qual in ALWAYS_SHELL:
        cmd = v.argument(node, 0, "cmd") or v.keyword(node, "command")
        return (cmd, f"{qual}()") if cmd is not None else None
    if qual in SHELL_FLAG:
        flag = v.keyword(node, "shell")
        if flag is None or v.as_bool(flag) is not True:
            return None
        cmd = v.argument(node, 0, "args")
        if cmd is None or type(cmd) in (cst.List, cst.Tuple, cst.ListComp):
            return None
        return cmd, f"{qual}(..., shell=True)"
    return None


# -- deserializers -------------------------------------------------------------------------------
_PICKLE_MODULES = ("pickle", "cPickle", "_pickle", "dill", "cloudpickle", "marshal")
DESERIALIZERS: FrozenSet[str] = frozenset(
    {f"{m}.{f}" for m in _PICKLE_MODULES for f in ("load", "loads", "Unpickler")}
    | {"shelve.open", "shelve.DbfilenameShelf", "jsonpickle.decode", "jsonpickle.loads",
       "jsonpickle.unpickler.decode", "yaml.unsafe_load", "yaml.unsafe_load_all", "pandas.read_pickle",
       "yaml.load", "yaml.load_all", "numpy.load", "torch.load", "joblib.load"}
)
SAFE_YAML_LOADERS: FrozenSet[str] = frozenset({
    "SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader", "FullLoader", "CFullLoader",
})


def deserializer(node: cst.Call, qual: Optional[str], ctx) -> Optional[Tuple[cst.BaseExpression, str]]:
    """(the data argument, the sink as written) for an unsafe deserialization call."""
    if not qual or qual not in DESERIALIZERS:
        return None
    data = v.argument(node, 0, "data") or v.keyword(node, "file") or v.keyword(node, "s") \
        or v.keyword(node, "stream") or v.keyword(node, "f") or v.keyword(node, "filename") \
        or v.keyword(node, "filepath_or_buffer") or v.keyword(node, "string")
    if data is None:
        return None
    if qual in ("yaml.load", "yaml.load_all"):
        loader = v.argument(node, 1, "Loader")
        if loader is not None:
            name = (ctx.qualified_name(loader) or ctx.code_for(loader)).rsplit(".", 1)[-1]
            if name in SAFE_YAML_LOADERS or "Safe" in name:
                return None
            return data, f"{qual}(..., Loader={name})"
        return data, f"{qual}() without a Loader"
    if qual == "numpy.load":
        flag = v.keyword(node, "allow_pickle")
        if flag is None or v.as_bool(flag) is not True:
            return None
        return data, "numpy.load(..., allow_pickle=True)"
    if qual == "torch.load":
        # since torch 2.6 `weights_only` defaults to True (tensors and plain containers only):
        # only an explicit `weights_only=False` unpickles whatever the file holds
        flag = v.keyword(node, "weights_only")
        if flag is None or v.as_bool(flag) is not False:
            return None
        return data, "torch.load(..., weights_only=False)"
    return data, f"{qual}()"


# -- log calls ------------------------------------------------------------------------------------
LOG_METHODS: FrozenSet[str] = frozenset({
    "debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log",
    "msg", "trace", "success",
})
_LOGGER_NAME = re.compile(r"(^|_)(log|logger|logging|structlog|loguru)s?$|^_?log(ger)?\w*$|^LOG(GER)?$", re.I)


def log_arguments(node: cst.Call, qual: Optional[str], print_ok: bool) -> Optional[List[cst.BaseExpression]]:
    """The arguments written to a log by ``node`` (message, format arguments, ``extra``)."""
    func = node.func
    if type(func) is cst.Name and func.value == "print" and print_ok:
        return [a.value for a in node.args if a.keyword is None or a.keyword.value not in ("file", "end", "sep", "flush")]
    if not type(func) is cst.Attribute or func.attr.value not in LOG_METHODS:
        return None
    qual = qual or ""
    base = func.value
    name = base.attr.value if type(base) is cst.Attribute else (
        base.value if type(base) is cst.Name else "")
    if type(base) is cst.Call:  # `logging.getLogger(__name__).info(...)`, `structlog.get_logger().info`
        inner = v.last_name(base.func) or ""
        if "logger" not in inner.lower():
            return None
    elif not (qual.startswith(("logging.", "structlog.", "loguru.")) or _LOGGER_NAME.search(name or "")):
        return None
    out = []
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value in ("exc_info", "stack_info", "stacklevel", "level"):
            continue
        out.append(arg.value)
    if func.attr.value == "log" and out:
        out = out[1:]  # the level
    return out


# -- responses ------------------------------------------------------------------------------------
_RESPONSE_PREFIXES = ("django.http.", "starlette.responses.", "fastapi.responses.", "flask.",
                      "quart.", "werkzeug.wrappers.", "sanic.response.", "litestar.response")
RESPONSE_QUALS: FrozenSet[str] = frozenset({
    "rest_framework.response.Response", "flask.jsonify", "flask.make_response", "flask.Response",
    "aiohttp.web.json_response", "aiohttp.web.Response", "aiohttp.web_response.json_response",
    "django.http.response.JsonResponse", "django.http.response.HttpResponse",
    "sanic.response.json", "sanic.response.text", "quart.jsonify",
})
EXCEPTION_RESPONSES: FrozenSet[str] = frozenset({
    "fastapi.HTTPException", "fastapi.exceptions.HTTPException", "starlette.exceptions.HTTPException",
    "litestar.exceptions.HTTPException", "flask.abort", "werkzeug.exceptions.abort",
    "rest_framework.exceptions.APIException", "rest_framework.exceptions.NotFound",
    "rest_framework.exceptions.PermissionDenied", "quart.abort",
})
# Not sinks: DRF `ValidationError(str(e))` / `ParseError(...)` are the framework's validation
# channel; re-raising a parse failure of the client's own input as one is how a serializer or
# validator tells the client what is wrong with what it sent.


def response_arguments(node: cst.Call, qual: Optional[str]) -> Optional[Tuple[List[cst.BaseExpression], str]]:
    """The body arguments of a response or a client-facing HTTP error, and how it is written."""
    if not qual:
        return None
    last = qual.rsplit(".", 1)[-1]
    is_response = qual in RESPONSE_QUALS or (
        qual.startswith(_RESPONSE_PREFIXES) and ("Response" in last or last in ("jsonify", "json")))
    if qual.startswith("aiohttp.web.HTTP"):
        return [a.value for a in node.args if a.keyword is not None and a.keyword.value in ("text", "reason", "body")], last
    if is_response:
        picked = []
        for index, arg in enumerate(node.args):
            if arg.keyword is None and index == 0:
                picked.append(arg.value)
            elif arg.keyword is not None and arg.keyword.value in ("data", "content", "body", "text", "response"):
                picked.append(arg.value)
            elif last == "jsonify":
                picked.append(arg.value)
        return picked, f"{last}(...)"
    if qual in EXCEPTION_RESPONSES:
        picked = []
        for index, arg in enumerate(node.args):
            if arg.keyword is not None and arg.keyword.value in ("detail", "description", "message"):
                picked.append(arg.value)
            elif arg.keyword is None and (index >= 1 if last in ("abort", "HTTPException") else index == 0):
                picked.append(arg.value)
        return picked, f"{last}(...)"
    return None
