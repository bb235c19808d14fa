"""Reading the sources one entry at a time, so a fact cannot migrate from one entry to another.

Every call shows the model ONE entry (its title and summary, links masked) and the question, under a
grammar of labelled fields. The entry's block is the prompt prefix, so its KV state is evaluated once and
reused for every later call on that entry (other questions, chat turns, the claim judge).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag_answer.entries import Entry
from rag_answer.llm.engine import GenerationStats, TextGenerator
from rag_answer.llm.grammar import NONE_ANSWER, evidence_grammar, model_grammar, task_grammar
from rag_answer.llm.source_prompt import source_prompt
from rag_answer.prompts import load_template
from rag_answer.settings import Settings

_FIELD = re.compile(r"^(Input|Output|Offers|Answer): ?(.*)$", re.MULTILINE)
_TOKENS_PER_CALL = {"task": 60, "evidence": 140, "model": 110, "model_evidence": 230}


@dataclass
class Reading:
    """What the model wrote about one entry."""

    entry: Entry
    offers: str = ""  # a phrase, without its final "."
    answer: str = ""  # one sentence without its final ".", or "" for none (or removed by the claim check)
    answered: bool = False  # the model found something in the entry that answers the question
    input: str = ""
    output: str = ""
    raw: str = ""


def generate(generator: TextGenerator, prefix: str, suffix: str, grammar: str, kind: str, settings: Settings) -> str:
    budget = min(_TOKENS_PER_CALL[kind], settings.max_tokens)
    pieces = generator.stream(
        prefix, suffix, grammar=grammar, max_tokens=budget, temperature=settings.temperature, seed=settings.seed
    )
    return "".join(pieces)


def read_task(generator: TextGenerator, question: str, settings: Settings) -> tuple[str, GenerationStats]:
    system = load_template("task_system").render()
    prefix, suffix = generator.template.split(system, "", load_template("task_request").render(question=question))
    text = generate(generator, prefix, suffix, task_grammar(), "task", settings).strip()
    return text, generator.last_stats


def read_entry(
    generator: TextGenerator, entry: Entry, question: str, settings: Settings
) -> tuple[Reading, GenerationStats]:
    has_summary = entry.has_summary
    if entry.kind == "model":
        name = "model_evidence_request" if has_summary else "model_request"
        grammar, kind = model_grammar(with_evidence=has_summary), ("model_evidence" if has_summary else "model")
    else:
        name, grammar, kind = "evidence_request", evidence_grammar(), "evidence"
    # A name-only model's workflow is drafted without the question: shown the question, the model writes the
    # output the user wants ("dehazed photos") for a style-transfer model; without it, what the name says.
    request = load_template(name).render() if name == "model_request" else load_template(name).render(question=question)
    prefix, suffix = source_prompt(generator, entry, request)
    raw = generate(generator, prefix, suffix, grammar, kind, settings)
    return parse_reading(entry, raw), generator.last_stats


def parse_reading(entry: Entry, raw: str) -> Reading:
    fields = {name: value.strip() for name, value in _FIELD.findall(raw)}
    answer = fields.get("Answer", "").rstrip(".").strip()
    return Reading(
        entry=entry,
        offers=fields.get("Offers", "").rstrip(".").strip(),
        answer="" if answer.lower() == NONE_ANSWER else answer,
        answered=bool(answer) and answer.lower() != NONE_ANSWER,
        input=fields.get("Input", "").rstrip(".").strip(),
        output=fields.get("Output", "").rstrip(".").strip(),
        raw=raw,
    )
