from django.apps import AppConfig


class GridConfig(AppConfig):
    name = "zhili.grid"
    label = "grid"
    verbose_name = "网格"
