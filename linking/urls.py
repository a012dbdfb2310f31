from django.urls import path, register_converter

from linking import views


class PseudonymConverter:
    """A keyed pseudonym in a URL: 64 lower-case hex digits."""

    regex = "[0-9a-f]{64}"

    def to_python(self, value: str) -> bytes:
        return bytes.fromhex(value)

    def to_url(self, value: bytes | str) -> str:
        return value.hex() if isinstance(value, bytes) else value


register_converter(PseudonymConverter, "pseudonym")

app_name = "linking"

urlpatterns = [
    path("tips/<uuid:public_id>/mentions/", views.mention_record, name="mention_record"),
    path("tips/<uuid:public_id>/mentions/<uuid:mention_id>/delete/", views.mention_delete, name="mention_delete"),
    path("tips/<uuid:public_id>/mentions/<uuid:mention_id>/confirm/", views.mention_confirm, name="mention_confirm"),
    path("tips/<uuid:public_id>/mentions/<uuid:mention_id>/correct/", views.mention_correct, name="mention_correct"),
    path("cases/<uuid:public_id>/merge/", views.case_merge, name="case_merge"),
    path("cases/<uuid:public_id>/verdict/", views.link_verdict, name="link_verdict"),
    path("pseudonyms/<pseudonym:pseudonym>/", views.pseudonym_detail, name="pseudonym"),
]
