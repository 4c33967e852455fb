"""Multi-part questions (each part's paragraph reaches the prompt) and the coverage line of an answer under filters;
real parser and index, fake embedder and model. The per-part retrieval recall on the real index is measured by
eval/parts_recall.py (and tests/test_conversation.py's real-index test)."""

from __future__ import annotations

import re

import pytest

from rag.answer.pipeline import Answerer
from rag.components import open_components
from rag.fakes import FakeEmbedder, FakeLLM, verbatim_judge
from rag.ingest.build import ingest
from rag.present.html import answer_html
from rag.present.json import answer_json
from rag.present.text import coverage_text
from rag.records import Coverage
from rag.retrieve.parts import merge_hits, part_queries, search_parts
from rag.retrieve.query import Filters, analyze
from rag.settings import Settings

QUESTION = "How many tonnes did the pineapple harvest in Atlantis reach in 2008, and who resigned as harvest minister?"
SINGLE = "Which harvest minister resigned after a dispute with the cabinet?"
RESIGNED = "The harvest minister, Ms. Coral Reef, resigned on June 3, 2008 after a dispute with the cabinet."


def _cable(cid: str, date: str, paras: list[str]) -> str:
    body = "\n\n".join(f"{i}. (C) {p}" for i, p in enumerate(paras, 1))
    return (
        f"{cid}\nPINEAPPLE HARVEST\n{date}\nCONFIDENTIAL\nEmbassy Atlantis\n"
        f"C O N F I D E N T I A L\n\nSUBJECT: PINEAPPLE HARVEST\n\n{body}\n\nTESTER\n"
    )


@pytest.fixture(scope="module")
def harvest(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One cable answering both parts (¶1 tonnes, ¶2 the resignation) among five that talk about the harvest's
    tonnes: one search for the whole question ranks ¶2 seventh."""
    tmp = tmp_path_factory.mktemp("harvest")
    src = tmp / "c"
    src.mkdir()
    answer = [
        "The pineapple harvest in Atlantis reached 4,200 tonnes in 2008, the ministry of agriculture said.",
        RESIGNED,
    ]
    (src / "a.txt").write_text(_cable("08ATLANTIS777", "Tue Nov 04 06:06:00 +0100 2008", answer))
    for n in range(5):
        paras = [
            f"Pineapple harvest tonnes in Atlantis were forecast at {3000 + n * 100} tonnes; the pineapple harvest "
            "in Atlantis depends on rain.",
            f"Exporters said the Atlantis pineapple harvest would bring {n + 2} million dollars in 2008.",
        ]
        (src / f"d{n}.txt").write_text(
            _cable(f"0{7 + n % 2}ATLANTIS{800 + n}", f"Tue Nov 04 06:06:00 +0100 {2007 + n % 2}", paras)
        )
    s = Settings(index_dir=str(tmp / "idx"), prompt_passages=3, multi_part_passages=3)
    ingest([src], s, embedder=FakeEmbedder(), progress=False)
    return s


def _answerer(s: Settings, reply: str = "") -> tuple[Answerer, FakeLLM]:
    def cite_resignation(prompt: str) -> str:
        m = re.search(r"\[(P\d)\] 08ATLANTIS777 ¶2", prompt)
        return reply or (f"{RESIGNED} [{m.group(1)}]" if m else "The passages do not answer this.")

    c = open_components(s, embedder=FakeEmbedder())
    llm = FakeLLM(cite_resignation)
    return Answerer(c.retriever, llm, c.gate.with_judge(verbatim_judge()), s), llm


def test_each_part_of_a_multi_part_question_reaches_the_prompt(harvest: Settings) -> None:
    answerer, llm = _answerer(harvest)
    single = answerer.retriever.search(QUESTION, k=10)
    rank = next(h.rank for h in single.hits if str(h.ref) == "08ATLANTIS777 ¶2")
    assert rank > harvest.multi_part_passages  # one search alone leaves the second part's paragraph out
    a = answerer.ask(QUESTION)
    prompt = llm.prompts[0]
    assert "08ATLANTIS777 ¶2" in prompt and "ATLANTIS" in prompt.split("Question:")[0]
    assert "Answer every part" in prompt
    assert not a.abstained and any(s.verdict == "supported" for s in a.sentences)


def test_single_part_questions_are_searched_once(harvest: Settings) -> None:
    answerer, llm = _answerer(harvest)
    q = SINGLE
    assert search_parts(answerer.retriever, q).hits == answerer.retriever.search(q).hits
    answerer.ask(q)
    assert "Answer every part" not in llm.prompts[0]


def test_parts_carry_the_names_they_leave_out() -> None:
    q = analyze("When was Ali Mansour arrested in Cairo, and what did the court rule?")
    assert part_queries(q) == (
        "When was Ali Mansour arrested in Cairo",
        "what did the court rule Ali Mansour Cairo",
    )
    assert part_queries(analyze("Who resigned?")) == ()


def test_merge_puts_each_parts_best_first(harvest: Settings) -> None:
    answerer, _ = _answerer(harvest)
    hits = answerer.retriever.search(QUESTION, k=10).hits
    b, c = hits[5:7], hits[7:9]
    merged = merge_hits(hits, [b, c], quota=1, k=4)
    assert [h.ref for h in merged] == [hits[0].ref, b[0].ref, c[0].ref, hits[1].ref]
    assert [h.rank for h in merged] == [1, 2, 3, 4]
    assert len({h.ref for h in merge_hits(hits, [hits, hits], 2, 10)}) == 10  # no paragraph twice


def test_coverage_line_under_filters(harvest: Settings) -> None:
    answerer, _ = _answerer(harvest)
    f = Filters(origins=("Embassy Atlantis",), date_from="2008", date_to="2008")
    a = answerer.ask(SINGLE, filters=f)
    assert a.coverage == Coverage(1, 1, 3, "Embassy Atlantis, 2008")
    line = "From 1 paragraph of 1 of the 3 cables matching Embassy Atlantis, 2008."
    assert coverage_text(a.coverage) == line
    html = answer_html(a)
    cov = re.search(r'<p class="coverage">(.*?)</p>', html)
    assert cov is not None and "From 1 paragraph of 1 of the 3 cables" in cov.group(1) and "✔" not in cov.group(1)
    assert answer_json(a)["coverage"]["text"] == line
    assert answerer.ask(SINGLE).coverage is None  # no filters, no line
    refused, _ = _answerer(harvest, reply="The passages do not answer this.")
    b = refused.ask(SINGLE, filters=Filters(origins=("Embassy Atlantis",)))
    assert b.abstained and coverage_text(b.coverage) == "Searched the 6 cables matching Embassy Atlantis."  # type: ignore[arg-type]


def test_coverage_counts_plural_and_singular() -> None:
    assert coverage_text(Coverage(4, 3, 37, "Embassy Ankara, 2009")) == (
        "From 4 paragraphs of 3 of the 37 cables matching Embassy Ankara, 2009."
    )
    assert (
        coverage_text(Coverage(1, 1, 1, "tagged PTER")) == "From 1 paragraph of 1 of the 1 cable matching tagged PTER."
    )
