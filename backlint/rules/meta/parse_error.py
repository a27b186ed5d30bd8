from __future__ import annotations

from ...findings import Severity
from ...rule import Rule


class ParseError(Rule):
    """The file could not be decoded or parsed, so no other rule could check it.

    ## What it does
    Reports a file that is not valid Python for the parser (a syntax error, Python 2 code, an
    unfinished edit), or whose bytes cannot be decoded with its declared encoding. The finding is
    placed at the line and column where the parser gave up.

    ## Why is this bad?
    Every other rule skips a file it cannot parse, so a broken file silently hides its own
    problems. Other files are still checked.

    ## Example
    ```python
    def handler(request:
        return request
    ```

    ## Use instead
    ```python
    def handler(request):
        return request
    ```
    """

    code = "BL000"
    name = "parse-error"
    category = "parse-error"
    severity = Severity.ERROR
    precision = "very-high"
    engine_emitted = True
