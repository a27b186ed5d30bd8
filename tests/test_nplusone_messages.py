"""N+1 messages say what the code declares: `lazy=` as written, and never "lazy-loads" for a
relation the declaration makes eager."""
from __future__ import annotations

import textwrap

from conftest import lint_source

MODELS = """
from sqlalchemy import Column, ForeignKey, Integer
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


class Team(Base):
    __tablename__ = "teams"
    id = Column(Integer, primary_key=True)
    members = relationship("Member"{lazy})


class Member(Base):
    __tablename__ = "members"
    id = Column(Integer, primary_key=True)
    team_id = Column(Integer, ForeignKey("teams.id"))


def rosters(session):
    for team in session.query(Team).all():
        print(len(team.members))
"""


def messages(lazy: str):
    result = lint_source(textwrap.dedent(MODELS.format(lazy=lazy)), ["BL202"])
    return [f.message for f in result.findings if f.code == "BL202"]


def test_lazy_true_is_printed_as_written():
    (msg,) = messages(", lazy=True")
    assert "`lazy=True`" in msg
    assert 'lazy="True"' not in msg


def test_lazy_string_is_printed_as_written():
    (msg,) = messages(', lazy="select"')
    assert '`lazy="select"`' in msg


def test_default_lazy_is_called_the_default():
    (msg,) = messages("")
    assert 'default `lazy="select"`' in msg


def test_eager_spellings_are_not_reported():
    for lazy in (", lazy=False", ', lazy="joined"', ', lazy="selectin"', ', lazy="subquery"',
                 ', lazy="immediate"', ", lazy=None", ', lazy="raise"'):
        assert messages(lazy) == [], lazy


LOCKED = """
from django.db import models, transaction


class Event(models.Model):
    name = models.CharField(max_length=40)


class Seat(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE)
    taken = models.BooleanField(default=False)


def names(ids):
    with transaction.atomic():
        for seat in Seat.objects.{chain}.filter(pk__in=ids):
            print(seat.event.name)
"""


def _locked_messages(chain: str):
    result = lint_source(textwrap.dedent(LOCKED.format(chain=chain)), ["BL202"])
    return [f.message for f in result.findings if f.code == "BL202"]


def test_select_related_on_a_locked_queryset_names_of_self():
    # PostgreSQL's FOR UPDATE locks the joined rows too unless `of=("self",)` limits it
    (msg,) = _locked_messages("select_for_update()")
    assert '.select_related("event")' in msg
    assert 'select_for_update(of=("self",))' in msg


def test_select_related_without_a_lock_does_not_mention_of():
    (msg,) = _locked_messages("all()")
    assert '.select_related("event")' in msg
    assert "of=" not in msg


LOOP_INVARIANT = """
from django.db import models


class Flag(models.Model):
    name = models.CharField(max_length=40)


def get_default_flag():
    return Flag.objects.filter(name="default").first()


def report(items, wanted):
    for item in items:
        print(Flag.objects.filter(name=wanted).count(), item)
        print(get_default_flag())
        print(Flag.objects.filter(name=item).count())
"""


def test_a_query_that_does_not_change_with_the_loop_is_advised_to_run_once():
    result = lint_source(textwrap.dedent(LOOP_INVARIANT), ["BL201"])
    by_line = {f.start_line: f.message for f in result.findings if f.code == "BL201"}
    assert set(by_line) == {15, 16, 17}
    assert "runs the same query on every iteration" in by_line[15] and "run it once before the loop" in by_line[15]
    assert "with the same arguments" in by_line[16] and "call it once before the loop" in by_line[16]
    # the query that follows the loop variable keeps the batching advice
    assert "same" not in by_line[17] and "values(...).annotate(Count(...))" in by_line[17]


WORK_PER_ITEM = """
from django.db import models


class Flag(models.Model):
    name = models.CharField(max_length=40)


def default_flag():
    return Flag.objects.filter(name="default").first()


def check_named(name):
    if Flag.objects.filter(name=name).exists():
        raise ValueError(name)


def get_flag(name):
    return Flag.objects.filter(name=name).first()


def report(items):
    for item in items:
        print(default_flag())
        check_named(item)
        print(get_flag(item))
"""


def test_a_call_named_for_work_is_bl205_and_its_advice_is_conditional():
    result = lint_source(textwrap.dedent(WORK_PER_ITEM), ["BL201", "BL205"])
    by_line = {(f.start_line, f.code): f.message for f in result.findings}
    assert set(by_line) == {(24, "BL205"), (25, "BL205"), (26, "BL201")}
    same, work, lookup = by_line[24, "BL205"], by_line[25, "BL205"], by_line[26, "BL201"]
    assert "with the same arguments" in same and "if what it reads does not change" in same
    assert "`check_named()` runs a database query" in work and "Flag.objects.filter(name=name).exists()" in work
    assert "If what it reads can be read for all items at once" in work and "can stay" in work
    assert "load what it needs for all items with one query before the loop" in lookup
    # BL201 alone does not report the two calls named for work
    alone = lint_source(textwrap.dedent(WORK_PER_ITEM), ["BL201"])
    assert {(f.start_line, f.code) for f in alone.findings} == {(26, "BL201")}
