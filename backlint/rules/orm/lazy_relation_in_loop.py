from __future__ import annotations

from ...findings import Severity
from ...frameworks import roles
from ._nplusone import NPlusOneRule
from .query_in_loop import MARKERS


class LazyRelationInLoop(NPlusOneRule):
    """A loop over query results reads a relation that is loaded lazily, one query per row.

    ## What it does
    Follows querysets and `select()`/`session.query()` results through local assignments and
    simple helper functions (also in other modules) to the loops that iterate them, and
    reports reads of a relation of the loop variable that were not prepared:

    - Django: a `ForeignKey`/`OneToOneField`/`GenericForeignKey` read (`order.customer.name`)
      without `select_related("customer")`, a many-relation read (`post.tags.all()`,
      `.count()`, `.exists()`, reverse accessors such as `author.book_set.all()` or a
      `related_name`) without `prefetch_related("tags")` (plain names or `Prefetch()` objects);
    - SQLAlchemy (1.x `Query` and 2.0 `select()`, sync and async, SQLModel): a `relationship()`
      with the default `lazy="select"` read without `.options(joinedload(...))` /
      `selectinload(...)` / `subqueryload(...)` / `contains_eager(...)` (chained loaders too);
    - Peewee: a `ForeignKeyField` read (`tweet.user.username`) unless the query joined *and*
      selected the model (`Tweet.select(Tweet, User).join(User)`) or `prefetch()` loaded it;
    - Tortoise ORM: awaiting a foreign key or one-to-one (`await event.tournament`) unless the
      query had `prefetch_related("tournament")`/`select_related(...)`, or
      `Model.fetch_for_list(rows, ...)` filled the list.

    Rows also come from outside the function: a loop over a parameter the function never
    rebinds (`def render(orders): for o in orders: o.customer`) is checked against the
    querysets its callers pass (same file or other modules), and a DRF `SerializerMethodField`
    getter (`obj.author.name`, `obj.comments.count()`) against the querysets its serializer is
    given with `many=True` or by a list view declaring `queryset` and `serializer_class`; the
    message names that queryset. Django answers `.all()/.count()/.exists()` of a prefetched
    relation from its cache, so `prefetch_related` there is the fix.

    Methods and properties of the model called on the row (`order.label()`,
    `order.display_name`) are followed one level: a relation they read counts as read by the
    loop. Models, their relations, methods and reverse accessors come from every file of the project,
    including abstract and concrete base models in other modules; the user model named through
    `get_user_model()` or a foreign key to `settings.AUTH_USER_MODEL` is the project's one
    `AbstractUser`/`AbstractBaseUser` subclass. Rows also reach a loop through a related manager
    of one fetched object (`tag = Tag.objects.get(...)`, `for pet in tag.pets.all()`), a
    class-based view's declared `queryset` (`self.queryset`, or the framework's
    `get_queryset()` when every base is a Django/DRF class), and a row fetched with
    `get()`/`first()` inside the loop. Reading the foreign key
    column (`order.customer_id`), rows of `.values()`/`.values_list()`, and querysets from
    custom manager methods (which may prepare relations themselves) are not reported.

    Eager loading is respected wherever the ORM honours it: the query's own options; a
    relation declared eager (`lazy="joined"`/`"selectin"`/`"subquery"`/`"immediate"` or
    `lazy=False`) or silent (`"raise"`, `"noload"`, `lazy=None`, `"dynamic"`), on its own side
    or through the other side's `backref(..., lazy=...)`; and a Django default manager whose
    `get_queryset()` applies `select_related`/`prefetch_related` (own, inherited, built with
    `from_queryset()`, and beneath many relations, whose related managers use the related
    model's default manager). The message repeats `lazy=` as declared (`lazy=True`) or says it
    is the default. `save()`/`delete()`/`clean()` overrides called on the row are not followed:
    what a write reads serves the write. A relation the loop assigns by hand on its row
    (`unit.translation = translation`) is loaded, and so is what is read through it. On a
    `select_for_update()` queryset the `select_related` advice adds `of=("self",)`: PostgreSQL
    otherwise locks the joined rows as well.

    ## Why is this bad?
    The loop runs one query for the list and then one more for every row, the moment it
    touches `row.relation`: 1 + N queries instead of 1 or 2. Eager loading fetches the related
    rows with the list, by a join (`select_related`, `joinedload`) or one extra query for all
    rows (`prefetch_related`, `selectinload`).

    ## Example
    ```python
    from django.db import models


    class Customer(models.Model):
        name = models.CharField(max_length=100)


    class Order(models.Model):
        customer = models.ForeignKey(Customer, on_delete=models.CASCADE)


    def order_lines():
        return [f"{order.id}: {order.customer.name}" for order in Order.objects.all()]
    ```

    ## Use instead
    ```python
    from django.db import models


    class Customer(models.Model):
        name = models.CharField(max_length=100)


    class Order(models.Model):
        customer = models.ForeignKey(Customer, on_delete=models.CASCADE)


    def order_lines():
        orders = Order.objects.select_related("customer")
        return [f"{order.id}: {order.customer.name}" for order in orders]
    ```

    ## Known problems
    Relations read inside plain functions the loop passes the row to, Django templates and DRF
    nested serializers are not followed, nor are SQLAlchemy classical (imperative) mappings. A
    queryset received as a parameter is not reported, since the caller may have prepared it,
    and neither is a loop over rows whose relation caches the function fills by hand
    (`set_cached_value(row, ...)`, `prefetch_related_objects(rows, ...)`, a line that fills
    `_prefetched_objects_cache` naming the loop's rows).

    ## References
    - Django `select_related`: https://docs.djangoproject.com/en/stable/ref/models/querysets/#select-related
    - Django `prefetch_related`: https://docs.djangoproject.com/en/stable/ref/models/querysets/#prefetch-related
    - SQLAlchemy relationship loading: https://docs.sqlalchemy.org/en/20/orm/queryguide/relationships.html
    """

    skip_roles = roles.NOT_REQUEST_PATH
    code = "BL202"
    name = "lazy-relation-in-loop"
    category = "n-plus-one"
    severity = Severity.WARNING
    precision = "high"
    tags = ("performance", "database")
    text_markers = MARKERS
