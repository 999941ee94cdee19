"""What `samskab run` does about an earlier run on its data directory: a live one refuses the
new run; the leftovers of a killed one (children, PostgreSQL, stale pid lists) are stopped and
cleared, and nothing else is touched."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import psutil
import pytest

from services.runtime import lifetime
from services.runtime.embedded import EmbeddedPostgres


def test_a_second_hold_on_a_data_directory_is_refused_naming_the_holder(tmp_path: Path) -> None:
    held = lifetime.hold(tmp_path)
    try:
        with pytest.raises(lifetime.AlreadyRunning) as refused:
            lifetime.hold(tmp_path)
        assert (
            str(refused.value) == f"a system is already running on {tmp_path} (pid {os.getpid()})"
        )
    finally:
        held.release()
    lifetime.hold(tmp_path).release()  # free again once released


def test_recorded_survivors_are_stopped_and_an_unrecorded_process_is_left_alone(
    tmp_path: Path,
) -> None:
    survivor = subprocess.Popen(["sleep", "300"])
    bystander = subprocess.Popen(["sleep", "300"])
    try:
        lifetime.record_children(tmp_path, [survivor.pid])
        recorded = json.loads((tmp_path / "children.json").read_text())
        # the bystander under a recorded pid with another start time: a reused pid
        recorded["children"].append({"pid": bystander.pid, "started": 1.0})
        (tmp_path / "children.json").write_text(json.dumps(recorded))

        done = lifetime.stop_survivors(tmp_path, None)

        assert survivor.wait(5) is not None
        assert bystander.poll() is None
        assert done == ["stopped 1 processes left by an earlier run"]
        assert not (tmp_path / "children.json").exists()
    finally:
        for proc in (survivor, bystander):
            proc.kill()
            proc.wait()


def test_a_postgresql_left_running_and_a_stale_list_of_its_users_are_cleared(
    tmp_path: Path,
) -> None:
    pgdata = tmp_path / "pg"
    pg = EmbeddedPostgres(pgdata)
    pg.start()
    postmaster = lifetime.postmaster_of(pgdata)
    assert postmaster is not None
    dead = subprocess.Popen(["true"])
    dead.wait()
    (pgdata / ".handle_pids.json").write_text(json.dumps([dead.pid]))  # a killed run's pid

    done = lifetime.stop_survivors(tmp_path, pgdata)

    assert not postmaster.is_running() or postmaster.status() == psutil.STATUS_ZOMBIE
    assert lifetime.postmaster_of(pgdata) is None
    assert not (pgdata / ".handle_pids.json").exists()
    assert len(done) == 2
    assert lifetime.stop_survivors(tmp_path, pgdata) == []  # nothing left the second time
