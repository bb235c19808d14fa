"""Reading the sources one entry at a time, so a fact cannot migrate from one entry to another.

Every call shows the model ONE entry (its title and summary, links masked) and the question, under a
grammar of labelled fields. The entry's block is the prompt prefix, so its KV state is evaluated once and
reused for every later call on that entry (other questions, chat turns, the claim judge).
"""

from __future__ import annotations

import math
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
# A recommended model is said to fit when P(yes) to "does it perform the task the question needs?", judged from
# its own entry, is at least this. Tuned on the dev split of eval/fields (python eval/tune_fit.py): the 1.5B
# model says yes to almost everything, so only a low P(yes) is informative; at 0.55 no fitting dev model is
# called unfit.
FIT_THRESHOLD = 0.55


@dataclass
class Reading:
    """What the model wrote about one entry."""

    entry: Entry
    offers: str = ""  # a phrase, without its final "."
    answer: str = ""  # one sentence without its final ".", or "" for none (or removed by the claim check)
    answered: bool = False  # the model found something in the entry that answers the question
    fits: bool | None = None  # recommended models only
    fit_p_yes: float | None = None
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
    has_summary = bool(entry.summary.strip())
    if entry.kind == "model":
        name = "model_evidence_request" if has_summary else "model_request"
        grammar, kind = model_grammar(with_evidence=has_summary), ("model_evidence" if has_summary else "model")
    else:
        name, grammar, kind = "evidence_request", evidence_grammar(), "evidence"
    prefix, suffix = source_prompt(generator, entry, load_template(name).render(question=question))
    raw = generate(generator, prefix, suffix, grammar, kind, settings)
    stats = generator.last_stats
    reading = parse_reading(entry, raw)
    if entry.kind == "model":
        reading.fit_p_yes = fit_p_yes(generator, entry, question)
        reading.fits = reading.fit_p_yes >= FIT_THRESHOLD
        stats = stats.add(generator.last_stats)
    return reading, stats


def fit_p_yes(generator: TextGenerator, entry: Entry, question: str) -> float:
    """P(yes) that the model, as its own entry describes it, performs the task the question needs. The entry's
    prefix state is already evaluated, so this is one short forward pass."""
    prefix, suffix = source_prompt(generator, entry, load_template("model_fit_request").render(question=question))
    logprobs = generator.choice_logprobs(prefix, suffix, ["yes", "Yes", "no", "No"])
    yes = math.exp(logprobs["yes"]) + math.exp(logprobs["Yes"])
    no = math.exp(logprobs["no"]) + math.exp(logprobs["No"])
    return yes / (yes + no)


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
