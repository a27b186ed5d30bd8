"""Background job queues a project may already use, told from a module's text.

``queue_in(text)`` names the queue a module uses (for advice such as "hand it to Celery with
`.delay()`"), or None. Cheap text checks only: an import line or the queue's own call names.
"""
from __future__ import annotations

import re
from typing import Optional

# (pattern over the module text, display with the call to use)
_QUEUES = (
    (re.compile(r"^\s*(from|import)\s+celery\b|\bshared_task\b|\.delay\(|\.apply_async\(", re.M),
     "Celery (`task.delay(...)`)"),
    (re.compile(r"^\s*(from|import)\s+(django_rq|rq)\b|\.enqueue\(", re.M), "RQ (`queue.enqueue(...)`)"),
    (re.compile(r"^\s*(from|import)\s+dramatiq\b", re.M), "Dramatiq (`actor.send(...)`)"),
    (re.compile(r"^\s*(from|import)\s+(huey|djhuey)\b", re.M), "Huey (call the `@task` function)"),
    (re.compile(r"^\s*(from|import)\s+arq\b", re.M), "arq (`await redis.enqueue_job(...)`)"),
    (re.compile(r"\bBackgroundTasks\b"), "FastAPI `BackgroundTasks` (`background_tasks.add_task(...)`)"),
)


def queue_in(text: str) -> Optional[str]:
    for pattern, display in _QUEUES:
        if pattern.search(text):
            return display
    return None
