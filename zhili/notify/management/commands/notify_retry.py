"""`zhili notify-retry [--failed]`: deliver waiting notices now, e.g. after the gateway is repaired."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from zhili.notify import services


class Command(BaseCommand):
    help = (
        "Deliver every pending notice now, without waiting for its back-off. With --failed, first "
        "give failed notices a fresh set of attempts. Safe to run while the worker runs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--failed", action="store_true", help="also retry notices that had failed for good")

    def handle(self, *args: Any, failed: bool, **options: Any) -> None:
        if failed:
            self.stdout.write(f"requeued {services.retry_failed()} failed notice(s)")
        services.hurry()
        # Sweep until nothing due is left, one batch at a time; a notice that fails again gets a
        # later next attempt, so this ends.
        total = services.SweepResult()
        while True:
            result = services.sweep()
            total += result
            if result.sent + result.failed < services.SWEEP_BATCH:
                break
        self.stdout.write(f"sent {total.sent}, failed {total.failed}, rescued {total.rescued}")
