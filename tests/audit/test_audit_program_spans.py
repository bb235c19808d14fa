"""Program-written text is never a claim: a sentence wholly inside the spans the composer marks is neither judged
nor counted, while its links and markers are still audited. The judge double says no to everything, so any
program sentence that reached it would be flagged."""

from __future__ import annotations

from rag_answer.audit import audit
from rag_answer.audit.spans import Composed, join_segments
from rag_answer.entries import Entry
from rag_answer.sources import load_source
from tests.conftest import ROOT

SOURCE = load_source(next((ROOT / "eval" / "fields" / "prompts").glob("f01_*.txt")))
CELL = next(entry.id for entry in SOURCE.entries if entry.title.startswith("CellSighter:"))
NAME_ONLY = next(entry.id for entry in SOURCE.entries if not entry.has_summary)


class FlagEverything:
    def __init__(self) -> None:
        self.claims: list[str] = []

    def __call__(self, claim: str, entry: Entry) -> float:
        self.claims.append(claim)
        return 0.0


def test_join_segments_marks_the_program_pieces() -> None:
    text, spans = join_segments([("Model text. ", False), ("Program ", True), ("note.", True), (" More.", False)])
    assert text == "Model text. Program note. More."
    assert spans == [(12, 25)] and text[12:25] == "Program note."
    assert Composed().add("a", True).add("b", False).add("c", True).spans == [(0, 1), (2, 3)]


def _answer() -> tuple[str, list[tuple[int, int]]]:
    return join_segments([
        ("### 4. Relevant papers and tools\n", True),
        (f"- [@{NAME_ONLY}] ", True),
        ("The recommended model CellSighter-MultiplexedCellClassifier labels every cell type", True),
        (" (no links supplied).\n", True),
        (f"- [@{CELL}] ", True),
        ("CellSighter is trained on 5 billion LAION images.", False),
        (" (no links supplied; see https://evil.example.com/x)\n", True),
    ])  # fmt: skip


def test_a_program_written_note_is_not_judged(embedder) -> None:
    text, spans = _answer()
    judge = FlagEverything()
    report = audit(text, SOURCE, embedder=embedder, judge=judge, program_spans=spans)
    assert not any("no links supplied" in claim.text for claim in report.claims)
    assert not any("labels every cell type" in claim.text for claim in report.claims)
    assert not any("labels every cell type" in claim for claim in judge.claims)
    # The model's sentence is still judged (and fails: LAION and 5 billion are invented).
    assert [claim.verdict for claim in report.claims] == ["unsupported"]
    assert report.summary.claim_sentences == 1
    # Links and markers inside program spans are still audited.
    assert [link.url for link in report.rejected_links] == ["https://evil.example.com/x"]
    assert {marker.id for marker in report.markers} == {NAME_ONLY, CELL}


def test_without_spans_the_same_note_is_judged(embedder) -> None:
    """The control: the spans, not the words, keep the note out (no regular expression on the final text)."""
    text, _ = _answer()
    judge = FlagEverything()
    report = audit(text, SOURCE, embedder=embedder, judge=judge)
    assert any("labels every cell type" in claim.text for claim in report.claims)
