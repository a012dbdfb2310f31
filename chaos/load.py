"""The load generator: simulated whistleblowers that report, come back with their code and reply.

Each thread is one person at a time behaving like a browser without JavaScript: it
GETs a page, keeps its cookies, sends back the page's hidden inputs with its own
fields, sends `Origin: null` and `Sec-Fetch-Site: same-origin` as a browser does
under `Referrer-Policy: no-referrer`, and reads the receipt off the receipt page.

A 503 or a connection error is answered like a person would: wait a moment and
press send again with the same text (from the form the 503 page kept, or a fresh
one); after a proxy's 502 page, the same form again (the Back button). A 500 is
recorded as a failure, and the person tries again too.
"""

from __future__ import annotations

import datetime
import http.client
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from chaos import files as chaos_files
from chaos.html import Form, form_with, multipart, receipt_in, shows_text
from chaos.ledger import (
    CONNECTION_REFUSED,
    CONNECTION_RESET,
    PROXY_ERROR,
    TIMEOUT,
    Ledger,
    Sample,
    SentFile,
    SentReply,
    SentTip,
)
from deploy.up import self_signed_client_context

REQUEST_TIMEOUT_SECONDS = 60.0
# A person presses send again a few times, then later; the run's grace period bounds it all.
MAX_ATTEMPTS = 30
DESCRIPTIONS = (
    "En el pabellón {n} un técnico recibe dinero de las visitas para dejar pasar celulares.",
    "Los domingos entran chips y cargadores escondidos en la comida, puerta {n}.",
    "Un proveedor de la cocina trae paquetes cerrados que nadie revisa (turno {n}).",
    "Anoche lanzaron un paquete por encima del muro cerca de la torre {n}.",
)


class ConnectionProblem(Exception):
    """The request got no HTTP answer; `kind` is one of the ledger's error names."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: str
    data: bytes = field(default=b"", repr=False)  # the body's bytes, as sent (a downloaded file)


def classify(error: BaseException) -> str:
    """Return the ledger's name for a failed request."""
    if isinstance(error, ConnectionRefusedError):
        return CONNECTION_REFUSED
    if isinstance(error, (TimeoutError, socket.timeout)):
        return TIMEOUT
    if isinstance(error, (ConnectionError, http.client.RemoteDisconnected, http.client.IncompleteRead)):
        return CONNECTION_RESET
    return type(error).__name__


@dataclass
class Browser:
    """One person's browser: a cookie jar and HTTP/1.1 to the server under test (over TLS when `tls`)."""

    host: str
    port: int
    ledger: Ledger
    started: float
    cookies: dict[str, str] = field(default_factory=dict)
    tls: bool = False

    @classmethod
    def at(cls, base_url: str, *, ledger: Ledger, started: float, cookies: dict[str, str] | None = None) -> Browser:
        """Return a browser for `base_url` ("http://host:port" or "https://host:port")."""
        parts = urlsplit(base_url)
        tls = parts.scheme == "https"
        port = parts.port or (443 if tls else 80)
        jar = cookies if cookies is not None else {}
        return cls(host=parts.hostname or "127.0.0.1", port=port, ledger=ledger, started=started, cookies=jar, tls=tls)

    def _connection(self) -> http.client.HTTPConnection:
        if not self.tls:
            return http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT_SECONDS)
        # The drills' own proxy on loopback, with the self-signed certificate `make up` makes.
        context = self_signed_client_context()
        return http.client.HTTPSConnection(self.host, self.port, timeout=REQUEST_TIMEOUT_SECONDS, context=context)

    def _store_cookies(self, response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            pair, *attributes = header.split(";")
            name, _, value = pair.strip().partition("=")
            expired = any(a.strip().lower() in ("max-age=0", "max-age=-1") for a in attributes)
            if expired or value in ('""', ""):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def request(
        self, method: str, path: str, endpoint: str, *, body: bytes | None = None, content_type: str | None = None
    ) -> Response:
        """Send one request and record it; raise ConnectionProblem if no HTTP answer came."""
        headers = {"Host": f"{self.host}:{self.port}", "Accept-Language": "es", "Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if method == "POST":
            headers.update({"Origin": "null", "Sec-Fetch-Site": "same-origin", "Content-Type": content_type or ""})
        connection = self._connection()
        begun = time.monotonic()
        try:
            connection.request(method, path, body=body, headers=headers)
            raw = connection.getresponse()
            data = raw.read()
            self._store_cookies(raw)
            headers = {k.lower(): v for k, v in raw.getheaders()}
            response = Response(raw.status, headers, body=data.decode("utf-8", "replace"), data=data)
        except (OSError, http.client.HTTPException) as error:
            kind = classify(error)
            self.ledger.record(Sample(endpoint, begun - self.started, (time.monotonic() - begun) * 1000, None, kind))
            raise ConnectionProblem(kind) from error
        finally:
            connection.close()
        self.ledger.record(Sample(endpoint, begun - self.started, (time.monotonic() - begun) * 1000, response.status))
        return response

    def note_text_kept(self, response: Response, text: str, endpoint: str) -> None:
        """Record, for a 503, whether the page kept what the person typed."""
        if response.status == 503:
            self.ledger.record_unavailable(endpoint, text_kept=shows_text(response.body, text))


def report_fields(form: Form, description: str, rng: random.Random) -> list[tuple[str, str]]:
    """Return what a person fills in on the report form, chosen among the options the page offers."""
    chosen = [
        ("facility", rng.choice(form.choices["facility"])),
        ("category", rng.choice(form.choices["category"])),
        ("staff_involved", rng.choice(form.choices["staff_involved"])),
        ("description", description),
    ]
    periods = [p for p in form.choices.get("when_period", []) if p != "date"] or ["this_month"]
    if rng.random() < 0.2 and "date" in form.choices.get("when_period", []):
        day = datetime.date.today() - datetime.timedelta(days=rng.randint(0, 60))
        chosen += [("when_period", "date"), ("occurred_on", day.isoformat())]
    else:
        chosen.append(("when_period", rng.choice(periods)))
    channels = form.choices.get("smuggling_channel", [])
    if channels and rng.random() < 0.7:
        chosen.append(("smuggling_channel", rng.choice(channels)))
    if rng.random() < 0.2:
        chosen.append(("contact", f"Puede escribirme a la casilla {rng.randint(100, 999)}."))
    return chosen


def new_report(rng: random.Random, first_serial: int) -> SentTip:
    """Return a report to send: a description with a unique marker, and 0-3 files."""
    marker = f"chaos-{uuid.uuid4().hex}"
    description = rng.choice(DESCRIPTIONS).format(n=rng.randint(1, 12)) + f" [{marker}]"
    return SentTip(marker=marker, description=description, files=chaos_files.random_files(rng, first_serial, most=3))


@dataclass
class Person:
    """One simulated whistleblower thread: reports, and sometimes comes back to reply."""

    browser: Browser
    rng: random.Random
    should_stop: Callable[[], bool]
    serials: Callable[[int], int]
    ledger: Ledger
    give_up_at: float

    def pause(self, attempt: int) -> None:
        """Wait before pressing send again, a bit longer each time (about what a patient person does)."""
        time.sleep(min(5.0, 0.3 * (attempt + 1)) * (0.5 + self.rng.random()))

    def patient(self) -> bool:
        return time.monotonic() < self.give_up_at

    def get_form(self, path: str, endpoint: str, field_name: str) -> Form | None:
        """GET a page until it answers with the form that has `field_name` (or the person gives up)."""
        for attempt in range(MAX_ATTEMPTS):
            if not self.patient():
                return None
            try:
                response = self.browser.request("GET", path, endpoint)
            except ConnectionProblem:
                self.ledger.count_retry()
                self.pause(attempt)
                continue
            form = form_with(response.body, field_name) if response.status == 200 else None
            if form is not None:
                return form
            self.ledger.count_retry()
            self.pause(attempt)
        return None

    # --- reporting -------------------------------------------------------------------------------------

    def report(self) -> SentTip | None:
        """Send one report with 0-3 files; return it with its receipt, or None if no form could be had."""
        form = self.get_form("/report/", "GET /report/", "description")
        if form is None:
            return None
        tip = new_report(self.rng, self.serials(3))
        self.ledger.add_tip(tip)
        fields = report_fields(form, tip.description, self.rng)
        hidden: list[tuple[str, str]] | None = form.hidden
        for attempt in range(MAX_ATTEMPTS):
            if hidden is None or not self.patient():
                return tip
            tip.attempts += 1
            body, content_type = multipart(hidden + fields, [("attachments", f) for f in tip.files])
            try:
                response = self.browser.request(
                    "POST", "/report/", "POST /report/", body=body, content_type=content_type
                )
            except ConnectionProblem:
                hidden = self._fresh_hidden("/report/", "description", attempt)
                continue
            receipt = receipt_in(response.body) if response.status == 200 else None
            if receipt:
                tip.receipt = receipt
                return tip
            self.browser.note_text_kept(response, tip.description, "POST /report/")
            self.ledger.count_retry()
            self.pause(attempt)
            if response.status == PROXY_ERROR:
                # A proxy's error page holds no form: the person goes Back and sends the same form again
                # (its receipt-again key shows the receipt if the report was stored after all).
                continue
            # Press send again on the page the server gave back, if it kept the form; else start over.
            kept = form_with(response.body, "description") if response.status < 500 or response.status == 503 else None
            hidden = kept.hidden if kept is not None else self._fresh_hidden("/report/", "description", attempt)
        return tip

    def _fresh_hidden(self, path: str, field_name: str, attempt: int) -> list[tuple[str, str]] | None:
        self.ledger.count_retry()
        self.pause(attempt)
        form = self.get_form(path, f"GET {path}", field_name)
        return form.hidden if form is not None else None

    # --- following up ---------------------------------------------------------------------------------------

    def open_thread(self, tip: SentTip) -> Form | None:
        """Enter the tracking code on /followup/; return the reply form of the thread, or None."""
        assert tip.receipt is not None
        for attempt in range(MAX_ATTEMPTS):
            if not self.patient():
                return None
            form = self.get_form("/followup/", "GET /followup/", "receipt")
            if form is None:
                return None
            body = urlencode([*form.hidden, ("receipt", tip.receipt)]).encode()
            try:
                response = self.browser.request(
                    "POST",
                    "/followup/",
                    "POST /followup/ (code)",
                    body=body,
                    content_type="application/x-www-form-urlencoded",
                )
            except ConnectionProblem:
                self.ledger.count_retry()
                self.pause(attempt)
                continue
            if response.status in (302, 303):
                thread = self.get_form("/followup/", "GET /followup/ (thread)", "body")
                if thread is not None:
                    return thread
            self.browser.note_text_kept(response, tip.receipt, "POST /followup/ (code)")
            self.ledger.count_retry()
            self.pause(attempt)
        return None

    def reply(self, tip: SentTip, thread: Form) -> None:
        """Post one reply (sometimes with a file) in an open thread, pressing send again after a 503."""
        text = f"Respuesta {len(tip.replies) + 1} [{tip.marker}] {uuid.uuid4().hex[:8]}: lo vi otra vez ayer."
        reply = SentReply(body=text, files=chaos_files.random_files(self.rng, self.serials(1), most=1))
        tip.replies.append(reply)
        hidden = thread.hidden
        for attempt in range(MAX_ATTEMPTS):
            if not self.patient():
                return
            reply.attempts += 1
            fields = [*hidden, ("body", text), ("action", "reply")]
            body, content_type = multipart(fields, [("attachments", f) for f in reply.files])
            try:
                response = self.browser.request(
                    "POST", "/followup/", "POST /followup/ (reply)", body=body, content_type=content_type
                )
            except ConnectionProblem:
                response = None
            if response is not None and response.status in (302, 303):
                reply.accepted = True
                return
            if response is not None:
                self.browser.note_text_kept(response, text, "POST /followup/ (reply)")
            self.ledger.count_retry()
            self.pause(attempt)
            again = self.get_form("/followup/", "GET /followup/ (thread)", "body")
            if again is None:
                again = self.open_thread(tip)  # the follow-up session was lost: enter the code again
            if again is None:
                return
            hidden = again.hidden

    def follow_up(self, tip: SentTip) -> None:
        """Come back with the code in a fresh browser, read the thread and reply once or twice."""
        self.browser.cookies.clear()
        thread = self.open_thread(tip)
        if thread is None:
            return
        for _ in range(self.rng.choice((1, 1, 2))):
            if self.should_stop():
                return
            self.reply(tip, thread)
            fresh = self.get_form("/followup/", "GET /followup/ (thread)", "body")
            if fresh is None:
                return
            thread = fresh

    def live(self, earlier: Callable[[], SentTip | None]) -> None:
        """Report and follow up until told to stop."""
        while not self.should_stop():
            self.browser.cookies.clear()
            if self.rng.random() < 0.6:
                self.report()
            else:
                tip = earlier()
                if tip is not None:
                    self.follow_up(tip)
                else:
                    self.report()
            time.sleep(self.rng.uniform(0.05, 0.3))


@dataclass
class LoadSettings:
    base_url: str
    people: int
    duration: float
    grace: float
    seed: int


class Load:
    """Run `people` threads for `duration` seconds; in-flight journeys may finish within `grace`."""

    def __init__(self, settings: LoadSettings, ledger: Ledger) -> None:
        self.settings = settings
        self.ledger = ledger
        self._stop = threading.Event()
        self._serial = 0
        self._serial_lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.started = time.monotonic()

    def _serials(self, count: int) -> int:
        with self._serial_lock:
            first = self._serial
            self._serial += count
            return first

    def _earlier(self, rng: random.Random) -> Callable[[], SentTip | None]:
        def pick() -> SentTip | None:
            seen = self.ledger.receipts()
            return rng.choice(seen) if seen else None

        return pick

    def start(self) -> None:
        self.started = time.monotonic()
        give_up_at = self.started + self.settings.duration + self.settings.grace
        for index in range(self.settings.people):
            rng = random.Random(self.settings.seed * 1000 + index)
            browser = Browser.at(self.settings.base_url, ledger=self.ledger, started=self.started)
            person = Person(browser, rng, self._stop.is_set, self._serials, self.ledger, give_up_at)
            thread = threading.Thread(
                target=person.live, args=(self._earlier(rng),), name=f"person-{index}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def stop_and_wait(self) -> None:
        """Stop starting new journeys; wait for those in flight (bounded by the grace period)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.settings.grace + REQUEST_TIMEOUT_SECONDS)


def all_sent_files(tips: list[SentTip]) -> list[SentFile]:
    """Return every file of the tips whose receipt was seen, and of their accepted replies."""
    sent = []
    for tip in tips:
        if tip.receipt:
            sent += tip.files
            for reply in tip.replies:
                if reply.accepted:
                    sent += reply.files
    return sent
