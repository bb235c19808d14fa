"""Prompt-lookup drafting and the engine's speculative path (off by default: bench/spec_bench.py measured it slower
on this CPU, and batched verification changes llama.cpp's rounding)."""

from __future__ import annotations

import pytest

from rag_answer.llm.lookup_draft import LookupDrafter


def test_proposes_what_followed_the_latest_earlier_occurrence() -> None:
    drafter = LookupDrafter([5, 6, 7, 8, 5, 6, 9, 1, 5, 6])
    assert drafter.propose(3) == [9, 1, 5]  # "5 6" was last followed by 9, not by 7


def test_longest_suffix_wins_over_a_later_short_match() -> None:
    drafter = LookupDrafter([1, 2, 3, 40, 41, 9, 2, 3, 50, 1, 2, 3])
    assert drafter.propose(2) == [40, 41]  # "1 2 3" beats the later "2 3 -> 50"


def test_never_proposes_from_its_own_suffix_and_respects_the_limit() -> None:
    drafter = LookupDrafter([1, 2, 3])
    assert drafter.propose(4) == []
    drafter.append(1)
    drafter.append(2)
    assert drafter.propose(4) == [3, 1, 2]  # stops at the end of the context
    assert drafter.propose(1) == [3]
    assert drafter.propose(0) == []


def test_a_single_token_match_is_not_a_draft() -> None:
    assert LookupDrafter([7, 8, 9, 7]).propose(3) == []


@pytest.fixture(scope="module")
def reading_call(small_llm, example_path):
    from rag_answer.answer.reading import entry_request
    from rag_answer.llm.source_prompt import source_prompt
    from rag_answer.sources import load_source

    source = load_source(example_path)
    entry = max(source.entries, key=lambda e: len(e.summary))
    request, grammar, _ = entry_request(entry, source.question or "")
    prefix, suffix = source_prompt(small_llm, entry, request)
    return prefix, suffix, grammar


def _generate(engine, call, max_draft: int, max_tokens: int = 60) -> str:
    prefix, suffix, grammar = call
    engine.max_draft = max_draft
    try:
        return "".join(engine.stream(prefix, suffix, grammar=grammar, max_tokens=max_tokens, temperature=0.0, seed=0))
    finally:
        engine.max_draft = 0


def test_speculative_path_checks_guesses_and_repeats_its_bytes(small_llm, reading_call) -> None:
    first = _generate(small_llm, reading_call, max_draft=4)
    stats = small_llm.last_stats
    assert stats.drafted_tokens > 0
    assert 0 < stats.accepted_tokens <= stats.drafted_tokens
    assert stats.generated_tokens <= 60
    assert first.startswith("Offers: ")  # still under the evidence grammar
    _generate(small_llm, reading_call, max_draft=0)  # the KV cache is rebuilt canonically in between
    assert _generate(small_llm, reading_call, max_draft=4) == first


def test_plain_decoding_drafts_nothing(small_llm, reading_call) -> None:
    _generate(small_llm, reading_call, max_draft=0)
    assert small_llm.last_stats.drafted_tokens == 0
    assert small_llm.last_stats.generated_tokens > 5


def test_max_tokens_is_exact_with_drafting(small_llm, reading_call) -> None:
    _generate(small_llm, reading_call, max_draft=8, max_tokens=7)
    assert small_llm.last_stats.generated_tokens == 7


def test_wrong_guesses_are_never_kept(small_llm, reading_call, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every guess is a token the model would not write here ('!!!!'): none may be accepted, none may reach the
    text, and the rejected positions must leave the KV cache (else the answer would read past them)."""
    bang = small_llm.tokenize("!")[0]
    monkeypatch.setattr(LookupDrafter, "propose", lambda self, limit: [bang] * min(limit, 4))
    text = _generate(small_llm, reading_call, max_draft=4)
    assert small_llm.last_stats.drafted_tokens > 0
    assert small_llm.last_stats.accepted_tokens == 0
    assert "!" not in text
    plain = _generate(small_llm, reading_call, max_draft=0)
    assert text.splitlines()[0] == plain.splitlines()[0]  # its first line is about 30 tokens
