"""A password validator for the staff's passwords: Django's list of common passwords misses Spanish ones.

accounts/common_passwords_es.txt.gz was compiled by hand for this project (not taken
from any breach corpus): the patterns Peruvian users are known to choose, such as a
word of everyday life, a football club, a city or a term of endearment ("alianza",
"universitario", "lima", "teamo", "contraseña") followed by digits or a year, plus
keyboard walks and the service's own name ("inpe"). One lower-case password a line,
compared as Django compares its own list (lower-cased, surrounding spaces dropped).
Gzipped, as Django's own list is, because Django reads a gzipped list as UTF-8 but
a plain one in the locale's encoding (and "contraseña" is not ASCII). To review or
extend it: `zcat accounts/common_passwords_es.txt.gz`, then `gzip -n -9` again.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth.password_validation import CommonPasswordValidator

SPANISH_COMMON_PASSWORDS = Path(__file__).resolve().parent / "common_passwords_es.txt.gz"


class SpanishCommonPasswordValidator(CommonPasswordValidator):
    """Refuse a password found in the list of common Spanish and Peruvian passwords."""

    DEFAULT_PASSWORD_LIST_PATH = SPANISH_COMMON_PASSWORDS  # type: ignore[assignment]
