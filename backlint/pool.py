"""The worker pool: a few files per message to each forked worker, with a per-file deadline.

A worker that crashes (the native parser can) or overruns ``file-timeout`` on a file is killed
and replaced; that file is reported, the rest of its batch goes back to the queue, and every
other file is still checked. Imports no libcst (the parent built the linter before forking).
"""
from __future__ import annotations

import os
from typing import Any, Callable, List, Optional

from .config import Settings
from .discovery import display_path
from .findings import FileResult, InternalError
from .shutdown import StopOnSignals, exit_with_parent


# parent ends of the pipes of live workers: a forked worker closes its copies, so that when the
# parent dies every worker's pipe reaches end-of-file (a copy in a sibling kept them open)
_LIVE: List[Any] = []

# at most this many files per message to a worker; fewer near the end of the run, so that the
# last files are shared between the workers
BATCH = 8


class _Worker:
    def __init__(self, context, settings: Settings, fix: bool, diff: bool) -> None:
        parent, child = context.Pipe()
        forked = context.get_start_method() == "fork"
        inherited = [c.fileno() for c in _LIVE] + [parent.fileno()] if forked else []
        self.process = context.Process(target=_worker_main, args=(child, settings, fix, diff, inherited,
                                                                  os.getpid()), daemon=True)
        self.process.start()
        child.close()
        _LIVE.append(parent)
        self.conn = parent
        self.batch: List[int] = []  # indices of the files sent and not answered yet, in order
        self.started = 0.0  # when the worker started on the first of them

    @property
    def index(self) -> Optional[int]:
        """The file the worker is checking now (None: idle)."""
        return self.batch[0] if self.batch else None

    def give(self, indices: List[int], paths: List[str]) -> None:
        import time

        self.batch = list(indices)
        self.started = time.monotonic()
        self.conn.send(paths)

    def answered(self) -> int:
        """The first file of the batch is done; the next one starts now."""
        import time

        self.started = time.monotonic()
        return self.batch.pop(0)

    def stop(self, kill: bool = False) -> None:
        try:
            if kill:
                self.process.kill()
            else:
                self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(timeout=5)
        if self.process.exitcode is None:  # did not stop when asked: it must not outlive the run
            self.process.kill()
            self.process.join(timeout=5)
        if self.conn in _LIVE:
            _LIVE.remove(self.conn)
        self.conn.close()


def _worker_main(conn, settings: Settings, fix: bool, diff: bool, inherited: List[int], parent: int) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)  # not the parent's handler, inherited through fork
    for fd in inherited:
        try:
            os.close(fd)
        except OSError:
            pass
    exit_with_parent(parent)
    from .engine import check_chunk, init_worker

    init_worker(settings, inherited=True)  # after fork: the parent's linter, already built
    while True:
        try:
            paths = conn.recv()
        except (EOFError, OSError):
            return
        if paths is None:
            return
        for path in paths:  # one answer per file: the parent times and reports each file
            conn.send(check_chunk(([path], fix, diff))[0])


def run_pool(files: List[str], settings: Settings, fix: bool, diff: bool, jobs: int,
          progress: Optional[Callable[[int, int], None]] = None) -> List[FileResult]:
    """A few files per message to each worker process, with a per-file deadline.

    A worker that crashes (the native parser can) or overruns ``file-timeout`` on a file is
    killed and replaced; that file is reported, the rest of its batch goes back to the queue, and
    every other file is still checked. Results come back in the order of ``files`` whatever the
    scheduling, so output is identical to ``-j 1``.
    """
    import multiprocessing

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    with StopOnSignals():
        return _pool_run(context, files, settings, fix, diff, jobs, progress)


def _pool_run(context, files: List[str], settings: Settings, fix: bool, diff: bool, jobs: int,
              progress: Optional[Callable[[int, int], None]]) -> List[FileResult]:
    import time
    from multiprocessing.connection import wait

    results: List[Optional[FileResult]] = [None] * len(files)
    queue = list(range(len(files) - 1, -1, -1))  # pop() from the end: files in order
    workers: List[_Worker] = []
    timeout = settings.file_timeout

    done = [0]

    def record(index: int, result: FileResult) -> None:
        results[index] = result
        done[0] += 1
        if progress is not None:
            progress(done[0], len(files))

    def feed(worker: _Worker) -> None:
        size = max(1, min(BATCH, len(queue) // (4 * len(workers) or 1)))
        indices = [queue.pop() for _ in range(min(size, len(queue)))]
        if indices:
            worker.give(indices, [files[i] for i in indices])
        else:
            worker.batch = []

    def replace(worker: _Worker) -> _Worker:
        queue.extend(reversed(worker.batch[1:]))  # the rest of its batch: checked by another
        worker.batch = []
        worker.stop(kill=True)
        fresh = _Worker(context, settings, fix, diff)
        workers[workers.index(worker)] = fresh
        return fresh

    try:
        for _ in range(min(jobs, len(files))):
            workers.append(_Worker(context, settings, fix, diff))
        for worker in workers:
            feed(worker)
        while any(w.index is not None for w in workers):
            busy = [w for w in workers if w.index is not None]
            now = time.monotonic()
            wait_for = max(0.0, min(w.started + timeout for w in busy) - now)
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=wait_for)
            now = time.monotonic()
            for worker in busy:
                index = worker.index
                assert index is not None
                shown = display_path(files[index])
                if worker.conn in ready or worker.conn.poll():
                    try:
                        while worker.batch and worker.conn.poll():
                            result = worker.conn.recv()
                            record(worker.answered(), result)
                        if not worker.batch:
                            feed(worker)
                        continue
                    except (EOFError, OSError):
                        pass  # died while answering: handled as a crash below
                    index = worker.index
                    if index is None:
                        continue
                    shown = display_path(files[index])
                if worker.conn in ready or worker.process.sentinel in ready:
                    worker.process.join(timeout=1)
                    code = worker.process.exitcode
                    crashed = FileResult(shown)
                    crashed.errors.append(InternalError(
                        shown, f"the worker checking this file died (exit code {code}); "
                        "the file was not checked; please report this file to backlint"))
                    record(index, crashed)
                    feed(replace(worker))
                elif now - worker.started >= timeout:
                    late = FileResult(shown)
                    late.skipped = f"skipped: checking took longer than file-timeout ({timeout:g} s)"
                    record(index, late)
                    feed(replace(worker))
    finally:
        for worker in workers:
            worker.stop(kill=any(r is None for r in results))
    return [r for r in results if r is not None]
