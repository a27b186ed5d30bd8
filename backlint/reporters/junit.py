"""JUnit XML (`--format junit`): one test suite per rule, one test case per finding, each a failure.

CI systems that render JUnit (GitLab's test report, Jenkins, Azure Pipelines) show a finding as a
failed test named ``path:line`` in the suite of its rule; a clean run is one passing test case, so
the report is never empty. Files that could not be checked are errors. Knows nothing about libcst.
"""
from __future__ import annotations

import collections
import re
from typing import TextIO
from xml.etree import ElementTree as ET

from ..baseline import SecretGuard
from ..findings import RunResult

# XML 1.0 cannot carry most control characters, even escaped: show them visibly instead
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


def render(run: RunResult, out: TextIO) -> None:
    guard = SecretGuard(run.findings)
    by_rule = collections.defaultdict(list)
    for f in run.findings:
        by_rule[(f.code, f.name)].append(f)
    root = ET.Element("testsuites", name="backlint", tests=str(max(1, len(run.findings)) + len(run.errors)),
                      failures=str(len(run.findings)), errors=str(len(run.errors)))
    if not run.findings and not run.errors:
        suite = ET.SubElement(root, "testsuite", name="backlint", tests="1", failures="0", errors="0")
        ET.SubElement(suite, "testcase", name=f"{run.files_checked} files checked", classname="backlint")
    for (code, name), findings in sorted(by_rule.items()):
        suite = ET.SubElement(root, "testsuite", name=f"{code} {name}", tests=str(len(findings)),
                              failures=str(len(findings)), errors="0")
        for f in findings:
            case = ET.SubElement(suite, "testcase", name=_xml_text(f"{f.path}:{f.start_line}:{f.start_column}"),
                                 classname=f"backlint.{code}", file=_xml_text(f.path), line=str(f.start_line))
            message = _xml_text(guard.redact(f.message, f))
            failure = ET.SubElement(case, "failure", message=message, type=f"{code} {name} ({f.severity.value})")
            failure.text = f"{f.path}:{f.start_line}:{f.start_column}: {code} [{name}] {message}"
    if run.errors:
        suite = ET.SubElement(root, "testsuite", name="backlint errors", tests=str(len(run.errors)),
                              failures="0", errors=str(len(run.errors)))
        for error in run.errors:
            case = ET.SubElement(suite, "testcase", name=_xml_text(error.path or "backlint"), classname="backlint.errors")
            err = ET.SubElement(case, "error", message=_xml_text(guard.redact_in(error.describe(), error.path)),
                                type=error.kind)
            err.text = _xml_text(guard.redact_in(error.describe(), error.path))
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")
