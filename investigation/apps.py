from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvestigationConfig(AppConfig):
    name = "investigation"
    verbose_name = _("Investigation plans and interviews")

    def ready(self) -> None:
        from cases.digest import digest_planned_tasks_source
        from cases.services import on_case_erase, on_case_merge
        from investigation.selectors import PlannedTasks
        from investigation.services import investigation_erase, investigation_merge

        # cases does not import the investigation: a merged case's tasks and interviews move with it, and the
        # assignees' reminders and the units' summaries count the plans' tasks, through these registrations.
        on_case_merge(investigation_merge)
        on_case_erase(investigation_erase)
        digest_planned_tasks_source(PlannedTasks())
