from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnvelopeConfig(AppConfig):
    """The envelope has no models; as an app it checks the `cryptography` wheel once, at start-up."""

    name = "envelope"
    verbose_name = _("Encryption envelope")

    def ready(self) -> None:
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured

        # Fail at start-up, with a clear message, if the wheel lacks hybrid HPKE.
        try:
            from envelope import primitives
        except ImportError as exc:  # pragma: no cover - depends on the installed wheel
            raise ImproperlyConfigured(
                "The installed 'cryptography' package has no HPKE module; install the version pinned in "
                f"requirements.txt (cryptography>=47 with OpenSSL 3.5 or later): {exc}"
            ) from exc
        primitives.check_backend()
        primitives.configure_argon2_concurrency(settings.TIPLINE_ARGON2_MAX_CONCURRENT)
