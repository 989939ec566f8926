from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TaxonomyConfig(AppConfig):
    name = "zhili.taxonomy"
    label = "taxonomy"
    verbose_name = "分类体系"

    def ready(self) -> None:
        from zhili.taxonomy.services import sync_after_migrate

        post_migrate.connect(sync_after_migrate, sender=self)
