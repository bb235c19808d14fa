"""Answers on the eval/fields prompt set, for rag-answer (both presets) and the LangChain baseline chain on the
same GGUF, threads and output budget; every FINAL text is audited by the claim checker (with the judge) against
the file's full entry list, independently of what the system did.

    python eval/fields_eval.py --split test \
        --systems rag:qwen2.5-coder-1.5b,rag:qwen2.5-coder-0.5b,langchain:qwen2.5-coder-1.5b
Writes eval/results/fields/<split>/<system>/<file>.json (answer, audit, metrics) and prints a summary.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eval.fields.split import ROOT as FIELDS  # noqa: E402
from eval.fields.split import code_version, prompt_files  # noqa: E402

OUT = ROOT / "eval" / "results" / "fields"
FLAGGED = ("misattributed", "contradicted", "unsupported")
DIRECTNESS_PROMPT = (
    'A user asked: "{question}"\n\nHere is the start of an answer:\n"""\n{answer}\n"""\n\n'
    "Does this answer directly answer what the user asked (not just restate the question or describe sources)? "
    "Reply yes, partly or no."
)
# Garbling artefacts: glued words, broken abbreviations, repeated runs, leftover instructions, cut clauses.
ARTEFACTS = {
    "glued_words": re.compile(r"[a-z][,;][A-Za-z]"),
    "broken_abbreviation": re.compile(r"\be,g,|\bi,e,|\be\.g(?!\.)"),
    "repeated_run": re.compile(r"\b(\w{2,})(?:\s+\1\b){1,}", re.IGNORECASE),
    "instruction_echo": re.compile(
        r"<phrase>|<sentence|a short phrase saying|Format:|one sentence stating|"
        r"what the user gives the model",
        re.IGNORECASE,
    ),
    "cut_clause": re.compile(r"\b(?:and|or|the|a|of|to|with|like|such as|for)\s*(?:->|\.$)", re.MULTILINE),
    # first-person abstract text ("we propose", "our approach") and pipeline messages in the body
    "first_person": re.compile(r"\b(?:we|our|us)\b", re.IGNORECASE),
    "pipeline_message": re.compile(
        r"did not pass the claim check|no links supplied|listed by name only|Listed without a description"
    ),
}


def artefacts(text: str) -> dict[str, int]:
    # links, and a part's bold lead: the user's own words ("**Do we need a separate OCR step ...?**")
    prose = re.sub(r"https?://\S+|\*\*[^*\n]+\*\*", " ", text)
    return {name: len(pattern.findall(prose)) for name, pattern in ARTEFACTS.items()}


def directness(judge_llm: Any, question: str, answer: str) -> float:
    """0-3: three times the judge's probability of "yes" (a "partly" counts half)."""
    from rag_answer.prompts import load_template  # noqa: F401  (keeps the import graph honest)

    template = judge_llm.template
    prefix, suffix = template.split("You judge answers strictly and briefly.", "",
                                    DIRECTNESS_PROMPT.format(question=question, answer=answer[:1500]))  # fmt: skip
    probs = judge_llm.choice_logprobs(prefix, suffix, ["yes", "Yes", "partly", "Partly", "no", "No"])
    p = {k: math.exp(v) for k, v in probs.items()}
    yes, partly, no = p["yes"] + p["Yes"], p["partly"] + p["Partly"], p["no"] + p["No"]
    return round(3 * (yes + 0.5 * partly) / (yes + partly + no), 2)


def answer_part(system: str, text: str) -> str:
    if system == "rag":
        from rag_answer.answer.compose import split_sections

        return split_sections(text)["answer"]
    return text


def run_system(kind: str, model: str, files: list[Path], threads: int, out: Path, judge_llm: Any) -> None:
    from rag_answer.audit import audit
    from rag_answer.audit.judge import LlmJudge
    from rag_answer.embedder import default_embedder_path, get_embedder
    from rag_answer.index_store import build_index
    from rag_answer.llm import load_generator, resolve_model
    from rag_answer.settings import load_settings
    from rag_answer.sources import load_source

    settings = load_settings(model=model, threads=threads, temperature=0.0, seed=0)
    embedder = get_embedder()
    claim_judge = LlmJudge(judge_llm)
    if kind == "rag":
        from rag_answer.answer import answer_question

        generator = load_generator(settings)
    else:
        from eval.langchain_baseline import LangChainBaseline

        baseline = LangChainBaseline(resolve_model(settings.model, settings.models_dir).path, threads=threads,
                                     n_ctx=settings.n_ctx, max_tokens=settings.max_tokens, seed=0,
                                     embedder_path=default_embedder_path())  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    for path in files:
        target = out / f"{path.stem}.json"
        if target.is_file():
            continue
        source = load_source(path)
        labels = json.loads((FIELDS / "labels" / f"{path.name[:3]}.json").read_text("utf-8"))
        started = time.perf_counter()
        record: dict[str, Any] = {"file": path.name, "system": kind, "model": model}
        if kind == "rag":
            index = build_index([source], embedder, progress=False)
            result = answer_question(source.question, index, embedder, generator, settings, source_nos=[0])
            text = result.text
            spans = result.program_spans  # the program's own text is not a claim about a source
            record.update(refused=result.refused, repairs=result.repairs, sections=result.sections,
                          generated_tokens=result.stats.generated_tokens,
                          readings=[r.raw for r in result.readings],
                          timings={k: round(v, 2) for k, v in result.timings.items()},
                          calls=result.stats.calls, prompt_tokens=result.stats.prompt_tokens,
                          evidence=[[{"entry": item.entry.id, "text": item.text, "answers": item.answers,
                                      "off_part": item.off_part, "checked": item.checked} for item in items]
                                    for items in result.evidence or []])  # fmt: skip
        else:
            answer = baseline.answer(source, source.question or "")
            text = answer.text
            spans = []
            record.update(refused=False, repairs=[], generated_tokens=None)
        record["seconds"] = round(time.perf_counter() - started, 2)
        record["answer"] = text
        report = audit(text, source, embedder=embedder, judge=claim_judge, program_spans=spans)
        counts = {verdict: sum(c.verdict == verdict for c in report.claims)
                  for verdict in ("supported", "weak", *FLAGGED, "uncited")}  # fmt: skip
        cited_ids = {c.citations[0].entry_id for c in report.claims if c.citations}
        linked_ids = {f.entry_id for f in report.links if f.accepted and f.entry_id}
        by_title = {e.title: e.id for e in source.entries}
        relevant = [by_title[t] for t in labels["relevant"] if t in by_title]
        covered = [i for i in relevant if i in cited_ids | linked_ids]
        part = answer_part(kind, text)
        answer_claims = [c for c in report.claims if c.text in part or part.find(c.text[:40]) >= 0]
        # every judged sentence with its verdict and cited entry: what the labellers of removals and kept
        # sentences read (eval/claims_labels.py)
        record["claims"] = [
            {"text": c.text, "verdict": c.verdict, "entry": c.citations[0].entry_id if c.citations else None}
            for c in report.claims
        ]
        record["program_spans"] = [list(span) for span in spans]
        record["metrics"] = {
            "verdicts": counts,
            "links_rejected": len(report.rejected_links),
            "answer_supported_sentences": sum(c.verdict == "supported" and bool(c.citations) for c in answer_claims),
            "relevant": len(relevant),
            "relevant_covered": len(covered),
            "artefacts": artefacts(text),
            "directness": directness(judge_llm, source.question or "", part or text),
            # "does not fit" / "do not show whether it fits": said of a name-only model whose name states
            # another task, or whose fit the sources leave open
            "says_unfit": any(phrase in text for phrase in ("not shown to fit", "cannot confirm that it fits",
                                                            "do not show whether it fits"))
            or "does not fit" in text.lower(),
            "model_fits": labels["model_fits"],
            "has_unanswered": bool(labels["unanswered"]),
            "says_gap": "do not say" in text or "don't say" in text or "not mention" in text.lower()
            or "No supplied source answers" in text,
        }  # fmt: skip
        target.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", "utf-8")
        print(f"{kind}:{model} {path.name} {record['seconds']}s {record['metrics']['verdicts']}", flush=True)


# both ways an answer states a gap: no sentence on the part's topic, or none that gives what it asks
_STATED_GAP = re.compile(r'(?:do not say: "([^"]+)"|No supplied source answers "([^"]+)" directly'
                         r"|\*\*([^*\n]+)\*\* (?:The supplied sources do not say|No supplied source answers this))")


def false_gaps(rows: list[dict[str, Any]], embedder: Any) -> tuple[int, int]:
    """(gaps stated, of those answered by the sources): a stated gap is false when the labels do not leave its
    part unanswered (eval/fields/gaps.py)."""
    from eval.fields.gaps import open_asks, truly_unanswered

    stated = false = 0
    for row in rows:
        parts = [a or b or c for a, b, c in _STATED_GAP.findall(row["answer"])]
        if not parts:
            continue
        labels = json.loads((FIELDS / "labels" / f"{row['file'][:3]}.json").read_text("utf-8"))
        asks, unanswered = labels["asks"], labels["unanswered"]
        vectors = embedder.encode(parts + asks + unanswered)
        ask_v = vectors[len(parts) : len(parts) + len(asks)]
        opened = open_asks(ask_v, vectors[len(parts) + len(asks) :])
        for vector in vectors[: len(parts)]:
            stated += 1
            false += not truly_unanswered(vector, ask_v, opened)
    return stated, false


def relevant_tangential(row: dict[str, Any]) -> tuple[int, int]:
    """(part-4 items labelled tangential, of those the labels call relevant)."""
    labels = json.loads((FIELDS / "labels" / f"{row['file'][:3]}.json").read_text("utf-8"))
    from rag_answer.sources import load_source

    source = load_source(FIELDS / "prompts" / row["file"])
    relevant = {entry.id for entry in source.entries if entry.title in labels["relevant"]}
    said = re.findall(r"^- \[@([a-z0-9-]+)\] Tangential:", row["answer"], re.MULTILINE)
    return len(said), sum(entry_id in relevant for entry_id in said)


def summarize(split: str, root: Path = OUT) -> dict[str, Any]:
    from rag_answer.embedder import get_embedder

    embedder = get_embedder()
    summary: dict[str, Any] = {}
    for folder in sorted(path for path in (root / split).glob("*") if path.is_dir()):
        rows = [json.loads(p.read_text("utf-8")) for p in sorted(folder.glob("*.json"))]
        if not rows:
            continue
        m = [r["metrics"] for r in rows]
        found = [artefacts(r["answer"]) for r in rows]
        total = {v: sum(x["verdicts"][v] for x in m) for v in m[0]["verdicts"]}
        unfit = [x for x in m if not x["model_fits"]]
        gaps = [x for x in m if x["has_unanswered"]]
        summary[folder.name] = {
            "answers": len(rows),
            "answer_with_supported_sentence": sum(x["answer_supported_sentences"] > 0 for x in m),
            "directness_mean": round(sum(x["directness"] for x in m) / len(m), 2),
            "relevant_covered": f"{sum(x['relevant_covered'] for x in m)}/{sum(x['relevant'] for x in m)}",
            "verdicts": total,
            "flagged_share": round(sum(total[v] for v in FLAGGED) / max(1, sum(total.values()) - total["uncited"]), 3),
            # counted again from the stored text, so a stored run is read by today's patterns
            "artefacts": sum(sum(x.values()) for x in found),
            "artefacts_by_kind": {k: sum(x[k] for x in found) for k in ARTEFACTS},
            "unfit_model_said": f"{sum(x['says_unfit'] for x in unfit)}/{len(unfit)}",
            "gaps_said": f"{sum(x['says_gap'] for x in gaps)}/{len(gaps)}",
            "gaps_stated_false": "{1}/{0}".format(*false_gaps(rows, embedder)),
            "relevant_called_tangential": "{1}/{0}".format(*map(sum, zip(*map(relevant_tangential, rows), strict=True)))
            if rows[0]["system"] == "rag" else None,
            "refused": sum(r["refused"] for r in rows),
            "links_rejected": sum(x["links_rejected"] for x in m),
            "seconds_median": sorted(r["seconds"] for r in rows)[len(rows) // 2],
            "seconds_mean": round(sum(r["seconds"] for r in rows) / len(rows), 1),
            "generated_tokens_mean": (round(sum(r["generated_tokens"] for r in rows) / len(rows), 1)
                                      if all(r["generated_tokens"] is not None for r in rows) else None),
        }  # fmt: skip
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=["dev", "test"], default="dev")
    parser.add_argument("--systems", default="rag:qwen2.5-coder-1.5b")
    parser.add_argument("--judge-model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--summary-only", action="store_true")
    args = parser.parse_args()
    if not args.summary_only:
        from rag_answer.llm import load_generator
        from rag_answer.settings import load_settings

        judge_llm = load_generator(load_settings(model=args.judge_model, threads=args.threads))
        (OUT / args.split).mkdir(parents=True, exist_ok=True)
        run = {"commit": code_version(), "command": "python eval/fields_eval.py " + " ".join(sys.argv[1:])}
        (OUT / args.split / "RUN.json").write_text(json.dumps(run, indent=1) + "\n", "utf-8")
        files = prompt_files(args.split)[: args.limit]
        for system in args.systems.split(","):
            kind, model = system.split(":", 1)
            run_system(kind, model, files, args.threads, OUT / args.split / f"{kind}-{model}", judge_llm)
            # each system's own stamp: a system not rerun keeps the commit its results came from
            stamp = OUT / args.split / f"RUN-{kind}-{model}.json"
            stamp.write_text(json.dumps(run, indent=1) + "\n", "utf-8")
    summary = summarize(args.split)
    (OUT / f"{args.split}-summary.json").write_text(json.dumps(summary, indent=1) + "\n", "utf-8")
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
