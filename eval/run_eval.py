"""Evaluate rag-answer (and optionally the LangChain baseline) on the evaluation prompt set.

    python eval/run_eval.py [--models qwen2.5-coder-0.5b,qwen2.5-coder-1.5b] [--prompts eval/prompts]
                            [--seed 0] [--baseline] [--limit N] [--out EVALUATION.md]

For every prompt file and preset: answer its question with answer_question (the model is loaded once per
preset), audit the FINAL text with rag_answer.audit against the file's full entry list, and compute the
metrics of eval/metrics.py. Per-prompt JSON (answer + audit) goes to eval/results/ (not in git); the
aggregates go to eval/summary.json (in git), keyed by system and model, so runs over different models
(e.g. the 0.5B on all prompts, the 1.5B on a --limit subset) accumulate; EVALUATION.md is rendered from it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from metrics import RunMetrics, aggregate, run_metrics

from rag_answer.atomic import atomic_write_text
from rag_answer.audit import audit
from rag_answer.embedder import default_embedder_path, get_embedder
from rag_answer.index_store.cache import cached_index
from rag_answer.llm import load_generator, resolve_model
from rag_answer.settings import load_settings
from rag_answer.sources import load_source

ROOT = Path(__file__).resolve().parents[1]
EVAL_DIR = ROOT / "eval"
DEFAULT_MODELS = "qwen2.5-coder-0.5b,qwen2.5-coder-1.5b"
SYSTEMS = {"rag-answer": "rag-answer", "langchain": "LangChain baseline"}


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def prompt_files(folder: Path, limit: int | None) -> list[Path]:
    files = sorted(folder.glob("*.txt"))
    if limit is not None and limit < len(files):
        # Keep the adversarial files in a limited run: the first N-5 ordinary files plus all adv_* ones.
        adversarial = [f for f in files if f.name.startswith("adv_")]
        ordinary = [f for f in files if not f.name.startswith("adv_")]
        keep = max(limit - len(adversarial), 0)
        files = (ordinary[:keep] + adversarial)[:limit] if keep else adversarial[:limit]
    return files


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def evaluate_rag_answer(model: str, files: list[Path], settings_kw: dict[str, Any], results: Path) -> list[RunMetrics]:
    settings = load_settings(model=model, quiet=True, **settings_kw)
    embedder = get_embedder(settings.embedder)
    generator = load_generator(settings)
    runs = []
    for path in files:
        source = load_source(path)
        index = cached_index(source, embedder, settings.cache_dir, progress=False)
        started = time.perf_counter()
        result = answer_question_for(source.question or "", index, embedder, generator, settings)
        seconds = time.perf_counter() - started
        report = audit(result.text, source.entries, embedder=embedder)
        stats = result.stats
        metrics = run_metrics(
            path.stem, result.text, source.entries, report, refused=result.refused, seconds=seconds,
            seconds_to_first_token=stats.seconds_to_first_token or None,
            tokens_per_second=stats.tokens_per_second or None,
        )  # fmt: skip
        model_info = {"name": generator.model_name, "sha256": generator.model_sha256}
        dump = {"prompt": path.name, "system": "rag-answer", "metrics": metrics.to_dict(),
                "result": result.to_dict(settings, model_info), "final_audit": report.to_dict()}  # fmt: skip
        atomic_write_text(results / model / "rag-answer" / f"{path.stem}.json", json.dumps(dump, indent=1) + "\n")
        log(_line("rag-answer", model, metrics))
        runs.append(metrics)
    return runs


def answer_question_for(question: str, index: Any, embedder: Any, generator: Any, settings: Any) -> Any:
    from rag_answer.answer import answer_question

    return answer_question(question, index, embedder, generator, settings, source_nos=[0])


def evaluate_baseline(model: str, files: list[Path], settings_kw: dict[str, Any], results: Path) -> list[RunMetrics]:
    from langchain_baseline import LangChainBaseline

    settings = load_settings(model=model, quiet=True, **settings_kw)
    embedder = get_embedder(settings.embedder)  # the auditor's embedder (same weights as the chain's)
    model_file = resolve_model(model, settings.models_dir)
    chain = LangChainBaseline(
        model_file.path, threads=settings.threads, n_ctx=settings.n_ctx, max_tokens=settings.max_tokens,
        seed=settings.seed, embedder_path=default_embedder_path(),
    )  # fmt: skip
    runs = []
    for path in files:
        source = load_source(path)
        answer = chain.answer(source, source.question or "")
        report = audit(answer.text, source.entries, embedder=embedder)
        metrics = run_metrics(path.stem, answer.text, source.entries, report, seconds=answer.seconds,
                              seconds_to_first_token=answer.seconds_to_first_token)  # fmt: skip
        dump = {"prompt": path.name, "system": "langchain", "metrics": metrics.to_dict(), "answer": answer.text,
                "retrieved": answer.retrieved, "seconds": answer.seconds, "final_audit": report.to_dict()}  # fmt: skip
        atomic_write_text(results / model / "langchain" / f"{path.stem}.json", json.dumps(dump, indent=1) + "\n")
        log(_line("langchain", model, metrics))
        runs.append(metrics)
    return runs


def _line(system: str, model: str, m: RunMetrics) -> str:
    return (
        f"[{system} {model}] {m.prompt}: refused={m.refused} links {m.links_supplied}/{m.links} "
        f"invalid markers {m.invalid_markers} structure={m.structure_complete} "
        f"models cited {m.models_cited}/{m.models_supplied} supported {m.supported}/{m.cited_sentences} "
        f"{m.seconds or 0:.1f}s"
    )


# ---------------------------------------------------------------------------------------------- rendering


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def _num(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


ROWS: list[tuple[str, Any]] = [
    ("runs (prompt files)", lambda a: str(a["runs"])),
    ("link precision (supplied / all links in output; target 100%)",
     lambda a: f"{_pct(a['link_precision'])} ({a['links_supplied']}/{a['links']})"),
    ("runs with an unsupplied link (target 0)", lambda a: str(a["runs_with_unsupplied_link"])),
    ("invalid citation markers (target 0)", lambda a: str(a["invalid_markers"])),
    ("runs with no unsupplied link and no invalid marker (target 100%)",
     lambda a: f"{_pct(a['clean_share'])} ({a['clean_runs']}/{a['runs']})"),
    ("structure complete (3 non-empty parts, of answered)",
     lambda a: f"{_pct(a['structure_share'])} ({a['structure_complete']}/{a['answered']})"),
    ("recommended models cited by marker or supplied link",
     lambda a: f"{_pct(a['models_cited_share'])} ({a['models_cited']}/{a['models_supplied']})"),
    ("recommended models mentioned (marker, link or title)",
     lambda a: f"{_pct(a['models_mentioned_share'])} ({a['models_mentioned']}/{a['models_supplied']})"),
    ("cited sentences the auditor marks supported",
     lambda a: f"{_pct(a['supported_share'])} ({a['supported']}/{a['cited_sentences']})"),
    ("cited sentences marked unsupported", lambda a: str(a["unsupported"])),
    ("uncited claim sentences", lambda a: str(a["uncited_claims"])),
    ("refused the unanswerable question (adv_026)", lambda a: f"{a['refused_unanswerable']}/{a['unanswerable']}"),
    ("false refusals (answerable questions refused)", lambda a: f"{a['false_refusals']}/{a['answerable']}"),
    ("median seconds per answer (loaded machine)", lambda a: _num(a["median_seconds"])),
    ("median seconds to first token", lambda a: _num(a["median_seconds_to_first_token"], 2)),
]  # fmt: skip


def render_markdown(summary: dict[str, Any]) -> str:
    out = [
        "# Evaluation",
        "",
        'Produced by `python eval/run_eval.py` (see eval/README.md, "How to run"); regenerate rather than edit.',
        "Every answer's FINAL text is audited with `rag_answer.audit` against ALL links supplied in its prompt",
        "file, whatever the system did internally. The LangChain baseline (eval/langchain_baseline.py) is a",
        "plain FAISS + HuggingFaceEmbeddings + LlamaCpp retrieval chain on the same GGUF, threads, context and",
        "temperature 0. Timings come from a 2-core machine shared with other jobs: read them as rough.",
        "",
    ]
    for model, runs in summary["models"].items():
        systems = [name for name in SYSTEMS if name in runs]
        first = runs[systems[0]]
        out += [
            f"## {model}",
            "",
            f"Model SHA-256 `{first['model_sha256']}`; seed {first['seed']}; "
            + "; ".join(
                f"{SYSTEMS[name]}: commit `{runs[name]['commit']}`, {runs[name]['date']}, "
                f"{runs[name]['aggregate']['runs']} prompts"
                for name in systems
            ),
            "",
            "| metric | " + " | ".join(SYSTEMS[name] for name in systems) + " |",
            "|---|" + "---|" * len(systems),
        ]
        for label, cell in ROWS:
            out.append(f"| {label} | " + " | ".join(cell(runs[name]["aggregate"]) for name in systems) + " |")
        out += ["", "<details><summary>Per prompt</summary>", ""]
        out += [
            "| system | prompt | refused | links ok | bad markers | structure | models cited | supported "
            "| rejected links |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for name in systems:
            for m in runs[name]["runs"]:
                rejected = ", ".join(f"`{_defang(url)}`" for url in m["rejected"]) or "-"
                out.append(
                    f"| {SYSTEMS[name]} | {m['prompt']} | {'yes' if m['refused'] else 'no'} | "
                    f"{m['links_supplied']}/{m['links']} | {m['invalid_markers']} | "
                    f"{'-' if m['structure_complete'] is None else 'yes' if m['structure_complete'] else 'NO'} | "
                    f"{m['models_cited']}/{m['models_supplied']} | {m['supported']}/{m['cited_sentences']} | "
                    f"{rejected} |"
                )
        out += ["", "</details>", ""]
    return "\n".join(out)


NOTES_TITLE = "## Findings (hand-written)"


def kept_notes(path: Path) -> str:
    """The hand-written findings section of an existing EVALUATION.md, kept across regenerations."""
    if not path.is_file():
        return ""
    text = path.read_text("utf-8")
    start = text.find(NOTES_TITLE)
    return "\n" + text[start:].rstrip("\n") + "\n" if start >= 0 else ""


def _defang(url: str) -> str:
    from rag_answer.audit.report import defang

    return defang(url).replace("|", "\\|")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default=DEFAULT_MODELS, help="comma-separated presets")
    parser.add_argument("--prompts", type=Path, default=EVAL_DIR / "prompts")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--baseline", action="store_true", help="also run the LangChain baseline")
    parser.add_argument("--baseline-only", action="store_true", help="run the LangChain baseline only")
    parser.add_argument("--limit", type=int, help="at most N prompt files (all adv_* files are kept)")
    parser.add_argument("--out", type=Path, default=ROOT / "EVALUATION.md")
    parser.add_argument("--summary", type=Path, default=EVAL_DIR / "summary.json")
    parser.add_argument("--results", type=Path, default=EVAL_DIR / "results")
    parser.add_argument("--threads", type=int, help="llama.cpp threads (default: settings)")
    parser.add_argument("--fresh", action="store_true", help="drop earlier results of other models from the summary")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

    files = prompt_files(args.prompts, args.limit)
    if not files:
        parser.error(f"no prompt files in {args.prompts}")
    settings_kw: dict[str, Any] = {"seed": args.seed, "temperature": 0.0}
    if args.threads:
        settings_kw["threads"] = args.threads
    summary: dict[str, Any] = {"models": {}}
    if args.summary.is_file() and not args.fresh:
        summary = json.loads(args.summary.read_text("utf-8"))
    commit = git_commit()
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    systems = ["langchain"] if args.baseline_only else ["rag-answer", *(["langchain"] if args.baseline else [])]
    for model in [name.strip() for name in args.models.split(",") if name.strip()]:
        settings = load_settings(model=model, **settings_kw)
        model_file = resolve_model(model, settings.models_dir)
        for system in systems:
            log(f"== {system} / {model}: {len(files)} prompts")
            evaluate = evaluate_rag_answer if system == "rag-answer" else evaluate_baseline
            runs = evaluate(model, files, settings_kw, args.results)
            summary["models"].setdefault(model, {})[system] = {
                "commit": commit,
                "date": date,
                "seed": args.seed,
                "model_sha256": model_file.sha256,
                "threads": settings.threads,
                "n_ctx": settings.n_ctx,
                "max_tokens": settings.max_tokens,
                "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared)",
                "prompts": [f.name for f in files],
                "aggregate": aggregate(runs),
                "runs": [run.to_dict() for run in runs],
            }
            atomic_write_text(args.summary, json.dumps(summary, indent=1, ensure_ascii=False) + "\n")
            atomic_write_text(args.out, render_markdown(summary) + kept_notes(args.out))
    print(render_markdown(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
