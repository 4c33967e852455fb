"""Concurrency for the chat: the one language model is the only thing users queue for.

`ModelGate` hands the model to one thread at a time, first come first served, and says how many are ahead of a
waiting thread; `GatedLLM` wraps the model so that only generation happens inside the gate (retrieval and checking
run outside it, in parallel). `Worker` runs one question's pipeline in its own thread: the chat step reads its events
from a queue, so the gate is never held across a `yield` to the browser, and a closed tab costs at most the rest of
its own answer."""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Generic, TypeVar

from ..backends.llm import LLM, Message

T = TypeVar("T")
U = TypeVar("U")


class Withdrawn(Exception):
    """A question was abandoned while it waited for the model."""


class ModelGate:
    """First come, first served access to the model, by thread (the `Thread` objects: their ids are reused)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._line: deque[threading.Thread] = deque()
        self._withdrawn: set[threading.Thread] = set()

    @contextmanager
    def hold(self) -> Iterator[None]:
        me = threading.current_thread()
        with self._cond:
            if me in self._withdrawn:
                raise Withdrawn
            self._line.append(me)
            self._cond.wait_for(lambda: self._line[0] == me or me in self._withdrawn)
            if me in self._withdrawn:
                self._leave(me)
                raise Withdrawn
        try:
            yield
        finally:
            with self._cond:
                self._leave(me)

    def _leave(self, me: threading.Thread) -> None:
        self._line.remove(me)
        self._withdrawn.discard(me)
        self._cond.notify_all()

    def ahead(self, thread: threading.Thread) -> int | None:
        """How many hold or wait for the model before this thread (0: it holds it); None if it is not in line."""
        with self._cond:
            return self._line.index(thread) if thread in self._line else None

    def withdraw(self, thread: threading.Thread) -> None:
        """Take a thread out of the line, or keep it from joining (it raises `Withdrawn`); a thread holding the model
        keeps it until its generation stops."""
        with self._cond:
            if thread.is_alive() and not (self._line and self._line[0] is thread):
                self._withdrawn.add(thread)
                self._cond.notify_all()

    def forget(self, thread: threading.Thread) -> None:
        """A finished thread's withdrawal is dropped."""
        with self._cond:
            self._withdrawn.discard(thread)


class GatedLLM:
    """A language model used by one thread at a time (llama.cpp contexts are not thread-safe)."""

    def __init__(self, llm: LLM, gate: ModelGate) -> None:
        self.llm = llm
        self.gate = gate
        self.name = llm.name

    def stream(self, messages: Sequence[Message], max_tokens: int) -> Iterator[str]:
        with self.gate.hold():
            yield from self.llm.stream(messages, max_tokens)

    def choose(self, messages: Sequence[Message], options: Sequence[str]) -> str:
        with self.gate.hold():
            return self.llm.choose(messages, options)


class Worker(Generic[T]):
    """Runs a generator in its own thread. `items` yields what it produces (and re-raises what it raised); while
    nothing arrives, `idle` is asked every `poll_s` for something to show. `cancel` stops it at its next item."""

    def __init__(self, make: Callable[[], Iterator[T]], gate: ModelGate | None = None) -> None:
        self._queue: queue.Queue[tuple[str, object]] = queue.Queue()
        self._stop = threading.Event()
        self._gate = gate
        self._thread = threading.Thread(target=self._run, args=(make,), daemon=True, name="cables-answer")
        self._thread.start()

    @property
    def thread(self) -> threading.Thread:
        return self._thread

    def _run(self, make: Callable[[], Iterator[T]]) -> None:
        try:
            gen = make()
            try:
                for item in gen:
                    if self._stop.is_set():
                        break
                    self._queue.put(("item", item))
            finally:
                close = getattr(gen, "close", None)
                if close is not None:
                    close()  # releases the model if this question held it
        except Withdrawn:
            pass
        except BaseException as e:  # noqa: BLE001 - handed to the reading thread
            self._queue.put(("error", e))
        finally:
            if self._gate is not None:
                self._gate.forget(threading.current_thread())
            self._queue.put(("end", None))

    def items(self, idle: Callable[[], U | None], poll_s: float = 0.25) -> Iterator[T | U]:
        while True:
            try:
                kind, value = self._queue.get(timeout=poll_s)
            except queue.Empty:
                shown = idle()
                if shown is not None:
                    yield shown
                continue
            if kind == "end":
                return
            if kind == "error":
                assert isinstance(value, BaseException)
                raise value
            yield value  # type: ignore[misc]

    def cancel(self) -> None:
        self._stop.set()
        if self._gate is not None:
            self._gate.withdraw(self._thread)

    def join(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()
