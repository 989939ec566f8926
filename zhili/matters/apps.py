from django.apps import AppConfig


class MattersConfig(AppConfig):
    name = "zhili.matters"
    label = "matters"
    verbose_name = "事项"

    def ready(self) -> None:
        from zhili.deadlines.signals import schedule_loaded
        from zhili.matters import tasks
        from zhili.matters.models import _root_paths
        from zhili.org.models import Unit

        # A new or removed top unit changes what "the whole tree" is for Matter.scope_filter.
        _root_paths.clear_on_change(Unit)

        # Deadlines counted before a year's holiday schedule was loaded are recomputed with it.
        schedule_loaded.connect(tasks.schedule_loaded, dispatch_uid="zhili.matters.recompute_deadlines")
