"""Hypothesis strategies for hostile input: text, dates, choices, files, form posts and raw request bodies.

A drawn `FormPost` knows which of its fields were broken on purpose (`broken`): a post
with a broken field must be refused and store nothing. A post with nothing broken
may be accepted or refused (an odd file type, an oversized extra field), and when it
is accepted the stored tip must read back exactly as sent.
"""

from __future__ import annotations

import datetime
import functools
import html
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_from_bytes, urlencode

from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import strategies as st

from fuzz.mutations import mutated
from tipline.abuse import HONEYPOT_FIELD
from tipline.forms import DATE_INPUT_FORMATS, REPLY_MAX, AttachmentsField, ReportForm
from tipline.models import WhenPeriod

# Pieces that have broken text handling somewhere: NUL, bidirectional overrides, byte-order
# marks, zero-width characters, combining marks, astral-plane characters, digits of other
# scripts, markup, template syntax, format strings, SQL, paths, CR/LF.
SNIPPETS = (
    "\x00",
    "\u202e",
    "\u200f",
    "\u2066",
    "\u2069",
    "\ufeff",
    "\u200b",
    "\u0301",
    "\r\n",
    "\n",
    "\t",
    "\x0b",
    "\x1b[31m",
    "'",
    '"',
    "\\",
    "<script>alert(1)</script>",
    "{{ request }}",
    "{% debug %}",
    "%s%n%x",
    "' OR 1=1 --",
    "../../etc/passwd",
    "🙂",
    "𝕏",
    "\uffff",
    "\U0010ffff",
    "İ",
    "ß",
    "ﬁ",
    "١٢٣٤",
    "１２３４",
    "Ⅻ",
    "ñandú",
    "   ",
)

# The same text can be typed in many shapes; a few words keep a generated value non-empty.
WORDS = ("celulares", "pabellón 3", "Sgto. Pérez", "el Flaco", "visita", "SIM", "dinero", "droga")


@functools.cache
def unicode_text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Any text a browser can send: every code point UTF-8 can carry (lone surrogates cannot)."""
    return st.text(st.characters(codec="utf-8"), max_size=max_size)


@functools.cache
def huge_text() -> st.SearchStrategy[str]:
    """Very long text, some of it past the upload size limit, built by repetition (cheap to draw)."""
    return st.builds(
        lambda piece, times: piece * times,
        st.sampled_from(["a", "é", "\x00", "🙂", "\u202e", "ab "]) | unicode_text(4).filter(bool),
        st.integers(1_000, 90_000),
    )


@functools.cache
def hostile_text(*, huge: bool = True) -> st.SearchStrategy[str]:
    """Text meant to break things: random unicode, the snippets above, mixes of both, and huge values."""
    mixes = st.lists(st.sampled_from(SNIPPETS) | unicode_text(6), max_size=8).map("".join)
    options = [unicode_text(), st.sampled_from(SNIPPETS), mixes]
    if huge:
        options.append(huge_text())
    return st.one_of(options)


def char_field_accepts(value: str, *, max_length: int, required: bool) -> bool:
    """Return whether a Django CharField (strip on, NUL prohibited) accepts `value`."""
    stripped = value.strip()
    if "\x00" in stripped or len(stripped) > max_length:
        return False
    return bool(stripped) or not required


@functools.cache
def text_for(*, max_length: int, required: bool) -> st.SearchStrategy[str]:
    """Hostile text that a CharField still accepts."""
    core = st.sampled_from(WORDS) if required else st.sampled_from(("", *WORDS))
    return st.builds(
        lambda head, word, tail: head + word + tail, hostile_text(huge=False), core, hostile_text(huge=False)
    ).filter(lambda value: char_field_accepts(value, max_length=max_length, required=required))


@functools.cache
def text_refused_by(*, max_length: int, required: bool) -> st.SearchStrategy[str]:
    """Text that a CharField must refuse: empty, a NUL, or one character too many (or far too many)."""
    too_long = st.builds(
        lambda word, extra, pad: pad + "x" * (max_length + extra) + word + pad,
        st.sampled_from(WORDS),
        st.integers(1, 3_000),
        st.sampled_from(["", " ", "\n"]),
    )
    options: list[st.SearchStrategy[str]] = [
        too_long,
        st.builds(lambda head, tail: head + "\x00" + tail, hostile_text(huge=False), hostile_text(huge=False)),
    ]
    if required:
        options.append(st.sampled_from(["", " ", "\n\t ", "\u3000", "\u2028"]))
    return st.one_of(options).filter(
        lambda value: not char_field_accepts(value, max_length=max_length, required=required)
    )


# --- choices and numbers --------------------------------------------------------------------------------


def choice_refused_by(valid: Sequence[str]) -> st.SearchStrategy[str]:
    """Values a ChoiceField with these choices must refuse: near misses and junk."""
    return _choice_refused_by(tuple(valid))


@functools.cache
def _choice_refused_by(valid: tuple[str, ...]) -> st.SearchStrategy[str]:
    words = [value for value in valid if value]
    near = st.sampled_from(words).flatmap(
        lambda value: st.sampled_from(
            [value.upper(), f" {value}", f"{value} ", value + "\x00", value[:-1], value + "s", value.replace("_", "-")]
        )
    )
    return st.one_of(near, hostile_text(huge=False), st.integers().map(str)).filter(lambda value: value not in valid)


def _as_int(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def id_refused_by(valid_ids: Sequence[int], *, also: Sequence[int] = ()) -> st.SearchStrategy[str]:
    """Values a ModelChoiceField over these ids must refuse: other ids (`also`: rows it does not offer),
    overflowing numbers, junk.

    The oracle is Python's int(), which Django's integer lookups use too: it accepts
    surrounding spaces, underscores and digits of other scripts, so those count as valid.
    """
    numbers = st.one_of(
        st.integers(-(2**70), 2**70).map(str),
        st.sampled_from(["0", "-1", "1.5", "1e3", "0x1", "NaN", "Infinity", "9" * 40, "-" + "9" * 40]),
    )
    options = [numbers, hostile_text(huge=False)]
    if also:
        options.append(st.sampled_from([str(pk) for pk in also]))
    return st.one_of(options).filter(lambda value: value.strip() != "" and _as_int(value) not in valid_ids)


# --- dates -------------------------------------------------------------------------------------------------

OTHER_DATE_FORMATS = ("%Y/%m/%d", "%d.%m.%Y", "%m-%d-%y", "%d %B %Y", "%B %d, %Y", "%Y-%m-%dT%H:%M", "%x", "%Y%m%d")
ODD_DATES = (
    "2026-02-30",
    "31/02/2026",
    "2026-13-01",
    "00/00/0000",
    "0000-01-01",
    "10000-01-01",
    "2026-W45-1",
    "//",
    "-",
)


def date_parses(value: str) -> bool:
    """Return whether the report form's date field reads `value` as a date (the form's own formats)."""
    text = value.strip()
    for fmt in DATE_INPUT_FORMATS:
        try:
            datetime.datetime.strptime(text, fmt)  # noqa: DTZ007 - a calendar date, no time zone involved
        except ValueError:
            continue
        return True
    return False


@functools.cache
def valid_dates() -> st.SearchStrategy[str]:
    """A date written in one of the accepted formats, with stray spaces around it."""
    return st.builds(
        lambda day, fmt, pad: pad + day.strftime(fmt) + pad,
        st.dates(min_value=datetime.date(1000, 1, 1)),
        st.sampled_from(DATE_INPUT_FORMATS),
        st.sampled_from(["", " ", "\t"]),
    )


@functools.cache
def invalid_dates() -> st.SearchStrategy[str]:
    """Dates in every other format, impossible dates, and junk: all must be refused."""
    other_formats = st.builds(
        lambda day, fmt: day.strftime(fmt), st.dates(), st.sampled_from([*OTHER_DATE_FORMATS, *DATE_INPUT_FORMATS])
    )
    digits = st.from_regex(r"\A[0-9]{1,6}[-/. ][0-9]{1,4}[-/. ][0-9]{1,6}\Z")
    return st.one_of(other_formats, st.sampled_from(ODD_DATES), digits, hostile_text(huge=False)).filter(
        lambda value: value.strip() != "" and not date_parses(value)
    )


# --- files ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadSpec:
    """A file to upload: its name, declared content type and bytes."""

    name: str
    content_type: str
    content: bytes

    def as_upload(self) -> SimpleUploadedFile:
        return SimpleUploadedFile(self.name, self.content, content_type=self.content_type)


@functools.cache
def sample_images() -> dict[str, bytes]:
    """Return a small JPEG and PNG that carry identifying metadata (EXIF with GPS, text chunks, a comment)."""
    from PIL import Image, PngImagePlugin

    picture = Image.new("RGB", (8, 8), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "FUZZ-CAMERA-MAKER"  # Make
    exif[0x8825] = {1: "S", 2: (12.0, 3.0, 4.0)}  # GPS: latitude south 12° 3' 4"
    jpeg = io.BytesIO()
    picture.save(jpeg, "JPEG", exif=exif.tobytes(), comment=b"FUZZ-JPEG-COMMENT")
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "FUZZ-PNG-AUTHOR")
    png = io.BytesIO()
    picture.save(png, "PNG", pnginfo=info)
    return {"jpeg": jpeg.getvalue(), "png": png.getvalue()}


# Markers that the sample images carry in their metadata, and that must never be stored in the clear.
IMAGE_METADATA_MARKERS = (b"FUZZ-CAMERA-MAKER", b"FUZZ-JPEG-COMMENT", b"FUZZ-PNG-AUTHOR")

# Names of file parts: no CR, LF or quote, which would change the multipart framing the test
# client writes (raw_multipart covers those).
_FILE_NAME_CHARS = st.characters(codec="utf-8", exclude_characters='\r\n"\\/')


@functools.cache
def file_names() -> st.SearchStrategy[str]:
    """Names the test client can send (Django's own test files refuse "." and ".."; raw_multipart sends those)."""
    return st.one_of(
        st.text(_FILE_NAME_CHARS, min_size=1, max_size=40),
        st.sampled_from(["photo.jpg", ".htaccess", "a" * 300 + ".png", "con.txt", "x.php.jpg", "\u202egpj.exe"]),
    ).filter(lambda name: name.strip() not in ("", ".", ".."))


def file_arrives(name: str) -> bool:
    """Return whether Django keeps a file part with this name (its multipart parser drops the others).

    The same rule as django.http.multipartparser.MultiPartParser.sanitize_file_name: the
    last path component, without non-printable characters, must not be empty, "." or "..".
    """
    last = html.unescape(name).rsplit("/")[-1].rsplit("\\")[-1]
    return "".join(char for char in last if char.isprintable()) not in ("", ".", "..")


@functools.cache
def content_types() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(
            ["image/jpeg", "image/png", "application/pdf", "text/plain", "text/html", "application/x-msdownload", ""]
        ),
        st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters='";\\'), max_size=40),
    )


@functools.cache
def file_contents(max_size: int) -> st.SearchStrategy[bytes]:
    """Bytes of a file: random, images with metadata (whole, cut or damaged), empty, or just over the limit."""
    images = st.sampled_from(sorted(sample_images())).map(lambda kind: sample_images()[kind])
    return st.one_of(
        st.binary(max_size=512),
        images,
        images.flatmap(mutated),
        st.just(b""),
        st.integers(max_size + 1, max_size + 4096).map(lambda size: b"\xff" * size),
    )


@functools.cache
def uploads(max_size: int) -> st.SearchStrategy[UploadSpec]:
    return st.builds(UploadSpec, file_names(), content_types(), file_contents(max_size))


# --- form posts -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormPost:
    """A POST to a form: its fields in order (a name may repeat), its files, and what was broken on purpose."""

    fields: tuple[tuple[str, str], ...]
    files: tuple[UploadSpec, ...] = ()
    broken: frozenset[str] = frozenset()
    urlencoded: bool = False
    extras: tuple[tuple[str, str], ...] = field(default=())

    def value(self, name: str, default: str = "") -> str:
        """Return what a Django form reads for `name`: the last value sent."""
        values = [value for key, value in self.fields if key == name]
        return values[-1] if values else default

    def has(self, name: str) -> bool:
        return any(key == name for key, _value in self.fields)


@dataclass(frozen=True)
class FieldRule:
    """How to draw a field's value: one that the form accepts, one it must refuse, and whether it may be left out."""

    valid: st.SearchStrategy[str]
    invalid: st.SearchStrategy[str] | None
    required: bool


@functools.cache
def _extra_fields(known: tuple[str, ...], honeypot: str | None) -> st.SearchStrategy[list[tuple[str, str]]]:
    usual = ["action", "submit", "next", "csrfmiddlewaretoken", "id", "pow_solution", *([honeypot] if honeypot else [])]
    names = st.one_of(unicode_text(20), st.sampled_from(usual))
    # No quote, backslash or line break in a name: they would change the framing the test client writes.
    pair = st.tuples(names.filter(lambda name: name not in known and not set(name) & set('"\\\r\n')), hostile_text())
    return st.lists(pair, max_size=4)


@st.composite
def form_posts(
    draw: st.DrawFn,
    rules: dict[str, FieldRule],
    *,
    files_field: str | None = None,
    max_files: int = 0,
    max_file_bytes: int = 0,
    cross_check: Callable[[dict[str, str], set[str]], None] | None = None,
    honeypot: str | None = None,
) -> FormPost:
    """Draw a post to a form with these fields: mostly near-valid, with zero to three fields broken.

    Broken means refused for sure: an invalid value, or a required field left out.
    Other fields get valid but hostile values; some are sent twice (the form reads the
    last), random extra fields come along, and files (if the form takes them) are
    drawn from every kind, a few too many or too large.
    """
    names = list(rules)
    breakable = [name for name in names if rules[name].invalid is not None or rules[name].required]
    count = draw(st.sampled_from([0, 0, 0, 1, 1, 2, 3]))
    to_break = set(draw(st.lists(st.sampled_from(breakable), max_size=count, unique=True))) if breakable else set()
    values: dict[str, str] = {}
    broken: set[str] = set()
    for name in names:
        rule = rules[name]
        if name in to_break:
            invalid = rule.invalid
            if invalid is not None and (not rule.required or draw(st.booleans())):
                values[name] = draw(invalid)
            broken.add(name)
        elif rule.required or draw(st.integers(0, 4)) > 0:
            values[name] = draw(rule.valid)
    if cross_check is not None:
        cross_check(values, broken)
    fields: list[tuple[str, str]] = []
    for name, value in values.items():
        if draw(st.integers(0, 9)) == 0:
            # Sent twice: a decoy first, the real value last (the one Django's forms read).
            fields.append((name, draw(hostile_text(huge=False))))
        fields.append((name, value))
    extras = draw(_extra_fields(tuple(names + ([files_field] if files_field else [])), honeypot))
    fields[draw(st.integers(0, len(fields))) : 0] = extras
    trap = [value for name, value in extras if name == honeypot]
    if trap and trap[-1].strip():
        # The field people cannot see was filled in (by a bot): refused, whatever else the post says.
        broken.add(str(honeypot))
    files: list[UploadSpec] = []
    if files_field:
        files = draw(st.lists(uploads(max_file_bytes), max_size=max_files + 1))
        arriving = [upload for upload in files if file_arrives(upload.name)]
        if len(arriving) > max_files or any(len(upload.content) > max_file_bytes for upload in arriving):
            broken.add(files_field)
    return FormPost(
        fields=tuple(fields),
        files=tuple(files),
        broken=frozenset(broken),
        urlencoded=not files and draw(st.integers(0, 3)) == 0,
        extras=tuple(extras),
    )


def form_field_rule(field: forms.Field, *, ids: Sequence[int] = (), refused_ids: Sequence[int] = ()) -> FieldRule:
    """Return the valid and refused values of one form field, from its type, choices, length and requiredness.

    Deriving the rule from the field means a field added to a form is fuzzed without a
    change here; a field of a type this does not know stops the fuzzer with a clear error.
    """
    if isinstance(field, forms.ModelChoiceField):
        return FieldRule(st.sampled_from([str(pk) for pk in ids]), id_refused_by(ids, also=refused_ids), field.required)
    if isinstance(field, forms.BooleanField):
        # A checkbox: any value is read as yes or no, nothing is refused.
        return FieldRule(st.sampled_from(["on", "1", "true", "false", "0", ""]) | unicode_text(), None, False)
    if isinstance(field, forms.DateField):
        return FieldRule(valid_dates(), invalid_dates(), field.required)
    if isinstance(field, forms.ChoiceField):
        choices: Any = field.choices
        values = [str(value) for value, _label in choices if value != "" or not field.required]
        return FieldRule(st.sampled_from(values), choice_refused_by(values), field.required)
    if isinstance(field, forms.CharField):
        limit = field.max_length or REPLY_MAX
        return FieldRule(
            text_for(max_length=limit, required=field.required),
            text_refused_by(max_length=limit, required=field.required),
            field.required,
        )
    raise TypeError(f"no fuzz rule for a {type(field).__name__}; add one to fuzz.strategies.form_field_rule")


def report_rules(*, facility_ids: Sequence[int], refused_ids: Sequence[int] = ()) -> dict[str, FieldRule]:
    """The fields of the report form (tipline.forms.ReportForm), each with valid and refused values."""
    return {
        name: form_field_rule(field, ids=facility_ids, refused_ids=refused_ids)
        for name, field in ReportForm.base_fields.items()
        if not isinstance(field, AttachmentsField)
    }


def report_cross_check(values: dict[str, str], broken: set[str]) -> None:
    """A specific date must come with the date itself: without one the report is refused."""
    if values.get("when_period") == WhenPeriod.DATE and not values.get("occurred_on", "").strip():
        broken.add("occurred_on")


def report_posts(
    *, facility_ids: Sequence[int], refused_ids: Sequence[int] = (), max_files: int, max_file_bytes: int
) -> st.SearchStrategy[FormPost]:
    """Posts to the report form (tipline.forms.ReportForm); `refused_ids` are facilities it does not offer."""
    return form_posts(
        report_rules(facility_ids=facility_ids, refused_ids=refused_ids),
        files_field="attachments",
        max_files=max_files,
        max_file_bytes=max_file_bytes,
        cross_check=report_cross_check,
        honeypot=HONEYPOT_FIELD,
    )


def reply_posts(*, max_files: int, max_file_bytes: int) -> st.SearchStrategy[FormPost]:
    """Posts to the whistleblower's reply form (tipline.forms.ReplyForm)."""
    rules = {
        "body": FieldRule(
            text_for(max_length=REPLY_MAX, required=True), text_refused_by(max_length=REPLY_MAX, required=True), True
        ),
        "action": FieldRule(
            (st.sampled_from(["reply", "send", ""]) | unicode_text()).filter(lambda v: v != "close"), None, False
        ),
    }
    return form_posts(rules, files_field="attachments", max_files=max_files, max_file_bytes=max_file_bytes)


# --- receipts --------------------------------------------------------------------------------------------------


def receipt_spellings(receipt: str) -> st.SearchStrategy[str]:
    """The right 16 digits typed in the ways people type them: grouped, dashed, dotted, padded."""
    groups = [receipt[i : i + 4] for i in range(0, 16, 4)]
    return st.builds(
        lambda sep, pad: pad + sep.join(groups) + pad,
        st.sampled_from(["", " ", "-", ".", "  ", " - ", "\t", "\u00a0", "\u3000"]),
        st.sampled_from(["", " ", "\n"]),
    )


def wrong_receipts(receipt: str) -> st.SearchStrategy[str]:
    """Codes that must not open the report: other digits, one digit off, too few or many, other scripts."""
    digits = st.text(st.sampled_from("0123456789"), min_size=14, max_size=18)
    near = st.builds(
        lambda index, digit: receipt[:index] + digit + receipt[index + 1 :],
        st.integers(0, 15),
        st.sampled_from("0123456789"),
    )
    other_scripts = st.sampled_from(
        [
            receipt.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
            receipt.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
            receipt[:8] + "\x00" + receipt[8:],
            receipt + "0",
            receipt[:-1],
        ]
    )
    return st.one_of(digits, near, other_scripts, hostile_text()).filter(
        lambda text: "".join(ch for ch in text if not ch.isspace() and ch not in "-.") != receipt
    )


# --- raw bodies --------------------------------------------------------------------------------------------------

RAW_CONTENT_TYPES = (
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-16",
    "application/x-www-form-urlencoded; charset=no-such-charset",
    "multipart/form-data",
    "multipart/form-data; boundary=",
    'multipart/form-data; boundary="unterminated',
    "multipart/form-data; boundary=" + "b" * 200,
    "multipart/mixed; boundary=xyz",
    "application/json",
    "text/plain",
    "application/octet-stream",
    "",
)


@dataclass(frozen=True)
class RawBody:
    """A request body sent as bytes, with the Content-Type header as it is."""

    content_type: str
    body: bytes


@functools.cache
def _header_text() -> st.SearchStrategy[str]:
    return st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30)


@st.composite
def multipart_parts(draw: st.DrawFn, post: FormPost) -> list[bytes]:
    """The parts of a multipart body for a post, with some headers garbled."""
    parts = []
    for name, value in post.fields:
        disposition = f'form-data; name="{name}"'
        if draw(st.integers(0, 7)) == 0:
            disposition = draw(
                st.sampled_from(
                    [
                        f"form-data; name*=UTF-8''{quote_from_bytes(name.encode())}",
                        "form-data",
                        f"form-data; name={name}",
                        f'attachment; name="{name}"',
                        'form-data; name="' + draw(_header_text()),
                    ]
                )
            )
        parts.append(f"Content-Disposition: {disposition}\r\n\r\n".encode() + value.encode("utf-8", "surrogatepass"))
    for upload in post.files:
        filename = draw(st.sampled_from([upload.name, "", ".", "..", "../../" + upload.name, "a\u0000b.jpg"]))
        head = (
            f'Content-Disposition: form-data; name="attachments"; filename="{filename}"\r\n'
            f"Content-Type: {upload.content_type}\r\n"
        )
        if draw(st.booleans()):
            head += f"Content-Transfer-Encoding: {draw(st.sampled_from(['base64', 'binary', 'quoted-printable', '7bit']))}\r\n"
        parts.append(head.encode("utf-8", "surrogatepass") + b"\r\n" + upload.content)
    return parts


@st.composite
def raw_multipart(draw: st.DrawFn, post: FormPost) -> RawBody:
    """A multipart body for `post`, framed by hand so the framing itself can be wrong.

    Random boundaries, a missing closing delimiter, a boundary that appears inside a
    value, parts without headers, then byte mutations of the whole.
    """
    boundary = draw(
        st.one_of(
            st.just("fuzzBoundary7MA4YWxk"), st.text(st.sampled_from("abcXYZ019-_'()+,./:=? "), min_size=1, max_size=70)
        )
    )
    parts = draw(multipart_parts(post))
    parts += draw(st.lists(st.binary(max_size=64), max_size=2))
    delimiter = b"--" + boundary.encode("ascii")
    body = b"".join(delimiter + b"\r\n" + part + b"\r\n" for part in parts)
    body += draw(st.sampled_from([delimiter + b"--\r\n", delimiter + b"--", b"", delimiter, delimiter + b"\r\n"]))
    if draw(st.integers(0, 3)) == 0:
        body = draw(mutated(body))
    declared = draw(st.sampled_from([boundary, boundary, f'"{boundary}"', boundary[:-1] or "x", boundary + "x"]))
    return RawBody(f"multipart/form-data; boundary={declared}", body)


@functools.cache
def _urlencoded_bytes() -> st.SearchStrategy[bytes]:
    escapes = st.sampled_from(
        [b"%ED%A0%80", b"%C0%AF", b"%FF", b"%", b"%G1", b"%00", b"+", b"&", b"=", b";", b"%E2%80%AE"]
    )
    token = st.one_of(escapes, st.binary(max_size=12), st.sampled_from([b"description", b"facility", b"category"]))
    return st.lists(token, max_size=40).map(b"".join)


def raw_bodies(posts: st.SearchStrategy[FormPost]) -> st.SearchStrategy[RawBody]:
    """Bodies of every shape: urlencoded with bad escapes and invalid UTF-8, hand-framed multipart,
    thousands of fields, and random bytes under random content types."""
    many_fields = st.integers(1_001, 3_000).map(
        lambda count: RawBody(
            "application/x-www-form-urlencoded", "&".join(f"f{index}=x" for index in range(count)).encode()
        )
    )
    return st.one_of(
        st.builds(RawBody, st.sampled_from(RAW_CONTENT_TYPES), _urlencoded_bytes()),
        posts.flatmap(raw_multipart),
        posts.map(lambda post: RawBody("application/x-www-form-urlencoded", urlencode(post.fields).encode())),
        many_fields,
        st.builds(RawBody, st.sampled_from(RAW_CONTENT_TYPES) | _header_text(), st.binary(max_size=2048)),
    )


# --- query strings -----------------------------------------------------------------------------------------------


@functools.cache
def query_strings(names: tuple[str, ...] = ()) -> st.SearchStrategy[str]:
    """A query string as the WSGI server hands it over (bytes read as Latin-1): pairs of the
    given names with hostile values, bad escapes, and raw bytes."""
    pairs = st.lists(
        st.tuples(st.sampled_from(names) if names else unicode_text(10), hostile_text(huge=False)), max_size=6
    ).map(lambda items: urlencode(items))
    raw = st.one_of(_urlencoded_bytes(), st.binary(max_size=200)).map(lambda data: data.decode("latin-1"))
    return st.one_of(pairs, raw, st.builds(lambda a, b: a + "&" + b, pairs, raw))
