from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Case management"

    def ready(self) -> None:
        from cases import receivers  # noqa: F401  (connects the signal receivers)
