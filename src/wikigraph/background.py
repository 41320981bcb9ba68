"""Run a function in a forked process while the caller does other work, where that is safe.

Takes a function and its arguments; returns a :class:`Job` whose :meth:`Job.result` gives
the function's return value. On Linux, when the process runs no other thread, the work
happens in a forked child, which sees the caller's memory as it was at the fork (a loaded
vault needs no copying), and the value comes back pickled through a pipe. Anywhere else,
or when the child fails for any reason, the function runs in the caller when the result is
first asked for, so an error surfaces exactly as it would without a child.

``wikigraph build`` uses it to check the vault and compute its statistics while it lays
out and renders the page: the three are independent, and a build has more than one core.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def fork_is_safe() -> bool:
    """Whether a child can be forked here: Linux, and no other thread that could hold a lock."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


class Job(Generic[T]):
    """``function(*args)``, computed beside the caller when possible (see the module docs)."""

    def __init__(self, function: Callable[..., T], *args: Any, background: bool = True) -> None:
        self._function = function
        self._args = args
        self._value: T | None = None
        self._done = False
        self._receiver: Any = None
        self._process: Any = None
        if background and fork_is_safe():
            import multiprocessing

            context = multiprocessing.get_context("fork")
            self._receiver, sender = context.Pipe(duplex=False)
            self._process = context.Process(target=_child, args=(function, args, sender))
            self._process.daemon = True
            self._process.start()
            sender.close()

    @property
    def forked(self) -> bool:
        """Whether the work runs in a child process."""
        return self._process is not None

    def result(self) -> T:
        """The function's value: received from the child, or computed here."""
        if self._done:
            return self._value  # type: ignore[return-value]
        received: tuple[bool, Any] | None = None
        if self._process is not None:
            try:
                received = self._receiver.recv()
            except (EOFError, OSError, ValueError, TypeError, AttributeError, ImportError):
                received = None  # the child died or sent something unreadable
            finally:
                self._receiver.close()
                self._process.join()
                self._process = None
        if received is not None and received[0]:
            self._value = received[1]
        else:
            self._value = self._function(*self._args)
        self._done = True
        self._args = ()
        return self._value


def _child(function: Callable[..., object], args: tuple[Any, ...], sender: Any) -> None:
    """The forked process: compute, send ``(True, value)`` or ``(False, None)``, exit."""
    try:
        value = function(*args)
        message: tuple[bool, object] = (True, value)
    except BaseException:  # the caller computes it again and reports the error itself
        message = (False, None)
    try:
        sender.send(message)
    except Exception:  # a value that cannot be pickled: let the caller compute it
        sender.send((False, None))
    finally:
        sender.close()
