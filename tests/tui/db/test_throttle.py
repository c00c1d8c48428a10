"""The throttle that keeps a busy writer from making dbbrowse recount big tables forever."""

from __future__ import annotations

import time

from tui.db.counting import Throttle


def test_a_job_is_due_at_first_and_again_only_after_its_cost_times_the_factor() -> None:
    throttle = Throttle(factor=10.0, minimum=0.0)
    assert throttle.due()
    with throttle.timing():
        time.sleep(0.02)  # the job itself takes 20 ms
    assert not throttle.due()  # must wait ten times the job's cost
    time.sleep(throttle.cost * 10 + 0.05)
    assert throttle.due()


def test_the_minimum_wait_applies_to_cheap_jobs() -> None:
    throttle = Throttle(factor=10.0, minimum=5.0)
    with throttle.timing():
        pass
    assert not throttle.due()
