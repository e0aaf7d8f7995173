"""Beat's schedule names only tasks the worker really has, on queues a worker consumes."""

from __future__ import annotations

from types import ModuleType

import pytest

from kernel.events import SERVICES, consumer_queue


@pytest.fixture
def celery_module(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("STREETCARE_DEMO_MODE", "1")
    from workers import celery_app

    return celery_app


def test_every_beat_entry_names_a_registered_task_on_a_consumed_queue(celery_module: ModuleType) -> None:
    app = celery_module.create_celery()
    MAINTENANCE_QUEUE, PLANNING_QUEUE = celery_module.MAINTENANCE_QUEUE, celery_module.PLANNING_QUEUE
    app.loader.import_default_modules()
    consumed = {MAINTENANCE_QUEUE, PLANNING_QUEUE, *(consumer_queue(s) for s in SERVICES)}
    schedule = app.conf.beat_schedule
    assert schedule, "beat has nothing to do"
    for name, entry in schedule.items():
        assert entry["task"] in app.tasks, f"{name}: task {entry['task']} is not registered"
        assert entry["options"]["queue"] in consumed, f"{name}: queue {entry['options']['queue']} has no consumer"


def test_the_periodic_privacy_pledge_and_learning_jobs_are_scheduled(celery_module: ModuleType) -> None:
    tasks = {entry["task"] for entry in celery_module.create_celery().conf.beat_schedule.values()}
    assert {
        "maintenance.erase_expired_personal_data",
        "maintenance.nudge_adopters",
        "scheduling.replan_dirty",
        "scheduling.learn_from_quiet_day",
    } <= tasks


def test_the_replan_sweep_and_the_visibility_timeout_follow_their_settings(
    celery_module: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCHEDULING_REPLAN_SWEEP_SECONDS", "17")
    monkeypatch.setenv("STREETCARE_BROKER_VISIBILITY_TIMEOUT", "11")
    app = celery_module.create_celery()
    assert app.conf.beat_schedule["scheduling-replan-sweep"]["schedule"] == 17.0
    assert app.conf.broker_transport_options["visibility_timeout"] == 11


def test_beat_purges_every_services_outbox(celery_module: ModuleType) -> None:
    schedule = celery_module.create_celery().conf.beat_schedule
    purges = {tuple(e["args"]) for e in schedule.values() if e["task"] == "maintenance.purge_outbox"}
    assert purges == {(service,) for service in SERVICES}


def test_only_the_planners_sub_problems_keep_a_result_in_redis_under_their_prefix_and_expire(
    celery_module: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {"REDIS_URL": "redis://127.0.0.1:6399/2", "WORKERS_PLANNER_RESULTS_EXPIRE_S": "900"}.items():
        monkeypatch.setenv(name, value)
    app = celery_module.create_celery()
    app.loader.import_default_modules()
    assert app.conf.result_backend == "redis://127.0.0.1:6399/2", "the broker's Redis"
    assert app.conf.result_backend_transport_options["global_keyprefix"] == "streetcare:planner-results:"
    assert app.conf.result_expires == 900
    solve = app.tasks["planner.solve_subproblem"]
    assert not solve.ignore_result and solve.track_started and solve.acks_late
    assert app.conf.task_routes["planner.solve_subproblem"]["queue"] == "planner"
    assert "planner" in {queue.name for queue in app.conf.task_queues}
    others = [task for name, task in app.tasks.items() if not name.startswith(("celery.", "planner."))]
    assert others and all(task.ignore_result for task in others), "no other task writes a result"


def test_each_services_events_are_taken_in_batches_that_the_local_workers_prefetch_holds(
    celery_module: ModuleType,
) -> None:
    """What the relay sends (`<service>.consume_event`) is a batch task acknowledged after its
    commit, and the task a failed event is retried alone with is there too; the Procfile's event
    worker reserves enough messages for one batch (else batches never fill)."""
    from celery_batches import Batches

    from kernel.events import consumer_task
    from streetcare.local import procfile_commands
    from workers.tasks import EVENT_BATCH_SIZE

    app = celery_module.create_celery()
    app.loader.import_default_modules()
    for service in SERVICES:
        task = app.tasks[consumer_task(service)]
        assert isinstance(task, Batches) and task.acks_late and task.flush_every == EVENT_BATCH_SIZE
        assert f"{service}.consume_event_again" in app.tasks
    names = ("SCHEDULING", "REPORTS", "VOLUNTEERS", "GATEWAY", "PLANNER_METRICS", "MAILCATCHER")
    environ = {f"{name}_PORT": "1" for name in names} | {"STREETCARE_MAIL_CATCHER_DIR": "/tmp/mail"}
    worker = procfile_commands(environ)["worker"].split()
    reserved = int(worker[worker.index("--prefetch-multiplier") + 1]) * int(worker[worker.index("--concurrency") + 1])
    assert reserved >= EVENT_BATCH_SIZE


def test_a_batch_applies_the_events_its_messages_carry_in_order(celery_module: ModuleType) -> None:
    """A message holds a list of events (one publish batch's, for this service) or, from an
    older sender, one event; a message that is neither stays whole, to be dead-lettered."""
    from workers.tasks import events_of

    first, second, third, alone = ({"id": str(n)} for n in range(4))
    assert events_of([([first, second],), (alone,), ([third],)]) == [first, second, alone, third]
    assert events_of([([],), ("odd", "arguments")]) == [["odd", "arguments"]]


def test_the_worker_hands_the_gil_to_its_message_loop_quickly(celery_module: ModuleType) -> None:
    """Its threads applying batches give way within half a millisecond, not Python's 5 ms, so
    the loop taking messages off Redis is not held up after each round trip."""
    import sys

    from celery import signals

    default = sys.getswitchinterval()
    try:
        signals.worker_init.send(sender=None)
        assert sys.getswitchinterval() == pytest.approx(celery_module.GIL_SWITCH_INTERVAL_S)
        assert default > celery_module.GIL_SWITCH_INTERVAL_S
    finally:
        sys.setswitchinterval(default)
