"""Two graphene-django schemas over the same models: `slow` queries per author, `fast` does not.

tests/test_graphql_runtime.py executes both against sqlite and compares the query counts with
what BL203 reports for this file.
"""
import graphene
from graphene_django import DjangoObjectType

from .models import Author, Book


class BookType(DjangoObjectType):
    class Meta:
        model = Book
        fields = ("id", "title")


class SlowAuthorType(DjangoObjectType):
    class Meta:
        model = Author
        fields = ("id", "name")

    published_books = graphene.List(BookType)

    def resolve_published_books(root, info):
        return Book.objects.filter(author=root, published=True)


class FastAuthorType(DjangoObjectType):
    class Meta:
        model = Author
        fields = ("id", "name")

    published_books = graphene.List(BookType)

    def resolve_published_books(root, info):
        return root.published_list


class SlowQuery(graphene.ObjectType):
    authors = graphene.List(SlowAuthorType)

    def resolve_authors(root, info):
        return Author.objects.all()


class FastQuery(graphene.ObjectType):
    authors = graphene.List(FastAuthorType)

    def resolve_authors(root, info):
        from django.db.models import Prefetch

        return Author.objects.prefetch_related(
            Prefetch("books", queryset=Book.objects.filter(published=True), to_attr="published_list"))


slow = graphene.Schema(query=SlowQuery)
fast = graphene.Schema(query=FastQuery)
