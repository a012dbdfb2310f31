"""Abuse resistance on the public side, without identifying anyone (DESIGN.md section 8).

- Form tokens: every public form carries a signed token (its form, a random nonce,
  the time it was issued). A report sent sooner than TIPLINE_FORM_MIN_FILL_SECONDS
  after that is refused as too quick, an old one as expired, and each token is
  accepted once (its nonce is remembered in the cache for the token's lifetime).
- A honeypot field on the report form that people cannot see.
- A global token bucket for new tips. Nothing waits for it inside a web worker:
  a report that finds it empty is answered at once with its page, everything typed
  kept, "send again in N seconds" and a Retry-After of N (the time until the bucket
  has a token again). Reports that carry a proof of work have a lane carved out of
  the same budget, not added to it.
- Tracking codes (see tip_open_throttled): a code that is not 16 digits is answered
  at once, costs no Argon2 run and counts against nothing. A well-formed attempt is
  limited per code (keyed by the Argon2-derived lookup id), and never waits or is
  refused because of others' attempts. Per-report limits for replies and files are
  counted in the database.

Why there is no global gate (and no global wait) on tracking codes: a gate refuses
everyone once the bucket is spent, so anyone sending wrong codes faster than it
refills locks every whistleblower out of /followup/, and nothing without identity can
tell them apart before the Argon2 run. A wait does not help either: it holds a web
worker for every waiting attempt (twelve of them made every page slow), and under a
sustained flood the queue is full anyway. Guessing is bounded where it matters, per
code (TIPLINE_RECEIPT_ATTEMPTS_PER_LOOKUP_PER_HOUR, against 10^16 possible codes); the
server's Argon2 capacity is bounded hard by the semaphore in envelope.primitives
(TIPLINE_ARGON2_MAX_CONCURRENT runs at once per web process). The global receipt
bucket is kept as a meter: attempts above TIPLINE_RECEIPT_ATTEMPTS_PER_MINUTE are
counted for operators (receipt_over_pace), and go on like the others.

Nothing here reads or stores an IP address, a user agent or any other property of
the client: the buckets are global or keyed by a report. If a per-client signal is
ever needed it must be an HMAC under a key that lives only in process memory,
rotates daily and is kept in the cache for at most an hour.

The cache (Redis in production) may fail; every check here then fails open with a
warning that carries no request data, so a whistleblower never sees a 500 because
Redis restarted.
"""

from __future__ import annotations

import datetime
import enum
import logging
import math
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache
from django.http import QueryDict
from django.utils import timezone
from django.utils.crypto import salted_hmac

import envelope
from tipline import proof_of_work, services
from tipline.models import Attachment, Message, Tip

logger = logging.getLogger(__name__)

FORM_REPORT = "report"
FORM_RECEIPT = "receipt"
FORM_REPLY = "reply"
TOKEN_FIELD = "form_token"
HONEYPOT_FIELD = "homepage"
POW_FIELD = "pow_solution"

_TOKEN_SALT = "tipline.abuse.form-token.v1"
# Ours are about 135 characters; anything much longer is not worth verifying.
_TOKEN_MAX_LENGTH = 400
_LOOKUP_SALT = "tipline.abuse.receipt-lookup.v1"
_KEY_PREFIX = "abuse"

# An indirection so tests can run the clock without real time passing. Nothing here sleeps.
_now: Callable[[], float] = time.time

_T = TypeVar("_T")


def _cache() -> BaseCache:
    return caches["default"]


def _fail_open(check: str, default: _T, action: Callable[[], _T]) -> _T:
    """Run a cache-backed check; if the cache is down, log (no request data) and let the request through."""
    try:
        return action()
    except Exception:  # noqa: BLE001 - any cache failure: fail open rather than answer 500
        logger.warning("cache unavailable: the %s check was skipped", check)
        return default


# --- counters for operators ----------------------------------------------------------------


class Event(enum.StrEnum):
    NEW_TIP_REFUSED = "new_tip_refused"
    NEW_TIP_PAID_WITH_WORK = "new_tip_paid_with_work"
    FORM_TOKEN_REFUSED = "form_token_refused"
    HONEYPOT_FILLED = "honeypot_filled"
    RECEIPT_OVER_PACE = "receipt_over_pace"
    RECEIPT_THROTTLED = "receipt_throttled"
    REPLY_LIMITED = "reply_limited"
    ATTACHMENT_LIMITED = "attachment_limited"


_COUNTER_DAYS = 8


def _counter_key(event: Event, day: str) -> str:
    return f"{_KEY_PREFIX}:count:{event.value}:{day}"


def count(event: Event) -> None:
    """Add one to today's counter of `event` (a number only: nothing about the request)."""
    key = _counter_key(event, timezone.localdate().isoformat())

    def increment() -> None:
        cache = _cache()
        cache.add(key, 0, timeout=_COUNTER_DAYS * 86400)
        cache.incr(key)

    _fail_open("counter", None, increment)


def counters_today() -> dict[str, int]:
    """Return today's counters of slowed and refused requests, for operators."""
    day = timezone.localdate().isoformat()
    keys = {event.value: _counter_key(event, day) for event in Event}
    found: dict[str, Any] = _fail_open("counter", {}, lambda: _cache().get_many(list(keys.values())))
    return {name: int(found.get(key) or 0) for name, key in keys.items()}


# --- form tokens ------------------------------------------------------------------------------


class TokenProblem(enum.StrEnum):
    MISSING = "missing"
    FORGED = "forged"
    OTHER_FORM = "other_form"
    EXPIRED = "expired"
    TOO_QUICK = "too_quick"
    REPLAYED = "replayed"


@dataclass(frozen=True)
class FormToken:
    form: str
    nonce: str
    issued_at: float


@dataclass(frozen=True)
class TokenCheck:
    """The outcome of checking a posted form token; `token` is set when it was ours and for this form."""

    problem: TokenProblem | None
    token: FormToken | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def form_token_issue(form: str, *, issued_at: float | None = None) -> str:
    """Return a signed token for one use of `form`, issued now unless told otherwise."""
    when = _now() if issued_at is None else issued_at
    payload = {"f": form, "n": secrets.token_urlsafe(16), "t": round(when, 3)}
    return signing.dumps(payload, salt=_TOKEN_SALT)


def _token_decode(value: str, *, form: str) -> TokenCheck:
    if len(value) > _TOKEN_MAX_LENGTH:
        return TokenCheck(TokenProblem.FORGED)
    try:
        payload = signing.loads(value, salt=_TOKEN_SALT)
        token = FormToken(form=str(payload["f"]), nonce=str(payload["n"]), issued_at=float(payload["t"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return TokenCheck(TokenProblem.FORGED)
    if token.form != form:
        return TokenCheck(TokenProblem.OTHER_FORM)
    return TokenCheck(None, token)


def _token_use_once(token: FormToken) -> bool:
    """Remember the token's nonce; return False if it was used before."""
    key = f"{_KEY_PREFIX}:token:{token.nonce}"
    timeout = settings.TIPLINE_FORM_TOKEN_MAX_AGE_SECONDS + 60
    return _fail_open("single-use token", True, lambda: bool(_cache().add(key, 1, timeout=timeout)))


def form_token_check(value: str | None, *, form: str, min_fill: bool = True, required: bool = True) -> TokenCheck:
    """Check a posted token for `form` and use it up; return what, if anything, is wrong with it.

    `min_fill` applies the minimum fill time (the report form: people take longer
    than that to write a report, simple bots do not). `required=False` accepts a
    request that carries no token at all (the follow-up forms, which the throttles
    protect); a token that is sent is always checked and used up.
    """
    if not value:
        return TokenCheck(TokenProblem.MISSING if required else None)
    check = _token_decode(value, form=form)
    if check.token is None:
        return check
    age = _now() - check.token.issued_at
    if age > settings.TIPLINE_FORM_TOKEN_MAX_AGE_SECONDS:
        return TokenCheck(TokenProblem.EXPIRED, check.token)
    if min_fill and age < settings.TIPLINE_FORM_MIN_FILL_SECONDS:
        return TokenCheck(TokenProblem.TOO_QUICK, check.token)
    if not _token_use_once(check.token):
        return TokenCheck(TokenProblem.REPLAYED, check.token)
    return check


def form_token_reissue(check: TokenCheck, *, form: str) -> str:
    """Return the token for the form shown again after `check`, so that sending it again works.

    A too-quick report keeps its original time, so it only has to wait out the
    rest of the minimum fill time; a person whose token was older (expired,
    replayed, or whose form had an error) can send again at once. A forged token,
    or none, earns nothing.
    """
    now = _now()
    if check.token is None:
        return form_token_issue(form, issued_at=now)
    earliest_sendable = now - settings.TIPLINE_FORM_MIN_FILL_SECONDS
    return form_token_issue(form, issued_at=max(min(check.token.issued_at, now), earliest_sendable))


def honeypot_filled(data: QueryDict) -> bool:
    """Return whether the field that people cannot see was filled in.

    Such a report is not stored, and the form comes back with everything else
    kept, the field emptied and a message saying so (a 400). Answering like a
    success would fool a bot better, but a person whose browser autofilled the
    field would then be shown a receipt for a report that does not exist and
    never learn it was lost; a bot gains nothing from the honest answer that it
    could not learn by reading the page.
    """
    return bool(data.get(HONEYPOT_FIELD, "").strip())


# --- token buckets ----------------------------------------------------------------------------

# Take one token if it is there and return 0; otherwise take nothing and return the
# seconds until one will be there. Nobody queues: a caller that finds the bucket
# empty is answered at once and comes back later. The time comes from the web
# process, so every host must keep its clock in sync; a clock behind the stored stamp
# refills nothing.
_TAKE_LUA = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
local tokens = tonumber(state[1]) or burst
local stamp = tonumber(state[2]) or now
if now > stamp then
  tokens = math.min(burst, tokens + (now - stamp) * rate)
  stamp = now
end
if tokens < 1 then return tostring((1 - tokens) / rate) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - 1), 'stamp', tostring(stamp))
redis.call('EXPIRE', KEYS[1], ttl)
return '0'
"""

# The embedded default (local memory cache) runs in one process: a lock is enough.
_local_lock = threading.Lock()


@dataclass(frozen=True)
class TokenBucket:
    """A token bucket shared by every web process through the cache."""

    name: str
    per_second: float
    burst: int

    def _key(self) -> str:
        return f"{_KEY_PREFIX}:bucket:{self.name}"

    def _ttl(self) -> int:
        return int(self.burst / self.per_second) + 60

    def take_or_wait_time(self) -> float:
        """Take a token and return 0, or take nothing and return the seconds until one is there.

        Never sleeps. A bucket with no rate or no room is always empty; if the cache
        is down the bucket lets everything through.
        """
        if self.per_second <= 0 or self.burst <= 0:
            return float("inf")
        cache = _cache()
        args = (self.per_second, self.burst, _now(), self._ttl())
        if isinstance(cache, RedisCache):
            return _fail_open(f"{self.name} bucket", 0.0, lambda: _redis_take(cache, self._key(), *args))
        return _fail_open(f"{self.name} bucket", 0.0, lambda: _local_take(cache, self._key(), *args))

    def take(self) -> bool:
        """Take a token if one is there now; return False if the bucket is empty."""
        return self.take_or_wait_time() <= 0


def _redis_take(cache: RedisCache, key: str, rate: float, burst: int, now: float, ttl: int) -> float:
    full_key = cache.make_key(key)
    # Django's RedisCache has no public way to run a script; its client pool is the supported route.
    client = cache._cache.get_client(full_key, write=True)  # type: ignore[attr-defined]
    result = client.eval(_TAKE_LUA, 1, full_key, repr(rate), burst, repr(now), ttl)
    return float(result.decode() if isinstance(result, bytes) else result)


def _local_take(cache: BaseCache, key: str, rate: float, burst: int, now: float, ttl: int) -> float:
    with _local_lock:
        tokens, stamp = cache.get(key) or (float(burst), now)
        if now > stamp:
            tokens, stamp = min(float(burst), tokens + (now - stamp) * rate), now
        if tokens < 1:
            return (1 - tokens) / rate
        cache.set(key, (tokens - 1, stamp), timeout=ttl)
        return 0.0


# --- new tips ---------------------------------------------------------------------------------


class Admission(enum.StrEnum):
    AT_ONCE = "at_once"
    PAID_WITH_WORK = "paid_with_work"
    REFUSED = "refused"


_NO_REFILL_RETRY_AFTER_SECONDS = 60


@dataclass(frozen=True)
class NewTipAdmission:
    """Whether a new tip may be stored now and, if not, in how many whole seconds to send it again."""

    admission: Admission
    retry_after: int = 0

    @property
    def refused(self) -> bool:
        return self.admission is Admission.REFUSED


def _paid_lane_share() -> float:
    """Return the part of the new-tip budget set aside for solved reports (none with the proof of work off)."""
    if not proof_of_work.difficulty_bits():
        return 0.0
    return min(max(settings.TIPLINE_POW_LANE_PERCENT, 0), 100) / 100


def _paid_lane_bucket() -> TokenBucket:
    share = _paid_lane_share()
    per_second = settings.TIPLINE_NEW_TIPS_PER_MINUTE / 60 * share
    return TokenBucket("new-tips-paid", per_second, int(settings.TIPLINE_NEW_TIPS_BURST * share))


def _new_tip_bucket() -> TokenBucket:
    """The common lane: what the lane of solved reports leaves of the one budget."""
    lane = _paid_lane_bucket()
    per_second = settings.TIPLINE_NEW_TIPS_PER_MINUTE / 60 - lane.per_second
    return TokenBucket("new-tips", per_second, settings.TIPLINE_NEW_TIPS_BURST - lane.burst)


def admit_new_tip(*, paid_with_work: bool = False) -> NewTipAdmission:
    """Let one new tip through the global bucket now, or say when to send it again; never wait.

    There is one budget, the documented cap: by any time, at most
    TIPLINE_NEW_TIPS_BURST + TIPLINE_NEW_TIPS_PER_MINUTE per minute new tips, with
    or without work. With the proof of work on, TIPLINE_POW_LANE_PERCENT of it
    (its burst and its rate) is a lane for reports that carry a valid solution and
    the rest is the common lane, so neither kind of flood can starve the other and
    solving puzzles cannot lift the cap. A solved report goes through when its lane
    has a token; when that lane is empty it tries the common lane like any other
    report. Reports without work draw from the common lane only.
    A tip that finds no token is refused at once (the view answers 503 with the text
    kept and Retry-After): holding a web worker while it waits would let a few
    waiting connections slow every page down. `retry_after` is the time until the
    common lane has a token again, at least one second. Refused tips are counted.
    """
    if paid_with_work and _paid_lane_bucket().take():
        count(Event.NEW_TIP_PAID_WITH_WORK)
        return NewTipAdmission(Admission.PAID_WITH_WORK)
    wait = _new_tip_bucket().take_or_wait_time()
    if wait <= 0:
        return NewTipAdmission(Admission.AT_ONCE)
    count(Event.NEW_TIP_REFUSED)  # counted for the day, never logged: a log line would date the visit
    # A lane with no rate never refills (a setting of 0): ask for a minute, as before this answered at once.
    retry_after = max(1, math.ceil(wait)) if math.isfinite(wait) else _NO_REFILL_RETRY_AFTER_SECONDS
    return NewTipAdmission(Admission.REFUSED, retry_after=retry_after)


# --- follow-up --------------------------------------------------------------------------------


def _receipt_global_bucket() -> TokenBucket:
    per_minute = settings.TIPLINE_RECEIPT_ATTEMPTS_PER_MINUTE
    return TokenBucket("receipt-attempts", per_minute / 60, per_minute)


def _receipt_lookup_bucket(lookup_id: bytes) -> TokenBucket:
    """Return the bucket of one report's lookup id, itself keyed so a cache dump does not name the row."""
    per_hour = settings.TIPLINE_RECEIPT_ATTEMPTS_PER_LOOKUP_PER_HOUR
    name = salted_hmac(_LOOKUP_SALT, lookup_id, algorithm="sha256").hexdigest()[:32]
    return TokenBucket(f"receipt-lookup:{name}", per_hour / 3600, per_hour)


@dataclass(frozen=True)
class ReceiptOpening:
    """The outcome of typing a tracking code: the report and its key, nothing, "too many attempts", or deleted."""

    tip: Tip | None = None
    data_key: bytes | None = None
    throttled: bool = False
    # The report was closed and deleted on its retention schedule on this day (retention/).
    erased_on: datetime.date | None = None


def _receipt_attempt_metered() -> None:
    """Count a well-formed attempt above the global pace for operators; never wait, never refuse (see the module)."""
    if _receipt_global_bucket().take():
        return
    count(Event.RECEIPT_OVER_PACE)  # counted for the day, never logged: a log line would date the visit


def tip_open_throttled(*, receipt_text: str) -> ReceiptOpening:
    """Open a report with a typed tracking code, within the per-report limit.

    A code that does not normalise to 16 digits gets the generic answer at once:
    no Argon2 run, nothing counted. That it is malformed is no secret (the format is
    public and the person can see it), so answering it quickly tells nothing; what
    must not be told apart, an unknown well-formed code from a known one, still is
    not: both pay the same derivation.

    A well-formed attempt is counted against the global pace (a meter: it neither
    waits nor is refused for others' attempts), then pays Argon2. The per-report limit is checked after the
    derivation and before the lookup, and counts every well-formed attempt on that
    lookup id whether or not a report has it, so "too many attempts" does not reveal
    that a code exists, and a code whose attempts are spent opens nothing.
    """
    receipt = envelope.normalise_receipt(receipt_text)
    if receipt is None:
        return ReceiptOpening()
    _receipt_attempt_metered()
    keys = envelope.receipt_keys(receipt)
    if not _receipt_lookup_bucket(keys.lookup_id).take():
        count(Event.RECEIPT_THROTTLED)
        return ReceiptOpening(throttled=True)
    opened = services.tip_open_with_keys(keys=keys)
    if opened:
        return ReceiptOpening(tip=opened[0], data_key=opened[1])
    return ReceiptOpening(erased_on=services.tip_erased_on(keys=keys))


def reply_limit_reached(*, tip: Tip) -> bool:
    """Return whether the whistleblower already sent today's maximum of replies on `tip`."""
    sent_today = Message.objects.filter(
        tip=tip, author_kind=Message.Author.WHISTLEBLOWER, created_on=services.today()
    ).count()
    if sent_today < settings.TIPLINE_REPLIES_PER_TIP_PER_DAY:
        return False
    count(Event.REPLY_LIMITED)
    return True


def attachments_over_limit(*, tip: Tip, adding: int) -> bool:
    """Return whether `adding` more files would take `tip` over its total number of files."""
    if not adding:
        return False
    if Attachment.objects.filter(tip=tip).count() + adding <= settings.TIPLINE_ATTACHMENTS_PER_TIP:
        return False
    count(Event.ATTACHMENT_LIMITED)
    return True
