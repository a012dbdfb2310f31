from django.apps import AppConfig


class TiplineConfig(AppConfig):
    name = "tipline"
    verbose_name = "Tip intake"

    def ready(self) -> None:
        from django.conf import settings

        from tipline import crypto

        # Fail at start-up, with a clear message, if the wheel lacks hybrid HPKE.
        crypto.check_backend()
        crypto.configure_argon2_concurrency(settings.TIPLINE_ARGON2_MAX_CONCURRENT)
