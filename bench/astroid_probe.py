#!/usr/bin/env python3
"""Would astroid pay for the N+1 wrapper cases? (issue #14, "astroid")

For one corpus application: run the N+1 analysis (BL201/BL202, in-process, -j1) and record every
``for`` loop whose iterable it could not classify (not a query, not rows of a query) while the
body reads a two-level chain from the loop variable (``row.a.b``: what an N+1 read looks like).
Then ask astroid, for exactly those iterables, what they infer to, and count the loops where it
names a queryset / query / result / model instances (the cases astroid could add). Prints the
counts and the seconds astroid spent (parsing those files + inferring those expressions).

  python bench/astroid_probe.py lemur-1.9.3        # astroid installed in the same environment
"""
import collections
import os
import re
import sys
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / ".corpus" / "src"
_QUERY_CLASSES = {"QuerySet", "Manager", "BaseManager", "Query", "Select", "Result", "ScalarResult",
                  "ChunkedIteratorResult", "AppenderQuery"}
_MODEL_BASES = {"django.db.models.base.Model", "sqlalchemy.orm.decl_api.DeclarativeBase",
                "flask_sqlalchemy.model.Model", "sqlmodel.main.SQLModel"}


def unknown_loops(app_dir: Path):
    """{path: [line, ...]} of loops the N+1 analysis could not classify (see the docstring)."""
    from backlint.cli import main as cli
    from backlint.rules.orm import analysis as an
    from backlint.rules.orm import statements as st
    from backlint.rules.orm.values import Inst, Src

    found = collections.defaultdict(list)
    pending = []
    orig_for, orig_finish = st.Statements.run_for, an.Analysis.finish

    def run_for(self, stmt):
        value = self.ev(stmt.iter)  # evaluated twice: fine for a probe (records nothing new)
        if self.record and not isinstance(value, (Src, Inst)) and hasattr(stmt.target, "value"):
            name = stmt.target.value
            body = self.a.module.code_for_node(stmt.body)
            if isinstance(name, str) and re.search(r"\b" + re.escape(name) + r"\.[a-z_]\w*\.[a-z_]\w*", body):
                pending.append((self.a, stmt))
        return orig_for(self, stmt)

    def finish(self):
        orig_finish(self)
        mine = [s for a, s in pending if a is self]
        if mine:
            pos = self.ctx.locate(mine)
            for s in mine:
                if id(s) in pos:
                    found[os.path.abspath(self.ctx.path)].append(pos[id(s)][0])
        pending[:] = [(a, s) for a, s in pending if a is not self]

    st.Statements.run_for, an.Analysis.finish = run_for, finish
    os.chdir(app_dir)
    start = time.process_time()
    try:
        cli(["check", ".", "--isolated", "--no-cache", "--select", "BL201,BL202", "--exit-zero", "-q",
             "-j", "1", "-o", os.devnull])
    except SystemExit:
        pass
    return found, time.process_time() - start


def classify(value) -> bool:
    import astroid
    from astroid import nodes

    def is_model_class(cls) -> bool:
        try:
            return any(a.qname() in _MODEL_BASES for a in cls.ancestors())
        except Exception:
            return False

    if isinstance(value, astroid.Instance):
        cls = value._proxied
        names = {cls.name} | {a.name for a in cls.ancestors()} if isinstance(cls, nodes.ClassDef) else set()
        return bool(names & _QUERY_CLASSES) or (isinstance(cls, nodes.ClassDef) and is_model_class(cls))
    if isinstance(value, (nodes.List, nodes.Tuple, nodes.Set)):
        for el in value.elts[:3]:
            try:
                if any(classify(v) for v in el.infer()):
                    return True
            except Exception:
                continue
    return False


def main() -> None:
    app = sys.argv[1]
    found, ours = unknown_loops(CORPUS / app)
    import astroid
    from astroid import nodes

    loops = sum(len(v) for v in found.values())
    known = errors = 0
    start = time.process_time()
    for path, lines in found.items():
        try:
            module = astroid.MANAGER.ast_from_file(path)
        except Exception:
            errors += len(lines)
            continue
        wanted = set(lines)
        for node in module.nodes_of_class(nodes.For):
            if node.lineno not in wanted:
                continue
            try:
                if any(classify(v) for v in node.iter.infer()):
                    known += 1
            except Exception:
                errors += 1
    spent = time.process_time() - start
    print(f"{app}: backlint N+1 run {ours:.1f} s CPU; {loops} unclassified loops reading row.a.b in "
          f"{len(found)} files; astroid names a query/rows for {known}, fails on {errors}; "
          f"astroid {spent:.1f} s CPU for those files and expressions")


if __name__ == "__main__":
    main()
