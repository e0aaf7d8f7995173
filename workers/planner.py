"""A day's sub-problems solved as a Celery group across the planner workers, for one re-plan.

The scheduling service's router cuts a day into independent sub-problems, each plain JSON data with
its travel matrix (``handlers.solve_subproblem`` solves one anywhere).  When the settings ask for it
(SCHEDULING_PLANNER_DISTRIBUTED) a re-plan hands them to :class:`GroupSolver`: one
``planner.solve_subproblem`` task per sub-problem on the ``planner`` queue, sent as one Celery
``group`` (zlib-compressed, largest first, each expiring at the re-plan's deadline), their solutions
coming back through Celery's Redis result backend (the broker's Redis under its own key prefix,
expiring: ``WorkerSettings.planner_results_*``).  The re-plan joins them into one plan version.

Why a group and not a chord: joining needs what stays in the re-planning process (the candidates,
the crews, the street network for the routes' paths), so the re-plan waits for its group itself.
A waiting re-plan blocks its own worker (``--pool solo``), so that a lone or busy planner never
waits on a queue only it could serve, it helps while it waits (``planner_help_while_waiting``):
a sub-problem no worker has started yet is revoked and solved here, last sent first (the workers
take the queue from the other end).  A sub-problem that fails, or that has not come back by the
deadline (its solver budgets together plus ``planner_wait_margin_s``), is left to the engine, which
solves it here: a plan is always made.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from celery import Celery, group, states
from celery.result import AsyncResult, GroupResult

from kernel.bus import celery_config
from kernel.redis_target import RedisTarget
from workers.settings import WorkerSettings
from workers.transport import transport_for

log = structlog.get_logger(__name__)

PLANNER_QUEUE = "planner"
SOLVE_TASK = "planner.solve_subproblem"


def results_config(settings: WorkerSettings) -> dict[str, Any]:
    """The result backend the planner's sub-problems answer through: the broker's Redis under
    ``planner_results_prefix``, each solution gone after ``planner_results_expire_s``; every other
    task keeps no result."""
    target = RedisTarget.parse(settings.redis_url)
    return {
        **target.celery_result_backend(settings.planner_results_prefix, settings.planner_results_expire_s),
        "task_ignore_result": True,
    }


def client(settings: WorkerSettings) -> Celery:
    """A Celery app that only sends sub-problems to the planner workers and reads their solutions
    (the planner benchmark, tests): the workers' broker and result settings, no tasks of its own."""
    app = Celery("streetcare-planner-client", set_as_current=False)
    app.conf.update(celery_config(settings.redis_url, settings.broker_visibility_timeout_s))
    app.conf.broker_transport = transport_for(RedisTarget.parse(settings.redis_url).is_sentinel)
    app.conf.update(results_config(settings))
    return app


def _work(subproblem: Mapping[str, Any]) -> tuple[float, int]:
    """Largest first: its solver budget, then its clients."""
    return (float(subproblem.get("budget_s") or 0.0), len(subproblem["clients"]["id"]))


class GroupSolver:
    """Solves a day's sub-problems as one Celery group on the ``planner`` queue and waits for their
    solutions (the engine's ``Distribution.solve``): one solution per sub-problem, in order, or
    ``None`` where none came back usable (the engine then solves that one itself)."""

    def __init__(
        self,
        app: Celery,
        settings: WorkerSettings,
        solve_here: Callable[[dict[str, Any]], dict[str, Any]],
        *,
        help_while_waiting: bool | None = None,
    ) -> None:
        self.app = app
        self.settings = settings
        self.solve_here = solve_here
        self.help_while_waiting = (
            settings.planner_help_while_waiting if help_while_waiting is None else help_while_waiting
        )
        self.last_outcome: dict[str, Any] = {}
        """How the last group went (what the log line says): by the workers, here, failed, late."""

    def __call__(self, subproblems: list[dict[str, Any]]) -> list[dict[str, Any] | None]:
        answers: list[dict[str, Any] | None] = [None] * len(subproblems)
        if not subproblems:
            return answers
        started = time.monotonic()
        try:
            outcome: dict[str, Any] = self._send_and_wait(subproblems, answers)
        except Exception as exc:  # the broker or the backend away: what did not come back is solved here
            outcome = {"error": repr(exc)}
        self.last_outcome = {
            "subproblems": len(subproblems),
            "by_workers": sum(1 for a in answers if a is not None and a.get("solved_by")),
            **outcome,
            "seconds": round(time.monotonic() - started, 2),
        }
        if "error" in outcome:
            log.warning("planner.group_failed", **self.last_outcome)
        else:
            log.info("planner.group_solved", **self.last_outcome)
        return answers

    def _send_and_wait(self, subproblems: list[dict[str, Any]], answers: list[dict[str, Any] | None]) -> dict[str, int]:
        """Send the group, then fill ``answers`` as solutions come back until all are in or the deadline."""
        wait_s = sum(float(s.get("budget_s") or 0.0) for s in subproblems) + self.settings.planner_wait_margin_s
        deadline = time.monotonic() + wait_s
        order = sorted(range(len(subproblems)), key=lambda k: _work(subproblems[k]), reverse=True)
        sent = group(
            self.app.signature(
                SOLVE_TASK,
                args=(subproblems[k],),
                queue=PLANNER_QUEUE,
                compression="zlib",
                expires=datetime.now(UTC) + timedelta(seconds=wait_s),
            )
            for k in order
        ).apply_async()
        if not isinstance(sent, GroupResult) or len(sent.results or []) != len(order):
            raise RuntimeError("Celery gave no result per sub-problem")
        results: dict[int, AsyncResult[Any]] = dict(zip(order, sent.results or [], strict=True))
        waiting = set(results)
        solved_here = failed = 0
        try:
            while waiting:
                not_started: list[int] = []
                for number in list(waiting):
                    state = self._state(results[number])
                    if state == states.SUCCESS:
                        solution = results[number].result
                        answers[number] = solution if isinstance(solution, dict) else None
                        waiting.discard(number)
                    elif state in states.READY_STATES:  # failed, or revoked by its expiry
                        waiting.discard(number)
                        failed += 1
                    elif state == states.PENDING:
                        not_started.append(number)
                if not waiting or time.monotonic() > deadline:
                    break
                if self.help_while_waiting and not_started:
                    number = max(not_started, key=order.index)  # the last sent: the workers take the first
                    self.app.control.revoke(results[number].id)
                    waiting.discard(number)
                    answers[number] = self.solve_here(subproblems[number])
                    solved_here += 1
                    continue
                time.sleep(self.settings.planner_poll_s)
        finally:
            if waiting:  # not back in time: no worker should start them now
                with contextlib.suppress(Exception):
                    self.app.control.revoke([results[number].id for number in waiting])
            for result in results.values():
                with contextlib.suppress(Exception):
                    result.forget()
        return {"solved_here_while_waiting": solved_here, "failed": failed, "not_back_in_time": len(waiting)}

    @staticmethod
    def _state(result: AsyncResult[Any]) -> str:
        try:
            return str(result.state)
        except Exception:  # the result backend is away for a moment: still waiting
            return states.STARTED
