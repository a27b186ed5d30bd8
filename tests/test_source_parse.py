"""source.parse builds the tree without libcst's node validation, and only while it parses."""
import libcst as cst
import pytest

from backlint import source


@pytest.fixture
def name_validations(monkeypatch):
    calls = []
    original = cst.Name._validate

    def counted(self):
        calls.append(self.value)
        return original(self)

    monkeypatch.setattr(cst.Name, "_validate", counted)
    return calls


def test_libcst_validates_parsed_nodes_by_default(name_validations):
    cst.parse_module("total = price * count\n")
    assert {"total", "price", "count"} <= set(name_validations)


def test_parse_skips_validation_and_gives_the_same_tree(name_validations):
    text = "def f(a, *, b=(1)):\n    return [a for a in b if a]  # note\n"
    module = source.parse(text)
    assert name_validations == []
    assert module.code == text
    assert module.deep_equals(cst.parse_module(text))


def test_validation_is_back_after_a_parse_and_after_a_failed_one():
    source.parse("x = 1\n")
    with pytest.raises(source.SourceError):
        source.parse("def (:\n")
    assert cst.CSTNode.__post_init__ is source._VALIDATE
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not an identifier")  # a node built for a fix is still checked


def test_nested_parses_keep_it_off_until_the_last_ends(monkeypatch, name_validations):
    started = []
    real = cst.parse_module

    def parse_twice(text):
        if not started:
            started.append(text)
            source.parse("inner_name = 1\n")  # as a second thread would, while this one parses
            assert cst.CSTNode.__post_init__ is source._no_validation
        return real(text)

    monkeypatch.setattr(source.cst, "parse_module", parse_twice)
    source.parse("outer_name = 2\n")
    assert name_validations == []
    assert cst.CSTNode.__post_init__ is source._VALIDATE
