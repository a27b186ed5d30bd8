"""The N+1 analysis shared by BL201 (query-in-loop) and BL202 (lazy-relation-in-loop).

One pass per file, run once and cached on the file context whichever of the two rules asks first:

* a light abstract interpretation of each function body (and of the module body) that tracks,
  per local name, whether it holds a Django queryset, an SQLAlchemy statement / Query / result,
  a session, a DB-API cursor, or a model instance bound by a loop over one of those;
* per loop (``for``/``async for``/``while``/comprehension, and SerializerMethodField getters,
  which run once per serialized object), the queries executed per iteration ("hits"), the calls
  to functions that may query, and the attribute chains read from the loop variable;
* facts about models (relation fields, bases, declared loading strategy) and functions (do they
  query, whom they call, which queryset they return).

Whatever can be decided from this file alone is reported in the file; what needs another file
(a model, a base class, a reverse accessor or a function defined elsewhere) is kept as facts and
decided by ``check_project`` with the project index. A given read or call is decided in exactly
one of the two places, so a loop is never reported twice.

Where each part lives (``backlint/rules/orm/``):

* ``values``: the abstract values (``Src``, ``Inst``...) and the events recorded per loop;
* ``analysis``: the per-file driver (``Analysis``), local decisions and the facts it keeps;
* ``models``: what a model is (relation fields, managers, serializer method fields, method reads);
* ``function_pass`` with its mixins ``statements`` (blocks, loops), ``expressions``, ``effects``
  (what is recorded) and ``querysets`` (what evaluates or prepares a query);
* ``eager``: eager loading (``options()`` loaders, managers' ``get_queryset()``);
* ``index``: relation resolution; ``helpers``: project functions that query, write or return
  querysets; ``project_pass``: the cross-file pass; ``messages``: finding texts;
* ``auth_user`` (the user model behind ``get_user_model()``), ``view_querysets`` (a view's
  declared ``queryset``), ``priming`` (relation caches filled by hand);
* ``_loops`` (loop classification), ``_writes`` (what a write is), ``_managers`` (manager facts).
"""
from __future__ import annotations

from typing import Any, Dict, Iterator

from ..._lazy import cst
from ...project import ProjectReport
from ...rule import Rule
from .analysis import Analysis, analysis_for
from .project_pass import FACTS_KEY, project_reports

__all__ = ["Analysis", "NPlusOneRule", "analysis_for", "project_reports"]


class NPlusOneRule(Rule):
    """Shared by BL201 and BL202: both read the one analysis per file and its facts.

    The class has no code, so the registry does not list it; the two rules set theirs.
    """

    facts_key = FACTS_KEY

    def visit_Module(self, node: cst.Module) -> None:
        analysis = analysis_for(self.ctx)
        self.ctx.reports.extend(analysis.local_reports[self.code])
        self._facts = analysis.facts

    def facts(self) -> Any:
        return getattr(self, "_facts", None)

    @classmethod
    def check_project(cls, index, options: Dict[str, Any]) -> Iterator[ProjectReport]:
        yield from project_reports(index, cls.code)
