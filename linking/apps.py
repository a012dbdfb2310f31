from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LinkingConfig(AppConfig):
    name = "linking"
    verbose_name = _("Linking tips by keyed pseudonyms")

    def ready(self) -> None:
        # The public side's signals: every tip's and reply's entities are found as they arrive.
        from linking import receivers  # noqa: F401
