"""Findings can carry related locations (issue #14: BL103 lists every database call of a handler):
``related`` in JSON and the cache, ``relatedLocations`` in SARIF, nothing for other findings."""
from __future__ import annotations

from conftest import lint_source

from backlint.findings import Finding, RunResult
from backlint.reporters.sarif import to_sarif

SOURCE = (
    "from fastapi import APIRouter, Depends\nfrom sqlalchemy.orm import Session\n"
    "router = APIRouter()\n"
    "@router.post('/orders')\n"
    "def create_order(session: Session = Depends(get_session)):\n"
    "    session.add(Order())\n"
    "    session.execute(update(Stock))\n"
    "    session.commit()\n"
    "    return {}\n"
    "@router.get('/getThings')\n"
    "def things():\n"
    "    return []\n"
)


def _findings(code):
    return [f for f in lint_source(SOURCE, ["BL101", "BL103"], path="api.py").findings if f.code == code]


def test_one_bl103_finding_lists_every_database_call():
    (finding,) = _findings("BL103")
    assert finding.start_line == 6
    assert [(r.start_line, r.message) for r in finding.related] == [
        (6, "database write `session.add()`"),
        (7, "database write `session.execute()`"),
        (8, "transaction commit `session.commit()`"),
    ]
    data = finding.to_dict()
    assert [r["start_line"] for r in data["related"]] == [6, 7, 8]
    assert Finding.from_cache(finding.path, finding.to_cache()) == finding


def test_findings_without_related_locations_keep_their_shape():
    (finding,) = _findings("BL101")
    assert finding.related == () and "related" not in finding.to_dict()


def test_sarif_related_locations():
    findings = _findings("BL103") + _findings("BL101")
    log = to_sarif(RunResult(findings=findings, files_checked=1), [])
    results = {r["ruleId"]: r for r in log["runs"][0]["results"]}
    related = results["BL103"]["relatedLocations"]
    assert [(loc["id"], loc["physicalLocation"]["region"]["startLine"], loc["message"]["text"]) for loc in related] \
        == [(1, 6, "database write `session.add()`"), (2, 7, "database write `session.execute()`"),
            (3, 8, "transaction commit `session.commit()`")]
    assert "relatedLocations" not in results["BL101"]
