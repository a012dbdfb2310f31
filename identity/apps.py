from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = _("Reserved identities and their disclosure")

    def ready(self) -> None:
        from cases.services import on_case_erase
        from identity.erasure import disclosures_erase

        # cases does not import identity: a case deleted on its retention schedule loses its disclosures.
        on_case_erase(disclosures_erase)
