"""Cable shorthand and TAGS codes, so plain-English questions find paragraphs written in cable jargon."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

ABBREVIATIONS: Mapping[str, str] = MappingProxyType(
    {
        "GOT": "government of Turkey",
        "GOR": "government of Russia",
        "GOI": "government of India Iraq Israel",
        "GOP": "government of Pakistan",
        "GOB": "government",
        "GOA": "government",
        "GOC": "government",
        "GOE": "government of Egypt",
        "GOJ": "government of Japan Jordan",
        "GOK": "government of Kenya",
        "GOL": "government of Lebanon",
        "GOM": "government of Mexico",
        "GON": "government of Nigeria",
        "GOS": "government of Sudan Spain",
        "GOY": "government of Yemen",
        "GOZ": "government of Zimbabwe",
        "GOSL": "government of Sierra Leone Sri Lanka",
        "GOA.": "government",
        "GOG": "government",
        "USG": "United States government",
        "HMG": "British government",
        "GOF": "government of France",
        "MFA": "ministry of foreign affairs foreign ministry",
        "MOD": "ministry of defense defence ministry",
        "MOI": "ministry of interior",
        "MOF": "ministry of finance",
        "MOJ": "ministry of justice",
        "FM": "foreign minister",
        "DFM": "deputy foreign minister",
        "PM": "prime minister",
        "DPM": "deputy prime minister",
        "MP": "member of parliament",
        "PolOff": "political officer",
        "POLOFF": "political officer",
        "EconOff": "economic officer",
        "ECONOFF": "economic officer",
        "PolCouns": "political counselor",
        "POLCOUNS": "political counselor",
        "DCM": "deputy chief of mission",
        "CDA": "charge d'affaires",
        "Charge": "charge d'affaires",
        "AMB": "ambassador",
        "Amb": "ambassador",
        "PermRep": "permanent representative",
        "PERMREP": "permanent representative",
        "CG": "consul general",
        "ConGen": "consulate general",
        "PO": "principal officer",
        "RSO": "regional security officer",
        "DATT": "defense attache",
        "LEGATT": "legal attache FBI",
        "NUG": "national unity government",
        "PA": "Palestinian Authority",
        "UNSC": "UN Security Council",
        "UNSCR": "UN Security Council resolution",
        "UNGA": "UN General Assembly",
        "IAEA": "International Atomic Energy Agency",
        "HEU": "highly enriched uranium",
        "LEU": "low enriched uranium",
        "GWOT": "global war on terror",
        "CT": "counterterrorism",
        "CN": "counternarcotics",
        "FTA": "free trade agreement",
        "NGO": "non-governmental organization",
        "SecState": "Secretary of State",
        "SECSTATE": "Secretary of State",
        "Septel": "separate telegram",
        "septel": "separate telegram",
        "reftel": "reference telegram",
        "USDEL": "US delegation",
        "CODEL": "congressional delegation",
        "STAFFDEL": "congressional staff delegation",
        "IO": "international organizations",
        "DPRK": "North Korea",
        "ROK": "South Korea",
        "PRC": "China",
        "UAE": "United Arab Emirates",
        "KSA": "Saudi Arabia",
        "SARG": "Saudi Arabian government",
        "SAG": "Saudi government",
        "USTR": "US trade representative",
        "EU": "European Union",
        "AU": "African Union",
        "OAS": "Organization of American States",
    }
)

TAGS: Mapping[str, str] = MappingProxyType(
    {
        "PREL": "external political relations foreign policy",
        "PGOV": "internal government affairs politics",
        "PTER": "terrorism terrorists",
        "KNNP": "nuclear nonproliferation",
        "MNUC": "military nuclear",
        "PARM": "arms control",
        "PHUM": "human rights",
        "ECON": "economic conditions economy",
        "EFIN": "financial and monetary affairs",
        "ETRD": "trade",
        "EPET": "petroleum oil",
        "ENRG": "energy",
        "EAID": "foreign aid assistance",
        "MARR": "military defense arrangements",
        "MOPS": "military operations",
        "PINR": "intelligence",
        "KDEM": "democracy",
        "PINS": "national security",
        "SNAR": "narcotics drugs",
        "KCRM": "crime",
        "ASEC": "security",
        "CVIS": "visas",
        "KPAL": "Palestinians",
        "SOCI": "social conditions",
        "KJUS": "justice",
        "ELAB": "labor",
        "SENV": "environment",
        "KWMN": "women",
        "PHSA": "piracy high seas",
        "EWWT": "waterborne transport shipping",
        "EAIR": "aviation airports",
        "KTIA": "trafficking in arms",
        "KCOR": "corruption",
        "KTIP": "trafficking in persons",
        "PREF": "refugees",
        "OVIP": "visits of VIPs",
        "OEXC": "exchange programs",
        "KPAO": "public affairs press",
        "TBIO": "biotechnology health",
        "KFLU": "avian influenza",
        "SCUL": "culture",
        "KISL": "Islam",
        "MCAP": "military capabilities",
        "MASS": "military assistance sales",
        "KSCA": "science",
        "KIRF": "religious freedom",
        "KMDR": "media reaction",
        "KCIP": "cyber infrastructure protection",
        "KSEP": "space",
        "KNAR": "narcotics",
        "ETTC": "export controls",
        "KCFE": "conventional forces Europe",
        "IR": "Iran",
        "IZ": "Iraq",
        "RS": "Russia",
        "CH": "China",
        "TU": "Turkey",
        "AF": "Afghanistan",
        "PK": "Pakistan",
        "IS": "Israel",
        "SY": "Syria",
        "LE": "Lebanon",
        "SA": "Saudi Arabia",
        "EG": "Egypt",
        "KN": "North Korea",
        "KS": "South Korea",
        "JA": "Japan",
        "IN": "India",
        "BR": "Brazil",
        "MX": "Mexico",
        "VE": "Venezuela",
        "CU": "Cuba",
        "SP": "Spain",
        "FR": "France",
        "GM": "Germany",
        "UK": "United Kingdom",
        "IT": "Italy",
        "NO": "Norway",
        "EN": "Estonia",
        "TH": "Thailand",
        "YM": "Yemen",
        "LY": "Libya",
        "KZ": "Kazakhstan",
        "ZI": "Zimbabwe",
        "SL": "Sierra Leone",
        "DJ": "Djibouti",
        "EI": "Ireland",
        "SU": "Sudan",
        "AJ": "Azerbaijan",
        "GG": "Georgia",
        "UP": "Ukraine",
        "PL": "Poland",
        "SW": "Sweden",
    }
)


_ENGLISH = frozenset(
    "got no in is it am pm us as at on or an be do go he me my of so to up we if by mod amb charge".split()  # noqa: SIM905
)


def expand_tags(tags: tuple[str, ...]) -> str:
    return "; ".join(TAGS[t] for t in tags if t in TAGS)


_TAG_CONTEXT = re.compile(r"\b(?:tagged|tags?:?)\s+((?:[A-Z]{2,6}[\s,]*(?:and\s+|or\s+)?)+)")
_CLOCK = re.compile(r"\d\s*(AM|PM)\b")


def expand_terms(words: list[str], text: str = "") -> list[str]:
    """Extra query words for the shorthand in `words`: abbreviations written exactly as cables write them (case
    matters: "GOT" is the government of Turkey, "got" is a verb; "PM" after a figure is a time of day), TAGS codes
    in capitals, two-letter country codes ("NO", "IN", "IS", "IT") only where `text` lists them as TAGS, and
    nothing that is an English word when the whole question is in capitals."""
    shouting = bool(text) and text.upper() == text
    tagged = {t for m in _TAG_CONTEXT.finditer(text) for t in re.findall(r"[A-Z]{2,6}", m.group(1))}
    clock = set(_CLOCK.findall(text))
    extra: list[str] = []
    for w in words:
        if len(w) < 2 or w in clock or (shouting and w.lower() in _ENGLISH and w not in tagged):
            continue
        e = ABBREVIATIONS.get(w)
        if e is None and w.isupper() and (len(w) > 2 or w in tagged):
            e = TAGS.get(w)
        if e:
            extra.extend(e.split())
    return extra


def _reverse() -> Mapping[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for abbr, full in ABBREVIATIONS.items():
        out.setdefault(full.lower(), []).append(abbr)
    return MappingProxyType({k: tuple(v) for k, v in out.items()})


REVERSE = _reverse()  # long form -> abbreviations; read-only


def contract_phrases(text: str) -> list[str]:
    """Abbreviations whose long form appears in `text` ("deputy foreign minister" -> DFM)."""
    low = text.lower()
    out: list[str] = []
    for full, abbrs in REVERSE.items():
        first = full.split(" ")
        phrase = " ".join(first[:3]) if len(first) > 3 else full
        if phrase in low:
            out.extend(abbrs)
    return out
