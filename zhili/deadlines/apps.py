from django.apps import AppConfig
from django.db.models.signals import post_migrate


class DeadlinesConfig(AppConfig):
    name = "zhili.deadlines"
    label = "deadlines"
    verbose_name = "计时"

    def ready(self) -> None:
        from zhili.deadlines import cache  # noqa: F401  (connects the cache's signals)
        from zhili.deadlines.services import sync_after_migrate

        post_migrate.connect(sync_after_migrate, sender=self)
