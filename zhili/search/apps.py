from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "zhili.search"
    label = "search"
    verbose_name = "检索"
