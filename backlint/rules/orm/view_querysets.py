"""The queryset a class-based view declares: ``queryset = Model.objects...`` in the class body,
which ``self.queryset`` reads and a framework ``get_queryset()`` returns (Django's
``MultipleObjectMixin``/``SingleObjectMixin``, DRF's ``GenericAPIView``: ``queryset.all()``).

Only for classes whose bases are all framework classes: a project base class may override
``get_queryset()`` (and prepare relations there), which this file cannot see.
"""
from __future__ import annotations

from typing import Optional

from ..._lazy import cst

_FRAMEWORK_PREFIXES = ("django.", "rest_framework.", "rest_framework_")


def declared_queryset(analysis, cls: str) -> Optional[cst.BaseExpression]:
    """The expression assigned to ``queryset`` in the body of class ``cls`` of this file."""
    node = analysis.classes.get(cls)
    if node is None or type(node.body) is not cst.IndentedBlock or not node.bases:
        return None
    for arg in node.bases:
        q = analysis.ctx.qualified_name(arg.value)
        if not q or not q.startswith(_FRAMEWORK_PREFIXES):
            return None
    for item in node.body.body:
        if type(item) is not cst.SimpleStatementLine:
            continue
        for small in item.body:
            if (type(small) is cst.Assign and len(small.targets) == 1
                    and type(small.targets[0].target) is cst.Name
                    and small.targets[0].target.value == "queryset"):
                return small.value
    return None
