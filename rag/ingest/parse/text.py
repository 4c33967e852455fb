"""Plain text: WikiLeaks text dumps (ID/subject/date/classification/origin lines first), web-page copies
(a "Reference ID Created Released Classification Origin" line), and raw telegrams."""

from __future__ import annotations

import re
from datetime import datetime

from ...errors import ParseError
from ...ids import canonical_id
from ...records import Cable
from .build import Meta, build_cable

_DUMP_DATE = re.compile(r"^\w{3} \w{3} \d{2} \d{2}:\d{2}:\d{2} [+-]\d{4} \d{4}$")
_WEB_META = re.compile(
    r"^Reference ID\s+Created\s+Released\s+Classification\s+Origin\s*\n\s*"
    r"(\S+)\s+(\d{4}-\d{2}-\d{2} \d{2}:\d{2})\s+(\d{4}-\d{2}-\d{2} \d{2}:\d{2})\s+(.+?)\s+"
    r"((?:Embassy|Consulate|Mission|Secretary|USUN|USEU|US Mission|US Office|American Institute|REO|US Delegation)"
    r".*?)\s*$",
    re.M,
)


def parse_text(content: str, source: str) -> Cable:
    content = content.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if not content.strip():
        raise ParseError(source, "empty file")
    lines = content.split("\n", 5)
    if len(lines) >= 5 and canonical_id(lines[0]) and _DUMP_DATE.match(lines[2].strip()):
        created = datetime.strptime(lines[2].strip()[4:], "%b %d %H:%M:%S %z %Y").strftime("%Y-%m-%d %H:%M")
        meta = Meta(
            id=lines[0].strip(),
            created=created,
            subject=lines[1].strip(),
            classification=lines[3].strip(),
            origin=lines[4].strip(),
        )
        return build_cable(lines[5] if len(lines) > 5 else "", meta, source, "text")
    web = _WEB_META.search(content)
    if web:
        meta = Meta(web.group(1), web.group(2), web.group(3), web.group(5).strip(), web.group(4).strip())
        return build_cable(content[web.end() :], meta, source, "text")
    return build_cable(content, Meta(), source, "text")
