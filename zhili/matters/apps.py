from django.apps import AppConfig


class MattersConfig(AppConfig):
    name = "zhili.matters"
    label = "matters"
    verbose_name = "事项"
