"""What backlint knows about outbound network clients and their timeouts.

Plain data plus tiny predicates; rules ask here instead of spelling module names themselves.
Qualified names follow ``backlint.semantics``: ``"requests.Session().get"`` is the ``get`` method
of an object built by ``requests.Session()``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Tuple

from .._lazy import cst

from ..semantics import has_star_kwargs, is_none, keyword_arg, positional_args

HTTP_METHODS = ("get", "options", "head", "post", "put", "patch", "delete", "request")


@dataclass(frozen=True)
class TimeoutSpec:
    """How one callable takes a timeout.

    ``policy``: ``"required"`` flags a missing or ``None`` timeout; ``"not-none"`` flags only an
    explicit ``timeout=None`` (for clients with a sane default, like httpx).
    ``position``: 0-based index of a positional timeout parameter, if it has one.
    ``keyword``: the keyword that carries the timeout (``transport`` for xmlrpc).
    ``fixable``: whether adding ``timeout=<seconds>`` is a correct fix.
    ``ctor_covers``: for methods, a ``timeout=`` on the constructor call makes the method call safe.
    """

    display: str
    policy: str = "required"
    position: Optional[int] = None
    keyword: str = "timeout"
    fixable: bool = True
    ctor_covers: bool = False
    advice: str = ""


# Receivers: the constructor's qualified name (with "()") -> canonical client name.
CLIENT_TYPES: Dict[str, str] = {
    "requests.Session()": "requests.Session",
    "requests.session()": "requests.Session",
    "requests.sessions.Session()": "requests.Session",
    "requests.sessions.session()": "requests.Session",
    "urllib3.PoolManager()": "urllib3.PoolManager",
    "urllib3.poolmanager.PoolManager()": "urllib3.PoolManager",
    "urllib3.HTTPConnectionPool()": "urllib3.HTTPConnectionPool",
    "urllib3.HTTPSConnectionPool()": "urllib3.HTTPSConnectionPool",
    "urllib3.connectionpool.HTTPConnectionPool()": "urllib3.HTTPConnectionPool",
    "urllib3.connectionpool.HTTPSConnectionPool()": "urllib3.HTTPSConnectionPool",
    "urllib3.connection_from_url()": "urllib3.HTTPConnectionPool",
    "aiohttp.ClientSession()": "aiohttp.ClientSession",
    "aiohttp.client.ClientSession()": "aiohttp.ClientSession",
    "httpx.Client()": "httpx.Client",
    "httpx.AsyncClient()": "httpx.AsyncClient",
}

_FUNCTIONS: Dict[str, TimeoutSpec] = {}
for _m in HTTP_METHODS:
    _FUNCTIONS[f"requests.{_m}"] = TimeoutSpec(f"requests.{_m}")
    _FUNCTIONS[f"requests.api.{_m}"] = TimeoutSpec(f"requests.{_m}")
for _m in HTTP_METHODS + ("stream",):
    _FUNCTIONS[f"httpx.{_m}"] = TimeoutSpec(f"httpx.{_m}", policy="not-none")
_FUNCTIONS.update(
    {
        "urllib.request.urlopen": TimeoutSpec("urllib.request.urlopen", position=2),
        "urllib3.request": TimeoutSpec("urllib3.request"),
        "http.client.HTTPConnection": TimeoutSpec("http.client.HTTPConnection", position=2),
        "http.client.HTTPSConnection": TimeoutSpec("http.client.HTTPSConnection"),
        "aiohttp.ClientSession": TimeoutSpec(
            "aiohttp.ClientSession", fixable=False,
            advice="pass `timeout=aiohttp.ClientTimeout(total=...)`; aiohttp's default waits 5 minutes",
        ),
        "aiohttp.client.ClientSession": TimeoutSpec("aiohttp.ClientSession", fixable=False,
            advice="pass `timeout=aiohttp.ClientTimeout(total=...)`; aiohttp's default waits 5 minutes"),
        "aiohttp.request": TimeoutSpec("aiohttp.request", fixable=False,
            advice="pass `timeout=aiohttp.ClientTimeout(total=...)`"),
        "httpx.Client": TimeoutSpec("httpx.Client", policy="not-none"),
        "httpx.AsyncClient": TimeoutSpec("httpx.AsyncClient", policy="not-none"),
        "smtplib.SMTP": TimeoutSpec("smtplib.SMTP", position=3),
        "smtplib.SMTP_SSL": TimeoutSpec("smtplib.SMTP_SSL"),
        "ftplib.FTP": TimeoutSpec("ftplib.FTP", position=4),
        "ftplib.FTP_TLS": TimeoutSpec("ftplib.FTP_TLS"),
        "poplib.POP3": TimeoutSpec("poplib.POP3", position=2),
        "poplib.POP3_SSL": TimeoutSpec("poplib.POP3_SSL"),
        "imaplib.IMAP4": TimeoutSpec("imaplib.IMAP4", position=2),
        "imaplib.IMAP4_SSL": TimeoutSpec("imaplib.IMAP4_SSL"),
        "socket.create_connection": TimeoutSpec("socket.create_connection", position=1),
        "xmlrpc.client.ServerProxy": TimeoutSpec(
            "xmlrpc.client.ServerProxy", keyword="transport", position=1, fixable=False,
            advice="ServerProxy has no timeout parameter: pass `transport=` a Transport subclass whose "
            "make_connection() sets a timeout",
        ),
    }
)

# Methods on known client objects: canonical client -> (method names, spec factory)
_METHODS: Dict[str, Tuple[Tuple[str, ...], TimeoutSpec]] = {
    "requests.Session": (HTTP_METHODS, TimeoutSpec("requests.Session.{m}")),
    "urllib3.PoolManager": (("request", "urlopen", "request_encode_url", "request_encode_body"),
                            TimeoutSpec("urllib3.PoolManager.{m}", ctor_covers=True)),
    "urllib3.HTTPConnectionPool": (("request", "urlopen", "request_encode_url", "request_encode_body"),
                                   TimeoutSpec("urllib3.HTTPConnectionPool.{m}", ctor_covers=True)),
    "urllib3.HTTPSConnectionPool": (("request", "urlopen", "request_encode_url", "request_encode_body"),
                                    TimeoutSpec("urllib3.HTTPSConnectionPool.{m}", ctor_covers=True)),
    # aiohttp sessions are judged at the constructor; only an explicit None on a call is flagged
    "aiohttp.ClientSession": (HTTP_METHODS + ("ws_connect",),
                              TimeoutSpec("aiohttp.ClientSession.{m}", policy="not-none", fixable=False)),
    "httpx.Client": (HTTP_METHODS + ("stream", "send"), TimeoutSpec("httpx.Client.{m}", policy="not-none")),
    "httpx.AsyncClient": (HTTP_METHODS + ("stream", "send"), TimeoutSpec("httpx.AsyncClient.{m}", policy="not-none")),
}


def timeout_spec(target: Optional[str]) -> Optional[TimeoutSpec]:
    """The timeout contract of the callable ``target`` resolves to, if it is a network client."""
    if not target:
        return None
    spec = _FUNCTIONS.get(target)
    if spec is not None:
        return spec
    receiver, _, method = target.rpartition(".")
    client = CLIENT_TYPES.get(receiver)
    if client is None:
        return None
    entry = _METHODS.get(client)
    if entry is None or method not in entry[0]:
        return None
    template = entry[1]
    return TimeoutSpec(
        template.display.format(m=method), template.policy, template.position, template.keyword,
        template.fixable, template.ctor_covers, template.advice,
    )


def timeout_argument(call: cst.Call, spec: TimeoutSpec) -> Tuple[str, Optional[cst.Arg]]:
    """How ``call`` passes a timeout: ("given"|"none"|"missing"|"unknown", the argument)."""
    arg = keyword_arg(call, spec.keyword)
    if arg is None and spec.position is not None:
        positional = positional_args(call)
        if any(a.star == "*" for a in call.args):
            return "unknown", None
        if len(positional) > spec.position:
            arg = positional[spec.position]
    if arg is not None:
        return ("none", arg) if is_none(arg.value) else ("given", arg)
    if has_star_kwargs(call):
        return "unknown", None
    return "missing", None


def constructor_sets_timeout(ctor: Optional[cst.Call]) -> bool:
    """True if a client constructor call passes a timeout (or may, through ``**kwargs``)."""
    if ctor is None:
        return False
    arg = keyword_arg(ctor, "timeout")
    if arg is not None:
        return not is_none(arg.value)
    return has_star_kwargs(ctor)
