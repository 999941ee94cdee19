"""Where the end-to-end tests find the project, and the environment a newcomer's shell has:
none of the test run's own database, broker or virtual environment."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EMBEDDED_ENV = {
    k: v
    for k, v in os.environ.items()
    if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "VIRTUAL_ENV", "PYTHONPATH")
}
