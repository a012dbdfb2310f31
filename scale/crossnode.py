"""The cross-node checks: what one node wrote, the other must read, and what one node allowed, the other must count.

Each check talks HTTP to the two nodes directly (not through the proxy), as a
person whose next request lands on the other machine, with chaos/load.py's
browser (its cookie jar shared between the two nodes where the person is the
same) and chaos/html.py's form reading. Each returns a `Check` (ok, and a line
saying what was seen), and the reports it made, for the verifier to check again.

- A report made through node A opens with its receipt through node B, and each
  of its files downloads from B with the bytes that were sent (metadata removed).
- A staff login on node A (password and TOTP code) works on node B: the session
  and the session vault cookie open the report page, decrypted, on B.
- A form token issued by A is accepted once on B, and refused when replayed on A.
- The per-code receipt attempt limit is one count: attempts alternated between
  A and B are refused after the limit, on both.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlencode

from chaos import files as chaos_files
from chaos.html import Form, form_with, multipart, receipt_in, shows_text
from chaos.ledger import Ledger, SentFile, SentTip
from chaos.load import Browser, ConnectionProblem, Response
from chaos.verify import files_match

ATTACHMENT_LINK = re.compile(r'href="(/followup/files/[0-9a-f-]{36}/)"')
FIRST_SERIAL = 9_000_000  # file serials of the checks, apart from the load's
DESCRIPTION = "Drill entre nodos: el encargado del turno {n} cobra por dejar pasar celulares. [{marker}]"


class CheckFailed(Exception):
    """A step of a check did not see what it should have."""


@dataclass
class Check:
    ok: bool
    detail: str

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "detail": self.detail}


@dataclass
class Person:
    """One person's browser, which may talk to either node; the cookie jar is the same for both."""

    ledger: Ledger = field(default_factory=Ledger)
    cookies: dict[str, str] = field(default_factory=dict)

    def at(self, base_url: str) -> Browser:
        return Browser.at(base_url, ledger=self.ledger, started=time.monotonic(), cookies=self.cookies)

    def get(self, base_url: str, path: str) -> Response:
        return self.at(base_url).request("GET", path, f"GET {path}")

    def post(
        self, base_url: str, path: str, fields: list[tuple[str, str]], files: list[SentFile] | None = None
    ) -> Response:
        if files is None:
            body, content_type = urlencode(fields).encode(), "application/x-www-form-urlencoded"
        else:
            body, content_type = multipart(fields, [("attachments", f) for f in files])
        return self.at(base_url).request("POST", path, f"POST {path}", body=body, content_type=content_type)

    def form(self, base_url: str, path: str, field_name: str) -> Form:
        response = self.get(base_url, path)
        form = form_with(response.body, field_name) if response.status == 200 else None
        if form is None:
            raise CheckFailed(f"GET {path} on {base_url} answered {response.status} without the form")
        return form


def new_tip(files: list[SentFile]) -> SentTip:
    """Return a report to send, with a marker the verifier finds (chaos/verify.py's MARKER)."""
    marker = f"chaos-{uuid.uuid4().hex}"
    return SentTip(
        marker=marker, description=DESCRIPTION.format(n=secrets.randbelow(12) + 1, marker=marker), files=files
    )


def report_fields(form: Form, tip: SentTip) -> list[tuple[str, str]]:
    """Return the report form's fields for `tip`: the first option of every choice, the description."""
    fields = [
        (name, form.choices[name][0]) for name in ("facility", "category", "staff_involved") if form.choices.get(name)
    ]
    periods = [p for p in form.choices.get("when_period", []) if p != "date"]
    return [*fields, ("when_period", periods[0] if periods else "this_month"), ("description", tip.description)]


def report(person: Person, base_url: str, tip: SentTip, *, form: Form | None = None) -> str:
    """Send `tip` through the node at `base_url`; return the receipt shown (raise if none)."""
    form = form or person.form(base_url, "/report/", "description")
    response = person.post(base_url, "/report/", form.hidden + report_fields(form, tip), tip.files)
    receipt = receipt_in(response.body) if response.status == 200 else None
    if receipt is None:
        raise CheckFailed(f"POST /report/ on {base_url} answered {response.status} without a receipt")
    tip.receipt = receipt
    return receipt


def followup_enter(person: Person, base_url: str, receipt: str) -> Response:
    """Type the tracking code on /followup/ of the node at `base_url`; return the answer (302 when it opened)."""
    form = person.form(base_url, "/followup/", "receipt")
    return person.post(base_url, "/followup/", [*form.hidden, ("receipt", receipt)])


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- the checks --------------------------------------------------------------------------------------------


def report_on_a_opens_on_b(a: str, b: str) -> tuple[Check, SentTip]:
    """Report with three files through A; open it with its receipt through B and download every file there."""
    files = [
        chaos_files.jpeg(FIRST_SERIAL, with_exif=True),
        chaos_files.pdf(FIRST_SERIAL + 1),
        chaos_files.text(FIRST_SERIAL + 2),
    ]
    tip = new_tip(files)
    report(Person(), a, tip)
    assert tip.receipt is not None
    reader = Person()
    entered = followup_enter(reader, b, tip.receipt)
    if entered.status not in (302, 303):
        raise CheckFailed(f"the receipt from A did not open the report on B ({entered.status})")
    thread = reader.get(b, "/followup/")
    if thread.status != 200 or not shows_text(thread.body, tip.description):
        raise CheckFailed(f"B's thread page ({thread.status}) does not show the report made on A")
    links = ATTACHMENT_LINK.findall(thread.body)
    downloaded = []
    for link in links:
        response = reader.get(b, link)
        if response.status != 200:
            raise CheckFailed(f"GET {link} on B answered {response.status}")
        downloaded.append(_sha256(response.data))
    verified, wrong = files_match(files, downloaded)
    if wrong or len(links) != len(files):
        raise CheckFailed(f"{verified} of {len(files)} files came back from B with the bytes sent ({len(links)} links)")
    return Check(True, f"report made on A opened on B with its receipt; {verified} of {len(files)} files equal"), tip


@dataclass(frozen=True)
class StaffLogin:
    username: str
    password: str = field(repr=False)
    code: str = field(repr=False)


def staff_member_for(tip: SentTip, escrow_private_key: bytes) -> StaffLogin:
    """Make an investigator of the tip's unit as create_staff, add_staff_to_unit --escrow-private-key and enrol_totp do.

    The demo staff's published password is refused with DEBUG off, so the drill makes its
    own account with a random password and authenticator; returns the login and the current code.
    """
    from django.contrib.auth import get_user_model
    from django_otp.oath import TOTP

    from accounts.keys import membership_grant, staff_member_create, unit_private_key_from_escrow
    from accounts.models import Role
    from accounts.services import staff_totp_enrol
    from tipline.services import tip_open_with_receipt

    assert tip.receipt is not None
    opened = tip_open_with_receipt(receipt_text=tip.receipt)
    if opened is None:
        raise CheckFailed("the report for the staff check does not open with its receipt")
    keypair = opened[0].unit_keypair
    username = f"drill_{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(24)
    user = get_user_model().objects.create_user(username=username, email=f"{username}@example.invalid")
    user.set_password(password)
    user.save()
    member = staff_member_create(user=user, role=Role.INVESTIGATOR, password=password)
    unit_key = unit_private_key_from_escrow(keypair=keypair, escrow_private_key=escrow_private_key)
    membership_grant(member=member, keypair=keypair, unit_private_key=unit_key)
    device = staff_totp_enrol(user=user, key_hex=secrets.token_hex(20))
    code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    return StaffLogin(username, password, f"{code:0{device.digits}d}")


def staff_session_moves(a: str, b: str, tip: SentTip, escrow_private_key: bytes) -> Check:
    """Log in on A; the report page, decrypted with the session vault, must render on B with the same cookies."""
    from django.conf import settings

    from tipline.services import tip_open_with_receipt

    login = staff_member_for(tip, escrow_private_key)
    staff = Person()
    form = staff.form(a, "/staff/login/", "username")
    answer = staff.post(
        a,
        "/staff/login/",
        [*form.hidden, ("username", login.username), ("password", login.password), ("otp_token", login.code)],
    )
    if answer.status not in (302, 303):
        raise CheckFailed(f"the staff login on A answered {answer.status}")
    vault_cookie = settings.VAULT_COOKIE_NAME
    if vault_cookie not in staff.cookies or settings.SESSION_COOKIE_NAME not in staff.cookies:
        raise CheckFailed(f"the login on A set no session or vault cookie ({sorted(staff.cookies)})")
    assert tip.receipt is not None
    opened = tip_open_with_receipt(receipt_text=tip.receipt)
    assert opened is not None
    page = staff.get(b, f"/staff/tips/{opened[0].public_id}/")
    if page.status != 200 or not shows_text(page.body, tip.description):
        raise CheckFailed(f"the report page on B answered {page.status} without the decrypted report")
    without_vault = Person(cookies={k: v for k, v in staff.cookies.items() if k != vault_cookie})
    blind = without_vault.get(b, f"/staff/tips/{opened[0].public_id}/")
    hidden = not shows_text(blind.body, tip.description)
    return Check(
        hidden,
        "logged in on A (password + TOTP); B rendered the decrypted report page with A's session and vault cookies"
        + (
            "; without the vault cookie B showed no plaintext"
            if hidden
            else "; but B showed it WITHOUT the vault cookie"
        ),
    )


def form_token_single_use(a: str, b: str) -> tuple[Check, SentTip]:
    """A report form from A, sent to B, is accepted; the same token sent again to A is refused."""
    from tipline import abuse, receipt_again

    person = Person()
    form = person.form(a, "/report/", "description")
    tip = new_tip([])
    receipt = report(person, b, tip, form=form)
    token = dict(form.hidden).get(abuse.TOKEN_FIELD)
    if not token:
        raise CheckFailed("the report form from A carries no form token")
    # The same token again, as a new report (not the "same form sent again", which shows the receipt again).
    replay = new_tip([])
    hidden = [(name, value) for name, value in form.hidden if name != receipt_again.FIELD]
    answer = person.post(a, "/report/", hidden + report_fields(form, replay))
    refused = answer.status == 400 and receipt_in(answer.body) is None
    detail = f"token from A accepted once on B (receipt {receipt[:4]}...), replay on A answered {answer.status}"
    return Check(refused, detail + ("" if refused else ", NOT refused")), tip


def receipt_limit_shared(a: str, b: str, limit: int) -> tuple[Check, SentTip]:
    """Alternate a code's attempts between A and B: `limit` open it, the next one is refused on both nodes."""
    tip = new_tip([])
    report(Person(), b, tip)
    assert tip.receipt is not None
    opened = 0
    for attempt, node in zip(range(limit), _alternating(a, b), strict=False):
        status = followup_enter(Person(), node, tip.receipt).status
        if status not in (302, 303):
            return Check(False, f"attempt {attempt + 1} of {limit} was refused ({status})"), tip
        opened += 1
    after = {name: followup_enter(Person(), node, tip.receipt).status for name, node in (("A", a), ("B", b))}
    ok = opened == limit and all(status == 429 for status in after.values())
    detail = f"{opened} attempts alternated A/B opened the report; the next answered A {after['A']}, B {after['B']}"
    return Check(ok, detail + f" (limit {limit} per code per hour)"), tip


def _alternating(a: str, b: str) -> Iterator[str]:
    while True:
        yield a
        yield b


def run_all(a: str, b: str, *, escrow_private_key: bytes, receipt_limit: int) -> tuple[dict[str, Check], list[SentTip]]:
    """Run every cross-node check; return the outcome by name and the reports they made."""
    checks: dict[str, Check] = {}
    tips: list[SentTip] = []
    first: SentTip | None = None
    try:
        check, first = report_on_a_opens_on_b(a, b)
        checks["report on A opens on B with its files"] = check
        tips.append(first)
    except (CheckFailed, ConnectionProblem) as failed:
        checks["report on A opens on B with its files"] = Check(False, str(failed))

    def staff_step() -> tuple[Check, SentTip | None]:
        if first is None:
            raise CheckFailed("skipped: no report made on A to open")
        return staff_session_moves(a, b, first, escrow_private_key), None

    steps: list[tuple[str, Callable[[], tuple[Check, SentTip | None]]]] = [
        ("staff session and vault from A work on B", staff_step),
        ("form token from A used once on B, refused again on A", lambda: form_token_single_use(a, b)),
        ("receipt attempt limit shared by A and B", lambda: receipt_limit_shared(a, b, receipt_limit)),
    ]
    for name, step in steps:
        try:
            check, tip = step()
        except (CheckFailed, ConnectionProblem) as failed:
            checks[name] = Check(False, str(failed))
            continue
        checks[name] = check
        if tip is not None:
            tips.append(tip)
    return checks, tips
