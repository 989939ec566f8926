from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest


class Outbox:
    """What the file backend has "sent": the lines of VAR_DIR/outbox/<channel>.log."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def lines(self, channel: str = "sms") -> list[dict[str, Any]]:
        path = self.directory / f"{channel}.log"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(autouse=True)
def outbox(settings: Any, tmp_path: Path) -> Outbox:
    # Every test sends to its own directory, with the defaults whatever the environment says.
    settings.VAR_DIR = tmp_path
    settings.NOTIFY_SMS_BACKEND = "zhili.notify.backends.FileBackend"
    settings.NOTIFY_EMAIL_BACKEND = "zhili.notify.backends.FileBackend"
    settings.NOTIFY_MAX_ATTEMPTS = 8
    return Outbox(tmp_path / "outbox")
