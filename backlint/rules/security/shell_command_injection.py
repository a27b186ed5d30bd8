"""BL313: a shell command built from values that are not constants."""
from __future__ import annotations

from ..._lazy import cst

from ...findings import Severity
from ...frameworks import origin_sinks as sinks
from ...frameworks import roles
from ...frameworks.origin_values import classify, first_flow
from ._origin_walk import OriginRule


class ShellCommandInjection(OriginRule):
    """A shell command is built from a value that is not a constant.

    ## What it does
    Finds commands run through a shell (`subprocess.run/call/check_call/check_output/Popen`
    with `shell=True`, `os.system`, `os.popen`, `subprocess.getoutput`,
    `asyncio.create_subprocess_shell`, `commands.getoutput`) whose text is built with an
    f-string, `%`, `.format()`, `+` or `str.join()` from a value the file does not show to be
    constant, or that is request input itself. The message gives the flow: where the value
    came from (request input, a parameter, or unknown) and the shell call.

    Not reported: argument lists without a shell (`subprocess.run(["git", "log", ref])`);
    values quoted with `shlex.quote` or joined with `shlex.join`; constant commands, module
    constants, settings and paths inside the package (`__file__`); numbers (`%d`, `int()`,
    `len()`); `shell=` that is not literally true; tests, migrations and tool fixtures.

    ## Why is this bad?
    "Avoid shell=True with untrusted input" (OWASP OS Command Injection Defense). A shell reads
    `;`, `|`, `$(...)` and backticks in the text as more commands: a file name such as
    `x; rm -rf ~` runs the second command with the application's rights.

    ## Example
    ```python
    import subprocess

    def thumbnail(request):
        name = request.GET["file"]
        subprocess.run(f"convert {name} thumb.png", shell=True)
    ```

    ## Use instead
    ```python
    import subprocess

    def thumbnail(request):
        name = request.GET["file"]
        subprocess.run(["convert", "--", name, "thumb.png"])
    ```

    ## References
    - OWASP OS Command Injection Defense Cheat Sheet
    - Python docs, subprocess "Security Considerations"
    - CWE-78: Improper Neutralization of Special Elements used in an OS Command
    """

    code = "BL313"
    name = "shell-command-injection"
    category = "command-injection"
    severity = Severity.ERROR
    precision = "high"
    tags = ("security", "external/cwe/cwe-078")
    security_severity = "9.8"
    text_markers = ("shell=True", "os.system", "popen", "getoutput", "subprocess_shell", "system(")
    skip_roles = roles.ALWAYS_SKIPPED | {roles.TEST, roles.MIGRATION}

    sink_names = frozenset(q.rsplit(".", 1)[-1] for q in sinks.ALWAYS_SHELL | sinks.SHELL_FLAG)

    def sink_call(self, node: cst.Call) -> None:
        func = node.func
        if not type(func) in (cst.Name, cst.Attribute):
            return
        found = sinks.shell_command(node, self.ctx.qualified_name(func))
        if found is None:
            return
        cmd, sink = found
        value = self.values.ev(cmd)
        if value.safe:
            return
        request = first_flow(value, "request", "upload", "external")
        if value.taint is None and request is None:
            return  # a whole command from elsewhere: not built here, nothing to say about it
        piece = value.taint[1] if value.taint is not None else cmd
        origin = request or (value.taint[2] if value.taint is not None else None)
        how = value.taint[0] if value.taint is not None else "the value itself"
        kind = classify(value)
        what = self.values.code(piece)

        def build(lines, origin=origin, what=what, how=how, kind=kind, sink=sink, node=node):
            src = self.source(origin, lines) if origin is not None else f"`{what}`"
            if origin is not None and origin.name != what:
                src = f"`{what}` from {src}"
            flow = f"{src} \u2192 `{sink}`{self.at(node, lines)}"
            if kind in ("request", "upload", "external"):
                risk = "the client controls that text, and the shell runs whatever `;`, `|` or `$()` it contains"
            else:
                risk = ("its origin is not shown to be constant here; if it can carry `;`, `|` or `$()` "
                        "the shell runs them")
            return (f"Shell command built with {how}: {flow}; {risk}. Pass an argument list without "
                    "`shell=True` (`subprocess.run([...])`), or quote the value with `shlex.quote()`.")

        self.flow(node, build, [origin.node if origin is not None else None])
