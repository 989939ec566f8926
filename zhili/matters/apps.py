from django.apps import AppConfig


class MattersConfig(AppConfig):
    name = "zhili.matters"
    label = "matters"
    verbose_name = "事项"

    def ready(self) -> None:
        from zhili.deadlines.signals import schedule_loaded
        from zhili.matters import tasks

        # Deadlines counted before a year's holiday schedule was loaded are recomputed with it.
        schedule_loaded.connect(tasks.schedule_loaded, dispatch_uid="zhili.matters.recompute_deadlines")
