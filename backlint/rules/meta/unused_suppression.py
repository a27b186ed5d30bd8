from __future__ import annotations

from ...findings import Severity
from ...rule import Rule


class UnusedSuppression(Rule):
    """A suppression comment that suppresses nothing, or names no rule or an unknown rule.

    ## What it does
    Checks every `# backlint: ignore[...]`, `# backlint: ignore-file[...]` and `# noqa: BL...`
    comment after the file has been checked, and reports the ones that silenced no finding of an
    enabled rule, name a rule that does not exist, or name no rule at all.

    ## Why is this bad?
    A stale suppression hides the next real problem on that statement, and a suppression that
    names no rule silences everything. Keeping suppressions precise keeps the linter trustworthy.
    Suppressions of rules that are not enabled in this run are left alone.

    ## Example
    ```python
    import requests

    requests.get(URL, timeout=5)  # backlint: ignore[missing-timeout]
    ```

    ## Use instead
    ```python
    import requests

    requests.get(URL, timeout=5)
    ```
    """

    code = "BL001"
    name = "unused-suppression"
    category = "suppression"
    severity = Severity.WARNING
    precision = "very-high"
    engine_emitted = True
