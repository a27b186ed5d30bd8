"""The advice and message texts of the migration hazards (what to do instead)."""
from __future__ import annotations

from typing import Sequence


def _data_schema_message(what: str, tables: Sequence[str], unit: str, django: bool) -> str:
    names = ", ".join(f"`{t}`" for t in tables)
    split = ("Move the data migration into its own migration (or set `atomic = False`)" if django
             else "Move the backfill into its own revision, or run it in batches inside "
                  "`with op.get_context().autocommit_block():`")
    return (f"{what} writes rows of {names} in the same transaction as this {unit}'s schema changes to it: the locks "
            "taken by ALTER TABLE are held until the data change commits, blocking the table for its whole duration, "
            f"and a failure rolls both back. {split}.")


DROP_ADVICE = {
    "django": "Stop using it in a release that is deployed first, then drop it in a later migration "
              "(expand/contract); `SeparateDatabaseAndState(state_operations=[...])` removes it from Django's state "
              "without touching the table.",
    "alembic": "Stop using it (remove it from the models) in a release that is deployed first, then drop it in a "
               "later revision (expand/contract).",
}
RENAME_ADVICE = ("Expand/contract instead: add the new name, write to both, backfill, switch reads, then drop the "
                 "old one in a later release.")
TYPE_ADVICE = ("Add a column of the new type, backfill it in batches, switch reads and writes to it, then drop the old "
               "column.")
UNIQUE_ADVICE = ("Build a unique index CONCURRENTLY first (non-atomic migration), then attach it with "
                 "`ALTER TABLE ... ADD CONSTRAINT ... UNIQUE USING INDEX`.")
NOT_NULL_ADVICE = {
    "django": "Add `CheckConstraint(condition=Q(<field>__isnull=False))` with `AddConstraintNotValid`, run "
              "`ValidateConstraint` in a later migration, then make the field NOT NULL (PostgreSQL 12+ uses the "
              "validated check and skips the scan).",
    "alembic": "Add `CHECK (<column> IS NOT NULL) NOT VALID`, `VALIDATE CONSTRAINT` it in a later revision, then set "
               "NOT NULL (PostgreSQL 12+ uses the validated check and skips the scan) and drop the check.",
}
