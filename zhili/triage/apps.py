from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_save


class TriageConfig(AppConfig):
    name = "zhili.triage"
    label = "triage"
    verbose_name = "智能分拨"

    def ready(self) -> None:
        from zhili.matters.models import MatterEvent

        # The matters app knows nothing of triage: a clerk's `triaged` step is heard here. New
        # matters are triaged by the worker (tasks.triage_new), in batches.
        post_save.connect(_event_saved, sender=MatterEvent, dispatch_uid="zhili.triage.event_saved")


def _event_saved(sender: type, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw and instance.kind == "triaged" and instance.actor_id is not None:
        from zhili.triage import services

        services.record_decision(instance.matter_id, str(instance.data.get("category") or ""))
