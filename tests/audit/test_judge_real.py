"""The claim checker with the real entailment judge (the default 1.5B preset, as `ask` uses it) on prompt files of
three fields: every verdict, the entry a misattributed fact belongs to, and the judge's own failures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag_answer.audit import audit
from rag_answer.audit.judge import LlmJudge
from rag_answer.citations import marker
from rag_answer.cli import main
from rag_answer.errors import ModelError
from rag_answer.sources import load_source
from tests.conftest import ROOT, TEST_PROMPTS

pytestmark = pytest.mark.llm
CLAIMS = ROOT / "eval" / "fields" / "claims"
# (file, case line, expected verdict): one per verdict and field, from the labelled dev split.
CASES = [
    ("f03", 2, "supported"), ("f03", 4, "misattributed"), ("f03", 6, "contradicted"), ("f03", 8, "contradicted"),
    ("f13", 1, "supported"), ("f13", 4, "misattributed"), ("f13", 8, "contradicted"), ("f13", 11, "unsupported"),
    ("f31", 1, "supported"), ("f31", 4, "misattributed"), ("f31", 6, "contradicted"), ("f31", 8, "contradicted"),
]  # fmt: skip


@pytest.fixture(scope="module")
def judge(session_home: Path):
    from rag_answer.llm import load_generator
    from rag_answer.settings import load_settings

    return LlmJudge(load_generator(load_settings(home=session_home, model="qwen2.5-coder-1.5b")))


def case(file: str, line: int) -> dict:
    path = next(CLAIMS.glob(f"{file}.jsonl"))
    return json.loads(path.read_text("utf-8").splitlines()[line - 1])


@pytest.mark.parametrize(("file", "line", "expected"), CASES, ids=lambda v: str(v))
def test_each_verdict_with_the_real_judge(file: str, line: int, expected: str, judge, embedder) -> None:
    labelled = case(file, line)
    assert labelled["label"] == expected  # the case is what the benchmark says it is
    source = load_source(next(TEST_PROMPTS.glob(f"{file}_*.txt")))
    by_title = {entry.title: entry for entry in source.entries}
    cited = by_title[labelled["cited"]]
    text = f"{labelled['sentence'].rstrip('.')} {marker(cited.id)}.\n"
    claim = audit(text, source, embedder=embedder, judge=judge).claims[0]
    assert claim.verdict == expected, claim.reason
    if expected == "misattributed":
        assert claim.evidence_entry == by_title[labelled["source"]].id  # names where the fact belongs


def test_a_judge_model_that_does_not_exist_is_one_clear_line(tmp_path: Path, capsys) -> None:
    answer = tmp_path / "a.md"
    answer.write_text("Hi4D provides 4D textured scans of 20 subject pairs [@hi4d-4d-instance].\n", "utf-8")
    code = main(["audit", str(answer), "--sources", str(ROOT / "examples" / "000_54cb972efbc5016b.txt"),
                 "--judge-model", str(tmp_path / "missing.gguf")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "missing.gguf" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_claim_too_long_for_the_judges_context_is_an_error_not_supported(embedder, session_home: Path) -> None:
    from rag_answer.llm import load_generator
    from rag_answer.settings import load_settings

    small = LlmJudge(load_generator(load_settings(home=session_home, model="qwen2.5-coder-0.5b", n_ctx=512)))
    source = load_source(TEST_PROMPTS / "f03_video-depth-estimation.txt")
    entry = next(e for e in source.entries if e.summary)
    long_claim = " ".join(["Depth maps stay consistent across very long videos"] * 60)
    with pytest.raises(ModelError, match="exceed the context"):
        audit(f"{long_claim} {marker(entry.id)}.\n", source, embedder=embedder, judge=small)
