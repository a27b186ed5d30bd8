from typing import List

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, joinedload, mapped_column, relationship, selectinload


class Base(DeclarativeBase):
    pass


class Writer(Base):
    __tablename__ = "writers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    articles: Mapped[List["Article"]] = relationship(back_populates="writer")


class Article(Base):
    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(primary_key=True)
    writer_id: Mapped[int] = mapped_column(ForeignKey("writers.id"))
    writer: Mapped[Writer] = relationship(back_populates="articles")
    notes: Mapped[List["Note"]] = relationship(lazy="selectin")


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))


def article_counts_lazy(session: Session):
    return {w.id: len(w.articles) for w in session.scalars(select(Writer))}


def article_counts_selectin(session: Session):
    stmt = select(Writer).options(selectinload(Writer.articles))
    return {w.id: len(w.articles) for w in session.scalars(stmt)}


def writer_names_lazy(session: Session):
    out = []
    for article in session.scalars(select(Article).order_by(Article.id)).all():
        out.append(article.writer.name)
    return out


def writer_names_joined(session: Session):
    out = []
    for article in session.scalars(select(Article).options(joinedload(Article.writer))).all():
        out.append(article.writer.name)
    return out


def note_counts_declared_eager(session: Session):
    return [len(a.notes) for a in session.scalars(select(Article))]


def writers_each(session: Session, ids):
    return [session.get(Writer, i).name for i in ids]


def writers_in_one_query(session: Session, ids):
    by_id = {w.id: w for w in session.scalars(select(Writer).where(Writer.id.in_(ids)))}
    return [by_id[i].name for i in ids]


def legacy_query_each(session: Session, ids):
    return [session.query(Article).filter(Article.writer_id == i).count() for i in ids]
