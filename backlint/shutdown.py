"""How a run with worker processes stops: on a signal to the parent, and when the parent dies.

The pool (runner.py) enters ``StopOnSignals`` while it runs, so SIGTERM (CI runners, ``timeout``,
``docker stop``), SIGINT and SIGHUP raise :class:`Interrupted`; the pool's ``finally`` kills the
workers and the CLI exits 128 + the signal number. Each worker calls ``exit_with_parent`` first,
so it never outlives a parent killed by SIGKILL.
"""
from __future__ import annotations

import os


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal (SIGTERM, SIGINT, SIGHUP); the CLI exits 128 + signum."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def exit_with_parent(parent: int) -> None:
    """Make this worker end when the parent process does, even by SIGKILL.

    Linux: the kernel sends SIGKILL at the parent's death (PR_SET_PDEATHSIG). Everywhere: a
    thread polls the parent's pid, and an idle worker sees end-of-file on its pipe.
    """
    import signal
    import sys
    import threading
    import time

    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover - no libc
            pass
    if os.getppid() != parent:  # died before the kernel was told
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="backlint-parent-watch", daemon=True).start()


class StopOnSignals:
    """While the pool runs, SIGTERM, SIGINT and SIGHUP stop it: the workers are killed (in the
    pool's ``finally``) and :class:`Interrupted` reaches the CLI."""

    def __enter__(self) -> "StopOnSignals":
        import signal

        self.previous = {}
        for name in ("SIGTERM", "SIGINT", "SIGHUP"):
            sig = getattr(signal, name, None)
            if sig is None:
                continue
            try:
                self.previous[sig] = signal.signal(sig, self._stop)
            except (ValueError, OSError):  # not the main thread: leave signals alone
                pass
        return self

    @staticmethod
    def _stop(signum, frame) -> None:
        raise Interrupted(signum)

    def __exit__(self, *exc) -> None:
        import signal

        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
