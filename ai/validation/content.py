"""The content filter for generated text: abusive or unsafe words, echoes of prompt
injection, and links to domains the knowledge-base sources do not mention."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

__all__ = ["abusive_words", "foreign_links", "injection_echoes", "source_domains"]

# Words no support reply contains; matched as whole words, case-insensitively.
_ABUSIVE = re.compile(
    r"\b(?:idiot\w*|stupid|dumb(?:ass)?|moron\w*|retard\w*|fuck\w*|shit\w*|bullshit|bitch\w*|"
    r"bastard\w*|asshole\w*|crap|damn|screw you|shut up|kill yourself|kys|go to hell|"
    r"hate you|piss(?:ed)? off|wtf)\b",
    re.IGNORECASE,
)
# Phrases that show a reply obeyed (or repeats) instructions smuggled into its input.
_INJECTION = re.compile(
    r"ignore\s+(?:all\s+|any\s+)?(?:the\s+|your\s+)?(?:previous|prior|above|earlier|preceding)"
    r"\s+(?:instructions?|prompts?|rules|messages?)"
    r"|disregard\s+(?:all\s+|the\s+|your\s+|any\s+)*(?:previous|prior|above|earlier)?\s*"
    r"(?:instructions?|rules|prompts?)"
    r"|forget\s+(?:all\s+)?(?:your|the|previous)\s+(?:instructions?|rules)"
    r"|(?:my|the|your)\s+system\s+prompt|system\s+prompt\s*:"
    r"|\byou\s+are\s+now\s+(?:a|an|in|DAN)\b|developer\s+mode|jailbr[eo]\w*"
    r"|as\s+an\s+ai\s+(?:language\s+)?model|<\|im_(?:start|end)\|>|\[/?INST\]"
    r"|new\s+instructions\s*:",
    re.IGNORECASE,
)
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>()\[\]\"']+", re.IGNORECASE)
_DOMAIN = re.compile(r"\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}\b", re.IGNORECASE)


def abusive_words(text: str) -> list[str]:
    return list(dict.fromkeys(m.group(0).lower() for m in _ABUSIVE.finditer(text)))


def injection_echoes(text: str) -> list[str]:
    return list(dict.fromkeys(" ".join(m.group(0).split()) for m in _INJECTION.finditer(text)))


def _host(url: str) -> str:
    if not url.lower().startswith(("http://", "https://")):
        url = "http://" + url
    host = (urlsplit(url.rstrip(".,;:!?")).hostname or "").lower()
    return host.removeprefix("www.")


def source_domains(texts: Iterable[str]) -> set[str]:
    """Every domain the sources link to or name."""
    domains: set[str] = set()
    for text in texts:
        domains.update(_host(m.group(0)) for m in _URL.finditer(text))
        domains.update(m.group(0).lower().removeprefix("www.") for m in _DOMAIN.finditer(text))
    return {d for d in domains if d}


def foreign_links(text: str, allowed: set[str]) -> list[str]:
    """Links in `text` to a host that is not an allowed domain nor one of its subdomains."""
    foreign: list[str] = []
    for match in _URL.finditer(text):
        host = _host(match.group(0))
        if not any(host == d or host.endswith("." + d) for d in allowed):
            foreign.append(match.group(0).rstrip(".,;:!?"))
    return list(dict.fromkeys(foreign))
