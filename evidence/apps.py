from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    name = "evidence"
    verbose_name = _("Evidence, chain of custody and cell searches")

    def ready(self) -> None:
        # Evidence builds on linking and tipline, which import nothing of it: it registers what they show and keep.
        from cases.services import on_case_erase, on_case_merge
        from evidence.selectors import pseudonym_seizures
        from evidence.services import (
            exhibit_identifiers_rekey,
            exhibit_storage_names_kept,
            exhibits_erase,
            exhibits_move_to_case,
        )
        from linking.selectors import pseudonym_seizures_source
        from linking.services import pseudonym_holder_register
        from tipline.storage import kept_names_source

        pseudonym_seizures_source(pseudonym_seizures)
        kept_names_source(exhibit_storage_names_kept)
        pseudonym_holder_register(exhibit_identifiers_rekey)
        # A merged case's exhibits, their custody and their identifiers move with it, sealed under the target.
        on_case_merge(exhibits_move_to_case)
        on_case_erase(exhibits_erase)
