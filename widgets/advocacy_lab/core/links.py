"""Campaign links: UTM tracking parameters and link inspection."""
from __future__ import annotations

from urllib.parse import parse_qsl, quote, unquote_plus, urlencode, urlsplit, urlunsplit

from .catalogue import CodedMessage
from .text import strip_bidi_controls

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign")

# Public link shorteners: the reader cannot see where these lead.
SHORTENERS = frozenset(
    {
        "bit.ly", "bitly.com", "t.co", "tinyurl.com", "goo.gl", "ow.ly", "buff.ly", "is.gd",
        "rebrand.ly", "cutt.ly", "shorturl.at", "tiny.cc", "rb.gy", "s.id", "lnkd.in",
        "fb.me", "t.ly", "v.gd", "shorte.st", "bl.ink",
    }
)


class LinkError(CodedMessage, ValueError):
    """A link that cannot be tracked: ``code`` (a catalogue key) and ``values`` say why, in any language.

    ``str(error)`` is the English sentence; the interface says it in the learner's
    language with ``error.in_language(lang)``.
    """


def _clean_part(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be text, not {type(value).__name__}")
    value = value.strip()
    if not value:
        raise LinkError(f"links.error.empty_{name}")
    return value


def build_tracking_link(url: str, source: str, medium: str, campaign: str) -> str:
    """``url`` with utm_source, utm_medium and utm_campaign added.

    Keeps the existing query and fragment, replaces utm_ values already there,
    and percent-encodes the values. Raises ValueError with a plain message when
    the link is malformed or a part is empty. Bidi controls are dropped from
    the link (they would let it show as another address); the values need
    nothing, since they are percent-encoded.
    """
    if not isinstance(url, str):
        raise TypeError(f"url must be text, not {type(url).__name__}")
    url = strip_bidi_controls(url).strip()
    if not url:
        raise LinkError("links.error.empty")
    if any(ch.isspace() for ch in url):
        raise LinkError("links.error.spaces")
    values = {
        "utm_source": _clean_part(source, "source"),
        "utm_medium": _clean_part(medium, "medium"),
        "utm_campaign": _clean_part(campaign, "campaign"),
    }
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise LinkError("links.error.malformed", link=repr(url), detail=str(exc)) from None
    if not parts.scheme:
        raise LinkError("links.error.no_scheme", link=repr(url))
    if parts.scheme.lower() not in ("http", "https"):
        raise LinkError("links.error.not_web", scheme=parts.scheme)
    if not parts.hostname or "." not in parts.hostname.strip("."):
        raise LinkError("links.error.no_host", link=repr(url))
    # Keep the existing parameters byte for byte; drop only the utm_ ones we replace.
    kept = [
        segment
        for segment in parts.query.split("&")
        if segment and unquote_plus(segment.split("=", 1)[0]).strip().lower() not in UTM_KEYS
    ]
    added = urlencode(list(values.items()), quote_via=quote, safe="")
    query = "&".join(kept + [added])
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, parts.fragment))


def _split(url: str):
    try:
        return urlsplit(url if "://" in url[:12] else "https://" + url)
    except ValueError:
        return None


def has_utm(url: str) -> bool:
    """True when the link carries at least one utm_ parameter."""
    parts = _split(url)
    if parts is None:
        return False
    return any(key.lower().startswith("utm_") for key, _ in parse_qsl(parts.query, keep_blank_values=True))


def is_shortened(url: str) -> bool:
    parts = _split(url)
    if parts is None:
        return False
    try:
        host = (parts.hostname or "").lower()
    except ValueError:
        return False
    return host.removeprefix("www.") in SHORTENERS
