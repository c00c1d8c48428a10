"""One owner for every background job of a screen.

Textual posts ``Worker.StateChanged`` only to a worker's owner and does not bubble it, so a
handler on the App never sees a screen's workers. Every job of a screen therefore starts
through :meth:`JobScreen.start_job`, which:

- ties the job to what it serves (the screen's current *scope*: a table, a query). Opening
  something else (:meth:`JobScreen.new_scope`) cancels the old scope's jobs, and their late
  results and progress are dropped (:attr:`Job.current` turns false);
- gives each kind of job its own status slot (``loading``, ``counting``, ``indexing``…),
  written only by the job that owns it and cleared when that job ends;
- on failure, logs the traceback on the ``dbbrowse`` logger and calls
  :meth:`JobScreen.job_failed`, which puts the screen back in a usable state and says in
  words what failed. A stale job's failure is logged only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, cast

from textual import on
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from tui.key_order import KeyOrder
from tui.screens.key_places import DeclaredKeyOrder
from tui.text.escape import escaped_plain

log = logging.getLogger("dbbrowse")


class Job:
    """One running job: its kind (and status slot) and the scope it serves."""

    def __init__(self, owner: JobScreen, kind: str, scope: int | None) -> None:
        self.owner = owner
        self.kind = kind
        self.scope = scope  # None: serves the whole screen (never stale)

    @property
    def current(self) -> bool:
        """Whether what this job serves is still what the screen shows."""
        return self.scope is None or self.scope == self.owner.scope

    def say(self, text: str) -> None:
        """Show ``text`` in this job's status slot (ignored once the job is stale)."""
        if self.current:
            self.owner._set_slot(self, text)


class JobScreen(DeclaredKeyOrder, Screen[None]):
    """A screen whose workers all run through :meth:`start_job`."""

    def __init__(self) -> None:
        super().__init__()
        self.scope = 0
        self._jobs: dict[Worker[None], Job] = {}
        self._slots: dict[str, tuple[Job, str]] = {}

    # -- starting and scoping -----------------------------------------------------------
    def start_job(
        self,
        kind: str,
        body: Callable[[Job], Awaitable[None]],
        *,
        label: str = "",
        label_after: float = 0.0,
        scoped: bool = True,
        exclusive: bool = True,
        holds_keys: bool = False,
    ) -> Worker[None]:
        """Run ``body(job)`` in a worker of group ``kind``; ``label`` fills its slot meanwhile.

        With ``label_after``, the label appears only once the job has run that many seconds
        (quick jobs would only make the status bar flicker). With ``exclusive``, a newer job
        of the same kind cancels the older one. With ``holds_keys``, the keys typed while it
        runs wait and then go to whatever has the focus when it ends: for a job that opens a
        screen (the keys typed right after ``e`` belong to the editor it opens).
        """
        job = Job(self, kind, self.scope if scoped else None)
        keys = self.app if holds_keys and isinstance(self.app, KeyOrder) else None
        if keys is not None:
            keys.hold_keys()  # released when the job ends, or after HOLD_LIMIT seconds

        async def run() -> None:
            timer = None
            if label and label_after > 0:
                timer = self.set_timer(label_after, lambda: job.say(label))
            elif label:
                job.say(label)
            try:
                await body(job)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.error("%s job failed", kind, exc_info=exc)
                if job.current:
                    self._clear_slot(job)
                    self.job_failed(job, exc)
            finally:
                if timer is not None:
                    timer.stop()
                self._clear_slot(job)
                if keys is not None:
                    keys.release_keys()

        # A function, not a coroutine object: a job cancelled before it starts never ran.
        work = cast("Callable[[], Coroutine[None, None, None]]", run)
        worker: Worker[None] = self.run_worker(
            work, name=kind, group=kind, exclusive=exclusive, exit_on_error=False
        )
        self._jobs[worker] = job
        return worker

    def new_scope(self) -> int:
        """Something else is shown now: cancel the old scope's jobs and drop their slots."""
        self.scope += 1
        for worker, job in list(self._jobs.items()):
            if job.scope is not None and not worker.is_finished:
                worker.cancel()
        for kind, (job, _text) in list(self._slots.items()):
            if not job.current:
                del self._slots[kind]
        self.jobs_changed()
        return self.scope

    def running(self, *kinds: str) -> list[Worker[None]]:
        """This screen's unfinished jobs of the given kinds (all kinds when none are given)."""
        return [
            worker
            for worker, job in self._jobs.items()
            if not worker.is_finished and (not kinds or job.kind in kinds)
        ]

    def current_jobs(self, *kinds: str) -> list[Worker[None]]:
        """Unfinished jobs of the given kinds that serve the current scope."""
        return [worker for worker in self.running(*kinds) if self._jobs[worker].current]

    def job_running(self, kind: str) -> bool:
        """Whether a job of ``kind`` for the current scope is still running."""
        return bool(self.current_jobs(kind))

    # -- slots ----------------------------------------------------------------------------
    @property
    def slots(self) -> dict[str, str]:
        """What each running job of the current scope says, by kind."""
        return {kind: text for kind, (job, text) in self._slots.items() if job.current and text}

    def _set_slot(self, job: Job, text: str) -> None:
        self._slots[job.kind] = (job, text)
        self.jobs_changed()

    def _clear_slot(self, job: Job) -> None:
        owner = self._slots.get(job.kind)
        if owner is not None and owner[0] is job:
            del self._slots[job.kind]
            self.jobs_changed()

    # -- hooks for the screen --------------------------------------------------------------
    def jobs_changed(self) -> None:
        """The slots changed: show them (the screen decides where)."""

    def job_failed(self, job: Job, error: Exception) -> None:
        """A current job failed: restore the screen (override), then say what failed."""
        self.notify(
            escaped_plain(self.explain(error), keep_newlines=True),
            title=f"{job.kind} failed",
            severity="error",
            timeout=10,
            markup=False,
        )

    def explain(self, error: BaseException) -> str:
        """The database's message in words (never a traceback)."""
        if isinstance(error, UnicodeError) or isinstance(
            getattr(error, "orig", None), UnicodeError
        ):
            # A codec's own words name a surrogate and a position: say what is wrong instead.
            return (
                "a value holds text that is not valid UTF-8 and could not be sent to the"
                " database as it is"
            )
        source: Any = getattr(self, "source", None)
        if source is not None and hasattr(error, "orig"):
            return str(source.explain(error))
        # The message only: a class name means nothing to the person (the log keeps it).
        text = str(error).strip()
        return text or "it failed without saying why (the details are in the log)"

    @on(Worker.StateChanged)
    def _worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A safety net for workers started without :meth:`start_job`."""
        worker = event.worker
        if event.state is WorkerState.ERROR and worker not in self._jobs:
            log.error("worker %s failed", worker.name, exc_info=worker.error)
            self.notify(
                escaped_plain(
                    self.explain(worker.error or RuntimeError("unknown error")),
                    keep_newlines=True,
                ),
                title=f"{worker.name or 'job'} failed",
                severity="error",
                timeout=10,
                markup=False,
            )
        if worker.is_finished:
            self._jobs.pop(worker, None)


__all__ = ["Job", "JobScreen"]
