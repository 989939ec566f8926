"""zhili triage-train: retrain the category model, evaluate it, activate it if it is not worse."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from zhili.triage import model, services


class Command(BaseCommand):
    help = (
        "Retrain the triage model from the shipped corpus plus the matters whose category a clerk "
        "confirmed or corrected; evaluate it on the held-out set; activate it only if it is not worse."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="train and evaluate, activate nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        shipped, confirmed = model.corpus(), services.confirmed_examples()
        held = model.heldout()
        self.stdout.write(f"training on {len(shipped)} corpus reports and {len(confirmed)} confirmed matters …")
        candidate = model.train([*shipped, *confirmed])
        candidate.metrics = model.evaluate(candidate, held)
        current_version = model.active_version()
        current = model.load(current_version) if current_version else None
        current_metrics = model.evaluate(current, held) if current else None
        new_score = candidate.metrics["category_accuracy"]
        self.stdout.write(f"new model {candidate.version}: held-out category accuracy {new_score:.4f}")
        if current_metrics is not None:
            self.stdout.write(
                f"active model {current_version}: held-out category accuracy {current_metrics['category_accuracy']:.4f}"
            )
        if options["dry_run"]:
            self.stdout.write("dry run: nothing activated")
            return
        if current_metrics is not None and new_score < current_metrics["category_accuracy"]:
            self.stdout.write(self.style.WARNING("the new model is worse: the active model stays"))
            return
        model.save(candidate)
        model.activate(candidate)
        model.active.forget()
        self.stdout.write(self.style.SUCCESS(f"activated {candidate.version}"))
