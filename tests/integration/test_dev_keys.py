"""Development keys made on first use: processes starting together on one data directory
(two API replicas, a restarted child) must all end up with the same key."""

from __future__ import annotations

import multiprocessing
import stat
import time
from pathlib import Path

from services.auth import load_keys
from services.platform.settings import ApiSettings

PROCESSES = 8


def _keys_at(data_dir: str, start_at: float) -> tuple[bytes, bytes]:
    time.sleep(max(0.0, start_at - time.time()))
    keys = load_keys(ApiSettings(data_dir=Path(data_dir)))
    return keys.signing, keys.pseudonym


def test_processes_starting_at_once_on_one_data_dir_share_one_key(tmp_path: Path) -> None:
    start_at = time.time() + 1.0
    with multiprocessing.get_context("fork").Pool(PROCESSES) as pool:
        results = pool.starmap(_keys_at, [(str(tmp_path), start_at)] * PROCESSES)
    assert len(set(results)) == 1
    signing, pseudonym = results[0]
    assert signing != pseudonym and len(signing) == 64
    keys = tmp_path / "keys"
    assert sorted(p.name for p in keys.iterdir()) == ["pseudonym.key", "signing.key"]
    for key in keys.iterdir():
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert load_keys(ApiSettings(data_dir=tmp_path)).signing == signing
