"""Cheap tests of a file's text, for rules' pre-filters.

A regular expression that starts with ``\\b`` or an alternation is tried by ``re`` at every
position of the text, which on a file of a few hundred kilobytes costs milliseconds; one that
starts with a literal is found by a fast substring search first. These helpers keep the literal
first and check the word boundary before it in Python, at the few places the literal occurs.
"""
from __future__ import annotations

import re


def _word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"  # what ``\\w`` matches in a str pattern


def has_word(text: str, word: str) -> bool:
    """``re.search(rf"\\b{word}\\b", text)`` for a word of word characters, without the regex."""
    size, end_of_text = len(word), len(text)
    at = text.find(word)
    while at >= 0:
        end = at + size
        if (at == 0 or not _word_char(text[at - 1])) and (end >= end_of_text or not _word_char(text[end])):
            return True
        at = text.find(word, end)
    return False


def search_after_boundary(pattern: "re.Pattern[str]", text: str) -> bool:
    """``re.search(r"\\b" + pattern.pattern, text)`` for a pattern that starts with a word
    character: matches of ``pattern`` are tried from every place it starts, and one counts only
    where no word character comes before it."""
    found = pattern.search(text)
    while found is not None:
        at = found.start()
        if at == 0 or not _word_char(text[at - 1]):
            return True
        found = pattern.search(text, at + 1)
    return False
