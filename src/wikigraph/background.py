"""Run a function in a process forked early, while the caller is still small, where that is safe.

A :class:`Helper` is made before the caller loads anything big: on Linux, when the process
runs no other thread, it forks a child at once. Later, :meth:`Helper.start` sends the child
a function and its arguments (pickled through a pipe), and :meth:`Helper.result` returns
the value. A thread of the caller receives the value as soon as the child sends it, so the
child exits then, and its memory is free while the caller still works. Because the child
was forked before the big data existed, it shares none of it: the caller's later work
never makes the kernel copy pages for the child, and the child holds only what it was
sent. Anywhere else, or when the child fails for any reason (it died, the arguments or the
value could not be pickled, the function raised), the function runs in the caller when the
result is first asked for, so an error surfaces exactly as it would without a child.

``wikigraph build`` uses two helpers: one lays out the graph and computes its statistics,
the other renders the previews that are not cached, while the caller checks the vault and
makes the page's data. A build has more than one core.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")

_CALLERS_ENDS: set[Any] = set()
"""The caller's ends of the pipes of the children forked so far, while open. A child forked
later inherits them and closes its copies: else an earlier child would never see its pipe
closed when the caller closes it, and would wait to be killed."""


def fork_is_safe() -> bool:
    """Whether a child can be forked here: Linux, and no other thread that could hold a lock."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


class Helper(Generic[T]):
    """One later call of a function, in a child forked now when possible (see the module docs)."""

    def __init__(self, *, background: bool = True) -> None:
        self._call: tuple[Callable[..., T], tuple[Any, ...]] | None = None
        self._value: T | None = None
        self._done = False
        self._connection: Any = None
        self._process: Any = None
        self._receiver: threading.Thread | None = None
        self._received: tuple[bool, Any] | None = None
        if background and fork_is_safe():
            import multiprocessing

            context = multiprocessing.get_context("fork")
            mine, theirs = context.Pipe(duplex=True)
            self._process = context.Process(target=_serve, args=(theirs, mine), daemon=True)
            self._process.start()
            theirs.close()
            self._connection = mine
            _CALLERS_ENDS.add(mine)

    @property
    def forked(self) -> bool:
        """Whether a child process waits for the call (or runs it)."""
        return self._process is not None

    def start(self, function: Callable[..., T], *args: Any) -> Helper[T]:
        """Send the call to the child (it starts at once), or keep it for :meth:`result`."""
        if self._call is not None:
            raise RuntimeError("a helper runs one call")
        self._call = (function, args)
        if self._connection is not None:
            try:
                self._connection.send((function, args))
            except Exception:  # arguments that cannot be pickled, or a child that is gone
                self._stop()
            else:
                self._receiver = threading.Thread(target=self._receive, daemon=True)
                self._receiver.start()
        return self

    def _receive(self) -> None:
        """In the receiving thread: wait for the child's value (None if it died or sent
        something unreadable). The child exits once its value is sent."""
        try:
            self._received = self._connection.recv()
        except Exception:
            self._received = None

    def ready(self) -> bool:
        """Whether :meth:`result` would return without waiting for the child: the child has
        sent its value (or died), or there is no child and the caller computes it then."""
        if self._done or self._receiver is None:
            return True
        return not self._receiver.is_alive()

    def result(self) -> T:
        """The function's value: received from the child, or computed here."""
        if self._done:
            return self._value  # type: ignore[return-value]
        if self._call is None:
            raise RuntimeError("nothing was started")
        received: tuple[bool, Any] | None = None
        if self._receiver is not None:
            self._receiver.join()
            received, self._received = self._received, None
        self._stop()
        function, args = self._call
        self._value = received[1] if received is not None and received[0] else function(*args)
        self._done = True
        self._call = (function, ())
        return self._value

    def close(self) -> None:
        """Let the child go without a call (or after one whose result is not wanted)."""
        self._stop()

    def _stop(self) -> None:
        receiver, self._receiver = self._receiver, None
        if receiver is not None:
            if receiver.is_alive() and self._process is not None:
                self._process.kill()  # its value is not wanted; its end ends the receiving
            receiver.join()
        if self._connection is not None:
            _CALLERS_ENDS.discard(self._connection)
            self._connection.close()
            self._connection = None
        if self._process is not None:
            self._process.join(timeout=5)
            if self._process.is_alive():
                self._process.kill()
                self._process.join()
            self._process = None


def _serve(connection: Any, callers_end: Any) -> None:
    """The forked child: wait for one call, run it, send ``(True, value)`` or ``(False, None)``."""
    callers_end.close()
    for other in _CALLERS_ENDS:
        other.close()
    _CALLERS_ENDS.clear()
    try:
        request = connection.recv()
    except Exception:  # the caller went away (or closed the helper) without a call
        return
    function, args = request
    try:
        message: tuple[bool, object] = (True, function(*args))
    except BaseException:  # the caller computes it again and reports the error itself
        message = (False, None)
    del request, args
    try:
        connection.send(message)
    except Exception:  # a value that cannot be pickled: let the caller compute it
        connection.send((False, None))
    finally:
        connection.close()
