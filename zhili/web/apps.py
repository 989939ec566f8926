from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "zhili.web"
    label = "web"
    verbose_name = "网页"
