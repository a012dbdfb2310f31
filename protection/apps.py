from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProtectionConfig(AppConfig):
    name = "protection"
    verbose_name = _("Protection of whistleblowers: measures, check-ins and retaliation")

    def ready(self) -> None:
        from cases.services import on_case_close, on_case_erase, on_case_merge
        from protection.services import check_ins_after_closure, protection_erase, protection_merge

        # cases does not import protection: a closed case schedules its check-ins with the whistleblower, and a
        # merged case's decisions, measures and check-ins move with it, through these registrations.
        on_case_close(check_ins_after_closure)
        on_case_merge(protection_merge)
        on_case_erase(protection_erase)
