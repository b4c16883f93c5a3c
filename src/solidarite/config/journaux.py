"""Logs without secrets nor personal data: every log record is redacted when it is created.

What is masked (« [masqué] »):
- the secret segment of the platform's URLs: every route whose parameter is named `jeton` or `token` (or ends in
  `_jeton`/`_token`) is secret, wherever it appears in a message (a 4xx path logged by `django.request`, a link in
  an error). The routes are read from the URLconf (`secret_routes`, given by `config.apps`), so a new
  `…/<jeton>/…` route is covered without anyone listing it. They are read when a first text with a « / » is
  masked, not when the platform starts: reading the URLconf imports every view (0.6 s of every command's start),
  and a command that never logs a path never needs them;
- Django's signed values (`payload:horodatage:signature`, the patients' links), whatever the URL;
- e-mail addresses, French phone numbers (0X XX XX XX XX, +33, 0033) and international E.164 numbers.

Where: when a record is created, not in a handler's filter. A LogRecord factory masks the message with its
arguments (`record.args` then holds nothing), the traceback (`exc_info` is formatted once into `exc_text`,
masked, and dropped: no handler can read the exception's own text, e.g. an SMTP refusal quoting an address) and
`stack_info`; `Logger.makeRecord`, wrapped, masks the `extra=` attributes it sets after the factory (Django's
`request`, whose text holds the path, is replaced by its masked text). Both run for every logger of the process
before any handler sees the record: a handler added by a deployment (a file, syslog, an error tracker) or
pytest's capture never receives the raw text, which a filter on the configured handlers could not promise.
Installed by LOGGING_CONFIG (`configure`). Names and dates of birth cannot be recognised in a text: the
platform never logs them (identifiers only), which the tests check flow by flow.

Pure Python: no Django import (`secret_routes` takes the URL patterns it is given).
"""

from __future__ import annotations

import logging
import logging.config
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

MASK = "[masqué]"
SECRET_PARAMETER = re.compile(r"(?:^|_)(?:jeton|token)$")
# A URL segment: up to the next slash, space, quote, query or fragment.
SEGMENT = r"[^/\s?#\"'<>]+"
SIGNED = r"(?<![\w.-])\.?[\w-]{2,}:[\w-]{4,}:[\w-]{20,}"  # Django's signing.dumps: payload:time:signature
EMAIL = r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
# Phone numbers, each starting with 0, + or 3 (the look-ahead first lets the engine skip to those characters):
# French ones (0X, +33, 0033, optionally « (0) », then four pairs, with or without separators), E.164 ones, and
# French ones in international form without their « + » (SMS APIs).
PHONES = (
    r"(?=[0+3])(?<![\w+])(?:"
    r"(?:(?:\+|00)\s?33[\s.-]?(?:\(0\)[\s.-]?)?[1-9]|0[1-9])(?:[\s.-]?\d{2}){4}(?!\d)"
    r"|\+(?:[\s.-]?\d){8,15}(?!\d)"
    r"|33[1-9]\d{8}(?!\d))"
)
# (a character the text must hold for the pattern to match at all, the pattern): the test is cheaper than a scan.
GENERIC = [(":", SIGNED), ("@", EMAIL), ("", PHONES)]


class Redactor:
    """The secret paths in one regular expression (each an alternative whose secret segment is the group `sN`),
    only over a text with a « / »; then the generic patterns, each only over a text that holds its character.
    Each pattern starts where a word starts (look-behind): a text is not scanned again from every character."""

    def __init__(self, secret_paths: Iterable[str] = ()) -> None:
        alternatives = [_as_alternative(path, k) for k, path in enumerate(secret_paths)]
        self.paths = re.compile("|".join(alternatives)) if alternatives else None
        self.generic = [(needed, re.compile(pattern)) for needed, pattern in GENERIC]

    def __call__(self, text: str) -> str:
        if self.paths is not None and "/" in text:
            text = self.paths.sub(_mask_segment, text)
        for needed, pattern in self.generic:
            if needed in text:
                text = pattern.sub(MASK, text)
        return text


def _as_alternative(path: str, k: int) -> str:
    """A secret path (`secret_path`), its one capturing group named `s<k>`."""
    opening = path.rindex(f"({SEGMENT})")
    return f"{path[:opening]}(?P<s{k}>{SEGMENT})"


def _mask_segment(match: re.Match[str]) -> str:
    """The path up to its secret segment, then the mask (the whole match if the segment cannot be told)."""
    group = match.lastgroup
    if group is None:
        return MASK
    return match.group(0)[: match.start(group) - match.start(0)] + MASK


_redactor = Redactor()
# Gives the secret paths, or None while they cannot be read yet (the applications still loading): set by
# `defer_secret_paths`, called once, then dropped once the paths are read.
_pending: Callable[[], Iterable[str] | None] | None = None
_lock = threading.RLock()
_reading = False


def redact(text: str) -> str:
    return (_with_paths() if _pending is not None and "/" in text else _redactor)(text)


def _with_paths() -> Redactor:
    """The redactor with the secret paths, read now if they are not yet. Another thread waits for them; a record
    made in this very thread while they are read (a module of the URLconf logging as it is imported) gets the
    generic patterns. `_redactor` is replaced before `_pending` is cleared: a thread that sees no pending source
    finds the paths already in."""
    global _redactor, _pending, _reading
    with _lock:
        source = _pending
        if source is None or _reading:
            return _redactor
        _reading = True
        try:
            paths = source()
        finally:
            _reading = False
        if paths is None:  # not yet readable: this text gets the generic patterns, the next one tries again
            return _redactor
        _redactor = Redactor(paths)
        _pending = None
        return _redactor


def defer_secret_paths(source: Callable[[], Iterable[str] | None]) -> None:
    """The secret paths will be read from `source` when a first text with a « / » is masked."""
    global _pending
    with _lock:
        _pending = source


# --- Deriving the secret paths from the URL patterns ------------------------------------------------------


def _walk(patterns: Iterable[Any], prefix: str = "") -> Iterator[str]:
    """The full regular expression of every route (Django's URL patterns and resolvers, duck-typed)."""
    for pattern in patterns:
        part = pattern.pattern.regex.pattern.removeprefix("^").removesuffix(r"\Z").removesuffix("$")
        if hasattr(pattern, "url_patterns"):
            yield from _walk(pattern.url_patterns, prefix + part)
        else:
            yield prefix + part


NAMED_GROUP = re.compile(r"\(\?P<(\w+)>")


def _group_end(regex: str, start: int) -> int:
    """The index just after the parenthesis closing the group that opens at `start`."""
    depth, k = 0, start
    while k < len(regex):
        char = regex[k]
        if char == "\\":
            k += 2
            continue
        if char == "[":  # a character class: parentheses inside do not count
            k = regex.index("]", k + 2 if regex[k + 1 : k + 2] == "]" else k + 1) + 1
            continue
        depth += char == "("
        depth -= char == ")"
        k += 1
        if depth == 0:
            return k
    raise ValueError(f"groupe non fermé dans {regex!r}")


def secret_path(route: str) -> str | None:
    """From a route's regular expression, the one that finds it in a text up to its first secret parameter,
    that parameter as group 1; None when the route has no secret parameter."""
    out, k = "/", 0
    for group in NAMED_GROUP.finditer(route):
        end = _group_end(route, group.start())
        if SECRET_PARAMETER.search(group.group(1)):
            return out + route[k : group.start()] + f"({SEGMENT})"
        out += route[k : group.start()] + "(?:" + route[group.end() : end]
        k = end
    return None


def secret_routes(url_patterns: Iterable[Any]) -> list[str]:
    """The secret paths of a URLconf (its `urlpatterns`), longest first, without duplicates."""
    found = {path for route in _walk(url_patterns) if (path := secret_path(route)) is not None}
    return sorted(found, key=lambda path: (-len(path), path))


# --- Records ------------------------------------------------------------------------------------------------

_formatter = logging.Formatter()


def redact_record(record: logging.LogRecord) -> None:
    """Masks the record's message and arguments, its traceback and its stack, in place (once)."""
    if getattr(record, "_masque", False):
        return
    setattr(record, "_masque", True)  # noqa: B010
    try:
        message = record.getMessage()
    except Exception:  # a message that does not format: kept as its parts, each masked
        message = f"{record.msg} {record.args}"
    masked = redact(message)
    if masked != message or record.args:
        record.msg, record.args = masked, ()
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = redact(_formatter.formatException(record.exc_info))
        record.exc_info = None  # the exception object itself (its text, its arguments) goes no further
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


_previous_factory: Any = None
_original_make_record = logging.Logger.makeRecord
STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "_masque",
}
PLAIN = (int, float, bool, type(None))


def _factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record: logging.LogRecord = _previous_factory(*args, **kwargs)
    redact_record(record)
    return record


def redact_extras(record: logging.LogRecord) -> None:
    """The attributes given by `extra=`: a text is masked, a number kept, any other object replaced by its masked
    text (Django's `request`, whose repr holds the path, whose body may hold a patient's form)."""
    for name, value in list(vars(record).items()):
        if name not in STANDARD_ATTRIBUTES and not isinstance(value, PLAIN):
            setattr(record, name, redact(value if isinstance(value, str) else repr(value)))


def _make_record(self: logging.Logger, *args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _original_make_record(self, *args, **kwargs)
    redact_extras(record)
    status = getattr(record, "status_code", None)
    if (
        record.name.startswith(("django.request", "django.security"))
        and isinstance(status, int)
        and status < 500
    ):
        # Django logs a refusal (PermissionDenied, 403; a SuspiciousOperation such as a back-office lookup not
        # allowed, 400) with its exception: the line says it, the traceback of an expected answer only buries the
        # real errors' ones.
        record.exc_text = None
    return record


def install() -> None:
    """Every record of the process passes through `redact_record` when created (the factory) and through
    `redact_extras` once its `extra=` attributes are set (Logger.makeRecord, which sets them after the factory).
    Idempotent."""
    global _previous_factory
    if logging.getLogRecordFactory() is not _factory:
        _previous_factory = logging.getLogRecordFactory()
        logging.setLogRecordFactory(_factory)
    logging.Logger.makeRecord = _make_record  # type: ignore[method-assign]


def configure(logging_settings: dict[str, Any]) -> None:
    """LOGGING_CONFIG of the platform: the masking installed, then the LOGGING dictionary."""
    install()
    logging.config.dictConfig(logging_settings)
