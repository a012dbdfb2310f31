from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LinkingConfig(AppConfig):
    name = "linking"
    verbose_name = _("Linking tips by keyed pseudonyms")

    def ready(self) -> None:
        # The public side's signals: every tip's and reply's entities are found as they arrive.
        from cases.services import on_case_erase
        from linking import receivers  # noqa: F401
        from linking.services import linking_erase

        # A case deleted on its retention schedule takes its tips' pseudonyms and suggested links with it.
        on_case_erase(linking_erase)
