from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutcomesConfig(AppConfig):
    name = "outcomes"
    verbose_name = _("Outcomes: disciplinary proceedings, sanctions and referrals")

    def ready(self) -> None:
        from cases.services import on_case_erase, on_case_merge
        from outcomes.services import persons_erase, persons_move_to_case

        # cases does not import outcomes: a merged case's persons, proceedings, referrals and exports move with it.
        on_case_merge(persons_move_to_case)
        # A case deleted on its retention schedule loses its persons concerned; its proceedings stay counted.
        on_case_erase(persons_erase)
