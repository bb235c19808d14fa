"""The judge's boundary: where the judge alone would remove a sentence, it is asked again about the entry passage
that best matches the sentence, and its margin from the cut is recorded. Judge doubles stand for the GGUF here;
tests/audit/test_judge_real.py runs the real one."""

from __future__ import annotations

from rag_answer.audit import audit
from rag_answer.audit.verdicts import Thresholds
from rag_answer.entries import Entry
from rag_answer.sources import load_source
from tests.conftest import ROOT

SOURCE = load_source(next((ROOT / "eval" / "fields" / "prompts").glob("f02_*.txt")))
AOD = next(entry for entry in SOURCE.entries if entry.title.startswith("AOD-Net"))
# a paraphrase: the entry's own sentence ("AOD-Net is designed based on a re-formulated atmospheric scattering
# model") would need no judge (the last test)
SENTENCE = f"AOD-Net is built on a re-formulated model of atmospheric scattering [@{AOD.id}]."
QUOTE = f"AOD-Net is designed based on a re-formulated atmospheric scattering model [@{AOD.id}]."


class LongSummaryDilutes:
    """p=0.45 on the whole summary (the issue's boundary), 0.8 on one passage of it."""

    def __init__(self) -> None:
        self.summaries: list[str] = []

    def __call__(self, claim: str, entry: Entry) -> float:
        self.summaries.append(entry.summary)
        return 0.45 if entry.summary == AOD.summary else 0.8


def test_a_no_at_the_boundary_is_asked_again_on_the_best_passage(embedder) -> None:
    judge = LongSummaryDilutes()
    claim = audit(SENTENCE, SOURCE, embedder=embedder, judge=judge).claims[0]
    assert claim.verdict == "supported", claim.reason
    assert claim.judge == 0.45 and claim.judge_passage == 0.8
    assert claim.judge_margin == round(0.8 - Thresholds().judge_yes, 4)
    assert judge.summaries[1] != AOD.summary and judge.summaries[1] in AOD.summary  # one passage of it
    assert "atmospheric scattering model" in judge.summaries[1]


def test_a_no_on_the_passage_too_still_removes_and_records_the_margin(embedder) -> None:
    claim = audit(SENTENCE, SOURCE, embedder=embedder, judge=lambda claim, entry: 0.45).claims[0]
    assert claim.verdict in ("contradicted", "unsupported")
    assert claim.judge == 0.45 and claim.judge_passage == 0.45
    assert claim.judge_margin == round(0.45 - Thresholds().judge_yes, 4)


def test_a_no_far_below_the_cut_is_not_asked_again(embedder) -> None:
    """A passage read alone can say yes to what the whole entry contradicts: only a boundary no is re-asked."""
    judge = LongSummaryDilutes()
    judge_far = lambda claim, entry: 0.2 if entry.summary == AOD.summary else judge(claim, entry)  # noqa: E731
    claim = audit(SENTENCE, SOURCE, embedder=embedder, judge=judge_far).claims[0]
    assert claim.verdict in ("contradicted", "unsupported")
    assert claim.judge == 0.2 and claim.judge_passage is None and judge.summaries == []


def test_a_yes_records_its_margin_and_asks_once(embedder) -> None:
    calls: list[str] = []

    def yes(claim: str, entry: Entry) -> float:
        calls.append(entry.summary)
        return 0.9

    claim = audit(SENTENCE, SOURCE, embedder=embedder, judge=yes).claims[0]
    assert claim.verdict == "supported" and claim.judge_margin == round(0.9 - Thresholds().judge_yes, 4)
    assert claim.judge_passage is None and calls == [AOD.summary]


def test_the_entrys_own_sentence_needs_no_judge(embedder) -> None:
    def never(claim: str, entry: Entry) -> float:
        raise AssertionError(f"judged {claim!r}")

    claim = audit(QUOTE, SOURCE, embedder=embedder, judge=never).claims[0]
    assert claim.verdict == "supported" and claim.reason == "the cited entry's own words" and claim.judge is None
