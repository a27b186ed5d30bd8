"""Webhook receivers: handlers that an outside service calls to deliver events.

A webhook's sender reads the answer only as "received or not": a 2xx tells it to stop, anything
else makes it retry (Stripe, GitHub, Slack, payment providers all do). So a receiver that answers an
event it ignores with `{"success": False}` and the default 200 is acknowledging it, not hiding an
error, and rules about error bodies and statuses leave it alone.

A handler is a receiver when its name, class, paths or docstring say "webhook", or when its body
verifies a webhook signature: a call named `construct_event` (Stripe) or `*verify*signature*` /
`*verify*webhook*`, or a read of a request header whose name has "signature" in it.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from .._lazy import cst

_WORD = re.compile(r"web[\W_]?hooks?", re.I)
_VERIFYING = re.compile(r"^(construct_event|.*verify.*(signature|webhook).*|.*(signature|webhook).*verify.*)$", re.I)


def is_receiver(func: cst.FunctionDef, names: Iterable[Optional[str]] = ()) -> bool:
    """Whether ``func`` (with its handler/class names and paths in ``names``) receives webhooks."""
    if any(text and _WORD.search(text) for text in names) or _WORD.search(func.name.value):
        return True
    doc = func.get_docstring(clean=False)
    if doc and _WORD.search(doc):
        return True
    stack = [func.body]
    while stack:
        node = stack.pop()
        if type(node) is cst.Call:
            f = node.func
            name = f.attr.value if type(f) is cst.Attribute else f.value if type(f) is cst.Name else ""
            if _VERIFYING.match(name):
                return True
        elif type(node) is cst.SimpleString and "signature" in node.value.lower() \
                and len(node.value) < 60 and "-" in node.value:
            return True  # a header name: "stripe-signature", "X-Hub-Signature-256"
        stack.extend(_kids(node))
    return False


def _kids(node: cst.CSTNode):
    from ..walker import children

    return children(node)
