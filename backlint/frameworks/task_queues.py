"""Background job queues a project may already use, told from a module's text.

``queue_in(text)`` names the queue a module uses (for advice such as "hand it to Celery with
`.delay()`"), or None. Cheap text checks only: an import line or the queue's own call names.
"""
from __future__ import annotations

import re
from typing import Optional

# (a word that must occur first, pattern over the module text, display with the call to use)
_QUEUES = (
    ("celery", re.compile(r"^[ \t]*(from|import)[ \t]+celery\b", re.M), "Celery (`task.delay(...)`)"),
    ("shared_task", re.compile(r"\bshared_task\b"), "Celery (`task.delay(...)`)"),
    (".delay(", None, "Celery (`task.delay(...)`)"),
    (".apply_async(", None, "Celery (`task.delay(...)`)"),
    ("rq", re.compile(r"^[ \t]*(from|import)[ \t]+(django_rq|rq)\b", re.M), "RQ (`queue.enqueue(...)`)"),
    (".enqueue(", None, "RQ (`queue.enqueue(...)`)"),
    ("dramatiq", re.compile(r"^[ \t]*(from|import)[ \t]+dramatiq\b", re.M), "Dramatiq (`actor.send(...)`)"),
    ("huey", re.compile(r"^[ \t]*(from|import)[ \t]+(huey|djhuey)\b", re.M), "Huey (call the `@task` function)"),
    ("arq", re.compile(r"^[ \t]*(from|import)[ \t]+arq\b", re.M), "arq (`await redis.enqueue_job(...)`)"),
    ("BackgroundTasks", None, "FastAPI `BackgroundTasks` (`background_tasks.add_task(...)`)"),
)


def queue_in(text: str) -> Optional[str]:
    for word, pattern, display in _QUEUES:
        if word in text and (pattern is None or pattern.search(text)):
            return display
    return None
