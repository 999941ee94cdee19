"""How a projection's figures become its state in /status (pure classification)."""

from __future__ import annotations

from services.readiness import ProjectionStatus, SystemStatus, Thresholds, classify, worst

LIMITS = Thresholds(behind_events=100, stalled_seconds=60)


def test_a_projection_with_no_lag_and_no_dead_letter_is_ok() -> None:
    assert classify(0, 0, 3600.0, True, LIMITS) == "ok"


def test_a_projection_idle_for_long_with_nothing_to_do_is_ok_not_stalled() -> None:
    assert classify(0, 0, 86_400.0, False, LIMITS) == "ok"


def test_a_small_lag_below_the_threshold_is_ok() -> None:
    assert classify(99, 0, 1.0, True, LIMITS) == "ok"


def test_a_lag_at_the_threshold_that_keeps_moving_is_behind() -> None:
    assert classify(100, 0, 1.0, True, LIMITS) == "behind"


def test_a_lag_without_progress_for_the_stall_time_is_stalled() -> None:
    assert classify(1, 0, 60.0, True, LIMITS) == "stalled"


def test_a_lag_with_no_running_instance_is_stalled_at_once() -> None:
    assert classify(5, 0, 0.5, False, LIMITS) == "stalled"


def test_a_running_projection_that_has_not_applied_anything_yet_is_not_stalled() -> None:
    assert classify(500, 0, None, True, LIMITS) == "behind"


def test_dead_letters_without_lag_are_reported_as_dead_lettered_not_behind() -> None:
    assert classify(0, 1, 5.0, True, LIMITS) == "dead_lettered"


def test_dead_letters_outrank_a_moving_lag_but_not_a_stall() -> None:
    assert classify(500, 2, 1.0, True, LIMITS) == "dead_lettered"
    assert classify(500, 2, 600.0, True, LIMITS) == "stalled"


def test_the_system_state_is_the_worst_projection_state() -> None:
    assert worst(["ok", "behind", "ok"]) == "behind"
    assert worst(["behind", "dead_lettered"]) == "dead_lettered"
    assert worst(["dead_lettered", "stalled", "ok"]) == "stalled"
    assert worst([]) == "ok"


def status(lag: int, dead: int, set_aside: int = 0, state: str = "ok") -> ProjectionStatus:
    return ProjectionStatus("p", state, lag, dead, set_aside, 1.0, True)


def test_caught_up_means_no_lag_and_no_waiting_dead_letter() -> None:
    assert status(0, 0).caught_up
    assert status(0, 0, set_aside=3).caught_up  # set aside with a reason: decided, not waiting
    assert not status(1, 0).caught_up
    assert not status(0, 1, state="dead_lettered").caught_up
    assert not status(0, 0, state="not_migrated").caught_up


def test_a_system_is_caught_up_only_when_every_projection_is() -> None:
    assert SystemStatus("ok", {"a": status(0, 0), "b": status(0, 0)}).caught_up
    assert not SystemStatus("behind", {"a": status(0, 0), "b": status(7, 0)}).caught_up
