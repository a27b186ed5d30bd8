"""textscan: the regex-free word tests agree with the regexes they stand for."""
import re

import pytest

from backlint.textscan import has_word, search_after_boundary

TEXTS = [
    "print(x)", "x = 1\nprint", "reprint(x)", "print_all()", "_print", "blueprint.route", "日本print", "print日本",
    "fingerprint = 1\n    print (x)", "", "prin", "except ValueError as e:", "myexcept Exception as e:",
    "try:\n    pass\nexcept (A, B) as \\\n  err :\n", "except: pass", "notexcept X as e:\nexcept Y as f:",
    "myexcept except Exception as e:",
]


@pytest.mark.parametrize("text", TEXTS)
def test_has_word_is_the_word_boundary_regex(text):
    assert has_word(text, "print") == (re.search(r"\bprint\b", text) is not None)


@pytest.mark.parametrize("text", TEXTS)
def test_search_after_boundary_is_the_regex_with_a_leading_boundary(text):
    tail = r"except\b[^:]*?\bas[\s\\]+\w+[\s\\]*:"
    assert search_after_boundary(re.compile(tail), text) == (re.search(r"\b" + tail, text) is not None)


SUPPRESSION_TEXTS = [
    "x = 1  # noqa: BL101", "x = 1  # NoQA", "# Backlint : ignore[BL101]", "# backlint ignore", "backlint:",
    "print('no qa')", "", "x = 'é'  # noqa", "x = 'é'  # BACKLINT: ignore", "x = 'é'\n# backl\u0131nt: ignore",
    "# bac\u212alint: ignore[BL101]", "y = '\u0130'  # backlint", "s = '\udcff'  # noqa", "naïve = 1",
    "# backlint\u00a0: ignore", "# backlint\t\n : ignore",
]


@pytest.mark.parametrize("text", SUPPRESSION_TEXTS)
def test_suppression_candidate_is_the_regex(text):
    from backlint import suppression

    assert suppression.has_candidate(text) == (suppression._CANDIDATE.search(text) is not None)
