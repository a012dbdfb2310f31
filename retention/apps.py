from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    name = "retention"
    verbose_name = _("Retention schedules, legal holds and deletion")

    def ready(self) -> None:
        from cases.services import on_case_merge
        from retention.services import legal_holds_move_to_case

        # cases does not import retention: a merged case's legal holds move with it.
        on_case_merge(legal_holds_move_to_case)
