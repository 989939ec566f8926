from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "zhili.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from zhili.audit import signals

        signals.connect()
