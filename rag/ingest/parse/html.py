"""WikiLeaks cable-viewer pages: metadata table + two <pre> blocks (routing, body)."""

from __future__ import annotations

import html
import re

from ...errors import ParseError
from ...records import Cable
from .build import Meta, build_cable

_TABLE = re.compile(r"<table class=['\"]cable['\"]>(.*?)(?:</table>|\Z)", re.S)
_TD = re.compile(r"<td>(.*?)</td>", re.S)
_PRE = re.compile(r"<pre>(.*?)(?:</pre>|\Z)", re.S)
_ANCHOR = re.compile(r"<a id=['\"]par\w+['\"] href=['\"]#par\w+['\"]>¶</a>")
_TAG = re.compile(r"<[^>]+>")


def _text(fragment: str) -> str:
    return html.unescape(_TAG.sub("", _ANCHOR.sub("¶", fragment)))


def looks_like_html(head: str) -> bool:
    h = head.lstrip()[:500].lower()
    return h.startswith("<?xml") or h.startswith("<!doctype html") or h.startswith("<html") or "<pre>" in h


def parse_html(content: str, source: str) -> Cable:
    cells: list[str] = []
    t = _TABLE.search(content)
    if t:
        cells = [re.sub(r"\s+", " ", _text(c)).strip() for c in _TD.findall(t.group(1))]
    pres = _PRE.findall(content)
    if not pres:
        raise ParseError(source, "HTML page has no <pre> cable text (not a cable-viewer page, or truncated)")
    cells += [""] * (5 - len(cells))
    meta = Meta(id=cells[0], created=cells[1], released=cells[2], classification=cells[3], origin=cells[4])
    # the title attribute of the classification link is wrong on every page: link text only (done by _text)
    body = _text(pres[-1])
    routing = _text(pres[0]) if len(pres) > 1 else ""
    return build_cable(body, meta, source, "html", routing=routing)
