"""Reading the sources one entry at a time, so a fact cannot migrate from one entry to another.

Every call shows the model ONE entry (its title and summary, links masked) and the question, under a
grammar of labelled fields: what the entry offers, then per part of the question one third-person sentence
that opens with the entry's name (or none). The labels are parsed here and never reach the answer. The entry's
block is the prompt prefix, so its KV state is evaluated once and reused for every later call on that entry
(other questions, chat turns, the claim judge).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from rag_answer.answer.prose import deglued, entry_name, uncut
from rag_answer.entries import Entry
from rag_answer.llm.engine import GenerationStats, TextGenerator
from rag_answer.llm.grammar import NONE_ANSWER, evidence_grammar, model_grammar, task_grammar
from rag_answer.llm.source_prompt import source_prompt
from rag_answer.prompts import load_template
from rag_answer.settings import Settings

_FIELD = re.compile(r"^(Input|Output|Offers|Answer|Task|Part \d+): ?(.*)$", re.MULTILINE)
NOT_STATED = "not stated"
# Tokens per call: the fixed fields, plus one sentence per part of the question.
_TOKENS_PER_CALL = {"task": 60, "evidence": 40, "model": 70, "model_evidence": 80}
_TOKENS_PER_PART = 50


@dataclass
class Reading:
    """What the model wrote about one entry."""

    entry: Entry
    offers: str = ""  # a phrase, without its final "."
    answer: str = ""  # the first answered part's sentence, without its final "." ("" for none)
    answered: bool = False  # the model found something in the entry that answers the question
    input: str = ""
    output: str = ""
    raw: str = ""
    parts: list[str] = field(default_factory=list)  # per part of the question: a sentence without "." or ""
    states: str = ""  # a name-only model: the task its name states ("" when the name states none)
    fits: float | None = None  # a name-only model: P(its name states the task asked about)
    pointed: list[int] = field(default_factory=list)  # parts answered with the entry's name and no sentence


def generate(
    generator: TextGenerator, prefix: str, suffix: str, grammar: str, kind: str, settings: Settings, parts: int = 0
) -> str:
    budget = min(_TOKENS_PER_CALL[kind] + _TOKENS_PER_PART * parts, settings.max_tokens)
    pieces = generator.stream(
        prefix, suffix, grammar=grammar, max_tokens=budget, temperature=settings.temperature, seed=settings.seed
    )
    return "".join(pieces)


def read_task(generator: TextGenerator, question: str, settings: Settings) -> tuple[str, GenerationStats]:
    system = load_template("task_system").render()
    prefix, suffix = generator.template.split(system, "", load_template("task_request").render(question=question))
    text = generate(generator, prefix, suffix, task_grammar(), "task", settings).strip()
    return text, generator.last_stats


def entry_request(entry: Entry, question: str, parts: Sequence[str] = ()) -> tuple[str, str, str]:
    """The request, grammar and budget kind of the one call that reads `entry`. A name-only model is read without
    the question: shown it, the model writes the output the user wants ("dehazed photos") for a style-transfer
    model; without it, what the name says."""
    parts = list(parts) or [question]
    name = entry_name(entry)
    if entry.kind == "model" and not entry.has_summary:
        return load_template("model_request").render(), model_grammar(with_evidence=False), "model"
    template = "model_evidence_request" if entry.kind == "model" else "evidence_request"
    listed = "\n".join(f"Part {n}: {part}" for n, part in enumerate(parts, start=1))
    blank = "<sentence starting with " + name + ", or none>"
    format_parts = "\n".join(f"Part {n}: {blank}" for n in range(1, len(parts) + 1))
    request = load_template(template).render(question=question, parts=listed, name=name, format_parts=format_parts)
    if entry.kind == "model":
        return request, model_grammar(with_evidence=True, parts=len(parts), name=name), "model_evidence"
    return request, evidence_grammar(len(parts), name), "evidence"


def read_entry(
    generator: TextGenerator, entry: Entry, question: str, settings: Settings, parts: Sequence[str] = ()
) -> tuple[Reading, GenerationStats]:
    """One call about one entry."""
    parts = list(parts) or [question]
    request, grammar, kind = entry_request(entry, question, parts)
    prefix, suffix = source_prompt(generator, entry, request)
    raw = generate(generator, prefix, suffix, grammar, kind, settings, 0 if kind == "model" else len(parts))
    return parse_reading(entry, raw), generator.last_stats


def judge_fit(generator: TextGenerator, reading: Reading, question: str) -> float:
    """P(yes) that the task a name-only model's name states is the one asked about (log-probabilities of the
    first answer token, no sampling)."""
    request = load_template("fit_request").render(question=question.replace('"', "'"), task=reading.states)
    prefix, suffix = source_prompt(generator, reading.entry, request)
    logprobs = generator.choice_logprobs(prefix, suffix, ["yes", "Yes", "no", "No"])
    yes = math.exp(logprobs["yes"]) + math.exp(logprobs["Yes"])
    no = math.exp(logprobs["no"]) + math.exp(logprobs["No"])
    return yes / (yes + no) if yes + no > 0 else 0.0


def _value(text: str) -> str:
    text = text.strip().rstrip(".").strip()
    return "" if text.lower() in (NONE_ANSWER, NOT_STATED) else text


# The format's blank copied into the answer: "<name>, or none" means none.
_NAMING = {"the", "a", "paper", "model", "on", "entry"}
_OR_NONE = re.compile(r",?\s+or none\s*\.?\s*$", re.IGNORECASE)


def _part_value(text: str, names: str) -> str:
    value = _value(text)
    if _OR_NONE.search(value):
        value = _OR_NONE.sub("", value).strip()
        if set(re.findall(r"\w+", value.lower())) <= set(re.findall(r"\w+", names.lower())) | _NAMING:
            return ""  # nothing but the entry's name or title: the model chose "none"
    return value


def parse_reading(entry: Entry, raw: str) -> Reading:
    found = [(key, deglued(value, f"{entry.title} {entry.summary}")) for key, value in _FIELD.findall(raw)]
    fields = {name: value for name, value in found}
    names = f"{entry_name(entry)} {entry.title}"
    values = [value for key, value in found if key.startswith("Part ")]
    parts = [uncut(_part_value(value, names)) for value in values]  # a sentence the budget cut ends whole
    pointed = [n for n, (value, part) in enumerate(zip(values, parts, strict=True))
               if not part and _OR_NONE.search(value)]  # fmt: skip
    if not parts and "Answer" in fields:  # the one-answer form of earlier readings
        parts = [_value(fields["Answer"])]
    first = next((part for part in parts if part), "")
    return Reading(
        entry=entry,
        offers=_value(fields.get("Offers", "")),
        answer=first,
        answered=bool(first),
        input=_value(fields.get("Input", "")),
        output=_value(fields.get("Output", "")),
        raw=raw,
        parts=parts,
        states=_value(fields.get("Task", "")),
        pointed=pointed,
    )
