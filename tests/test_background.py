"""The publisher thread requests hand their committed events to (and mail its delivery): batches,
nothing done twice or dropped, a failure does not stop it, closing finishes what was handed over."""

from __future__ import annotations

import threading

from streetcare.core.background import BatchedBackground


def test_what_piles_up_while_a_batch_runs_goes_out_as_one_batch_each_item_once() -> None:
    batches: list[list[int]] = []
    started, release = threading.Event(), threading.Event()

    def work(batch: list[int]) -> None:
        batches.append(batch)
        started.set()
        assert release.wait(10)

    background = BatchedBackground("test-publisher", work)
    background.submit([0])
    assert started.wait(10)
    senders = [threading.Thread(target=background.submit, args=([n, n + 1000],)) for n in range(1, 51)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    release.set()
    assert background.flush()
    background.close()
    assert len(batches) == 2, [len(b) for b in batches]  # 50 requests' events: one call, not 50
    assert batches[0] == [0]
    assert sorted(batches[1]) == sorted([*range(1, 51), *range(1001, 1051)])


def test_a_batch_is_never_larger_than_its_limit() -> None:
    batches: list[list[int]] = []
    gate = threading.Event()
    background = BatchedBackground("test-limit", lambda batch: (gate.wait(10), batches.append(batch)), max_batch=4)
    for n in range(10):
        background.submit([n])
    gate.set()
    assert background.flush()
    background.close()
    assert all(len(batch) <= 4 for batch in batches)
    assert sorted(n for batch in batches for n in batch) == list(range(10))


def test_a_failing_batch_does_not_stop_the_thread_and_close_finishes_what_was_handed_over() -> None:
    done: list[str] = []

    def work(batch: list[str]) -> None:
        if "boom" in batch:
            raise RuntimeError("broker down")  # the rows stay unpublished: the sweep sends them
        done.extend(batch)

    background = BatchedBackground("test-failing", work)
    background.submit(["boom"])
    assert background.flush()
    background.submit(["a", "b"])
    background.close()  # no flush: closing drains the queue first
    assert done == ["a", "b"]
    background.submit(["c"])  # a closed background starts again when handed more
    background.close()
    assert done == ["a", "b", "c"]
