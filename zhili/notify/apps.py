from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "zhili.notify"
    label = "notify"
    verbose_name = "通知"
