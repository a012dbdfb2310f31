from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = _("Reserved identities and their disclosure")

    def ready(self) -> None:
        from cases.services import on_case_erase, on_case_merge
        from identity.erasure import disclosures_erase, disclosures_move_to_case

        # cases does not import identity: a case deleted on its retention schedule loses its disclosures, and a
        # merged case's requests move with it.
        on_case_erase(disclosures_erase)
        on_case_merge(disclosures_move_to_case)
