"""Line breaks as libcst and CPython count them (CR LF, CR, LF), and where each line starts."""
from __future__ import annotations

import re
from typing import List

NEWLINE_RE = re.compile(r"\r\n?|\n")


def line_starts(text: str) -> List[int]:
    """Offsets of the first character of every line (line 1 at index 0)."""
    starts = [0]
    starts.extend(m.end() for m in NEWLINE_RE.finditer(text))
    return starts
