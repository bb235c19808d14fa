"""EVALUATION.md, rendered from the committed raw results (never edited by hand).

    python eval/make_evaluation.py            # render from eval/results/ (seconds)
    python eval/make_evaluation.py --run      # first run what is missing: claims bench (dev: none, 0.5B, 1.5B
                                              # judges; test: none, 1.5B) and the fields eval on the test split

Sources: eval/results/claims/<split>-<judge>.json (eval/claims_bench.py), eval/results/fields/test/
(eval/fields_eval.py, with RUN.json naming the commit), eval/results/fields/reading_notes.md (my reading of
ten answers, quoted as written), and the held-out hostile-source and panel results.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "eval" / "results"
CLAIM_RUNS = [("dev", "none"), ("dev", "qwen2.5-coder-0.5b"), ("dev", "qwen2.5-coder-1.5b"), ("test", "none"),
              ("test", "qwen2.5-coder-1.5b")]  # fmt: skip
SYSTEMS = "rag:qwen2.5-coder-1.5b,langchain:qwen2.5-coder-1.5b,rag:qwen2.5-coder-0.5b"
QUOTED = 10


def run_missing() -> None:
    for split, judge in CLAIM_RUNS:
        if not (RESULTS / "claims" / f"{split}-{judge}.json").is_file():
            subprocess.run([sys.executable, "eval/claims_bench.py", "--split", split, "--judge", judge], cwd=ROOT,
                           check=True)  # fmt: skip
    subprocess.run([sys.executable, "eval/fields_eval.py", "--split", "test", "--systems", SYSTEMS], cwd=ROOT,
                   check=True)  # fmt: skip


def pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def claims_section() -> list[str]:
    runs = {(s, j): json.loads((RESULTS / "claims" / f"{s}-{j}.json").read_text("utf-8"))
            for s, j in CLAIM_RUNS if (RESULTS / "claims" / f"{s}-{j}.json").is_file()}  # fmt: skip
    out = ["## Claim checker (eval/claims_bench.py)", ""]
    any_run = next(iter(runs.values()))
    kinds = sorted({r["kind"] for run in runs.values() for r in run["results"]})
    labels = {}
    for run in runs.values():
        for r in run["results"]:
            labels[(r["case"])] = (r["label"], r["kind"])
    out += [
        f"{len(labels)} labelled cases (sentence, cited entry, label) written from the 44 prompt files of "
        "`eval/fields/prompts/` (vision, speech, NLP, LLMs, RL, 3D, science), 11 per file: 3 true paraphrases, "
        "2 facts swapped in from another entry of the same file, one changed number, one changed dataset or name, "
        "one negation, one reversed comparison, one partly-true sentence and one invented specific. Each sentence "
        "cites its entry with a marker and is audited exactly as `rag-answer audit` does, against every entry of "
        "its file. Odd-numbered files are the **dev** split (all tuning: thresholds, prompts, rules), even-numbered "
        "ones the **test** split (only reported). *Flagged* = verdict misattributed, contradicted or unsupported.",
        "",
        "| split | judge | commit | cases | altered flagged | true paraphrases flagged | negations flagged | "
        "misattributed: owner named | s/case |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for (split, judge), run in runs.items():
        m = run["metrics"]
        out.append(f"| {split} | {judge} | {run.get('commit', '–')} | {m['cases']} | {pct(m['flagged_altered'])} | "
                   f"{pct(m['flagged_true_paraphrase'])} | {pct(m['flagged_negation'])} | "
                   f"{pct(m['misattributed_source_named'])} | {m['seconds_per_case']} |")  # fmt: skip
    out += ["", "Flagged share by kind of sentence:", "", "| split | judge | " + " | ".join(kinds) + " |",
            "|---|---|" + "---:|" * len(kinds)]  # fmt: skip
    for (split, judge), run in runs.items():
        by = run["metrics"]["flagged_by_kind"]
        out.append(f"| {split} | {judge} | " + " | ".join(pct(by.get(k)) for k in kinds) + " |")
    test = runs.get(("test", "qwen2.5-coder-1.5b"))
    if test:
        out += ["", "Precision and recall per verdict, test split, 1.5B judge:", "",
                "| verdict | precision | recall | predicted | labelled |", "|---|---:|---:|---:|---:|"]  # fmt: skip
        for verdict, v in test["metrics"]["verdicts"].items():
            out.append(f"| {verdict} | {pct(v['precision'])} | {pct(v['recall'])} | {v['predicted']} | {v['actual']} |")
        out += ["", "Confusion (label -> verdict), test split, 1.5B judge: " + ", ".join(
            f"{k} {v}" for k, v in test["metrics"]["confusion"].items()) + "."]  # fmt: skip
        misses = [r for r in test["results"] if r["label"] != "supported" and r["verdict"] in ("supported", "weak")]
        false = [r for r in test["results"] if r["label"] == "supported" and r["verdict"] != "supported"]
        out += ["", "What the checker still gets wrong on the test split (all cases, as written):", ""]
        out += [f'- missed ({r["kind"]}): "{r["sentence"]}" — {r["reason"]}' for r in misses]
        out += [f'- true paraphrase flagged {r["verdict"]}: "{r["sentence"]}" — {r["reason"]}' for r in false]
    out += ["", "The judge preset was chosen on the dev split: with the 0.5B preset as judge, negations are flagged "
            "far less often and true paraphrases more often than with the 1.5B (rows above); the 1.5B is also the "
            "default answering model, so in `ask` the judge reuses the KV state of each entry the answer was read "
            "from and only evaluates the claim. Cases per second here include loading each entry's state once.",
            ""]  # fmt: skip
    del any_run
    return out


def answers_section() -> list[str]:
    folder = RESULTS / "fields" / "test"
    summary_path = RESULTS / "fields" / "test-summary.json"
    if not summary_path.is_file():
        return ["## Answers on the test split", "", "Not run yet: `python eval/make_evaluation.py --run`.", ""]
    summary = json.loads(summary_path.read_text("utf-8"))
    run = json.loads((folder / "RUN.json").read_text("utf-8"))
    out = ["## Answers on the test split (eval/fields_eval.py)", "",
           f"Command: `{run['command']}` at commit {run['commit']}" + (f" ({run['note']})" if run.get("note") else "")
           + f". {len(list((folder / 'rag-qwen2.5-coder-1.5b').glob('*.json')))} files of the test split, in order "
           "(not used for tuning; the reading notes below say which fixes came from reading them); "
           + ("rag-answer and the LangChain retrieval chain (eval/langchain_baseline.py: FAISS + "
              "HuggingFaceEmbeddings + LlamaCpp on the same GGUF, links in its context) under the same threads, "
              "seed and output budget (max_tokens 600)" if any(k.startswith("langchain") for k in summary)
              else "rag-answer only (the LangChain baseline was not run this time)")
           + ". Every FINAL text is audited by the claim checker with the 1.5B "
           "judge against all entries of its file, independently of what the system did. *Directness* is the 1.5B "
           "asked whether the answer part (for the baseline, its whole text) directly answers the question: 3 x "
           "P(yes) (+ half of P(partly)). *Artefacts*: glued words, broken abbreviations, repeated runs, instruction "
           "echo, clauses cut before '->' or '.'. *Gap said*: answers saying the sources do not cover a part, of the "
           "files whose labels leave a part unanswered; *stated gaps the sources do answer*: of every part an answer "
           "says the sources do not cover, those closest to a labelled part the sources do answer. Seconds are "
           "wall time per answer including its audit, whatever else ran: "
           "speed is measured in BENCHMARKS.md (`bench/answer_speed.py`), not here.", "",
           "| system | answers | answer has a supported cited sentence | directness (0-3) | relevant entries cited | "
           "flagged / judged sentences | supported | misattributed | contradicted | unsupported | artefacts | "
           "unfit model said | gap said | stated gaps the sources do answer | refused | unsupplied links | median s | "
           "tokens (mean) |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for system, s in summary.items():
        v = s["verdicts"]
        out.append(f"| {system} | {s['answers']} | {s['answer_with_supported_sentence']} | {s['directness_mean']} | "
                   f"{s['relevant_covered']} | {pct(s['flagged_share'])} | {v['supported']} | {v['misattributed']} | "
                   f"{v['contradicted']} | {v['unsupported']} | {s['artefacts']} | {s['unfit_model_said']} | "
                   f"{s['gaps_said']} | {s.get('gaps_stated_false', '–')} | {s['refused']} | {s['links_rejected']} | "
                   f"{s['seconds_median']} | "
                   f"{s['generated_tokens_mean'] if s['generated_tokens_mean'] is not None else '–'} |")  # fmt: skip
    out += ["", "ALCE-style figures from the same audits: citation recall = supported sentences / claim sentences "
            "(cited or not); citation precision = supported cited sentences / cited sentences.", "",
            "| system | citation recall | citation precision |", "|---|---:|---:|"]  # fmt: skip
    for system in summary:
        rows = [json.loads(p.read_text("utf-8")) for p in sorted((folder / system).glob("*.json"))]
        total = {k: sum(r["metrics"]["verdicts"][k] for r in rows) for k in rows[0]["metrics"]["verdicts"]}
        claims = sum(total.values())
        cited = claims - total["uncited"]
        out.append(f"| {system} | {pct(total['supported'] / claims if claims else None)} | "
                   f"{pct(total['supported'] / cited if cited else None)} |")  # fmt: skip
    archive = RESULTS / "fields" / "archive"
    # `archived`, not `folder`: the answers quoted below must come from the current run, not the last archive
    for archived in sorted(path for path in archive.glob("*") if path.is_dir()):
        sys.path.insert(0, str(ROOT))
        from eval.fields_eval import summarize

        run_before = json.loads((archived / "RUN.json").read_text("utf-8"))
        for system, s in summarize(archived.name, archive).items():
            v = s["verdicts"]
            out += ["", f"Earlier run kept for comparison (`{archived.relative_to(ROOT)}`, {system} at commit "
                    f"{run_before['commit']}: {run_before.get('note', '')}): {s['answers']} answers, directness "
                    f"{s['directness_mean']}, flagged {pct(s['flagged_share'])} ({v['misattributed']} misattributed, "
                    f"{v['contradicted']} contradicted, {v['unsupported']} unsupported), gap said {s['gaps_said']}, "
                    f"stated gaps the sources do answer {s['gaps_stated_false']}, relevant entries labelled "
                    f"tangential {s['relevant_called_tangential']}."]  # fmt: skip
    notes = RESULTS / "fields" / "reading_notes.md"
    if notes.is_file():
        out += ["", notes.read_text("utf-8").strip(), ""]
    rows = [json.loads(p.read_text("utf-8")) for p in sorted((folder / "rag-qwen2.5-coder-1.5b").glob("*.json"))]
    out += ["", f"### {len(rows[:QUOTED])} answers of the default preset, as written (answer part)", ""]
    for row in rows[:QUOTED]:
        answer = row.get("sections", {}).get("answer", "").strip()
        out += [f"**{row['file']}** ({row['seconds']} s):", "", "> " + answer.replace("\n", "\n> "), ""]
    return out


def fit_section() -> list[str]:
    """The fit of a name-only recommended model as the pipeline judges it (eval/tune_fit_states.py)."""
    sys.path.insert(0, str(ROOT))
    from rag_answer.answer.draft import FIT_NO, FIT_YES
    from rag_answer.answer.stages import FITS, MISFIT_COSINE, fit_state
    from rag_answer.sources import load_source

    out = ["## Does the recommended model fit? (eval/tune_fit_states.py)", "",
           "For a recommended model known only by its name: the task its name states (read by the 1.5B without the "
           "question, kept only where it rests on the name), then P(yes) from the 1.5B that this is the task asked "
           "about, and the embedder's cosine between that task and the question. The answer says plainly that the "
           f"model does not fit only when both agree (P < {FITS} and cosine < {MISFIT_COSINE}) and the stated task "
           "shares no word with the question (where the task is read by rule from the name's own words, the cosine "
           "and the shared words alone decide a misfit); it fits when both say so; otherwise it says the sources do "
           "not show whether it fits. A name that states no task gets no fit claim. Ground truth: the labels' "
           "`model_fits`. Thresholds tuned on dev; test run once to report. 'Fitting called unfit' is before the "
           "namesake guard: a model that shares its name with an answering paper (dev f27's Mixtral-8x7B-Instruct, "
           "test f26's YaRN model) is not called unfit in the answer.",
           "", "| split | commit | models | name states a task | unfit found | fitting called unfit | fits said "
           "(of fitting, with a task) | unclear |", "|---|---|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for split, data in _tuning_results("fit", "states-{split}-qwen2.5-coder-1.5b.json"):
        rows = data["rows"]
        stated = [r for r in rows if r["states"]]

        def said(row: dict) -> str:  # the rule of Answerer._fit, on the recorded P(yes) and cosine
            question = load_source(ROOT / "eval" / "fields" / "prompts" / row["file"]).question or ""
            return {FIT_YES: "yes", FIT_NO: "no"}.get(
                fit_state(row["states"], row["entry"], question, row["p_yes"], row["cosine"]), "unclear")

        unfit = [r for r in rows if not r["fits"]]
        found = sum(said(r) == "no" for r in stated if not r["fits"])
        wrong = sum(said(r) == "no" for r in stated if r["fits"])
        fitting = [r for r in stated if r["fits"]]
        out.append(f"| {split} | {data['code']} | {len(rows)} | {len(stated)} | {found} of {len(unfit)} | {wrong} | "
                   f"{sum(said(r) == 'yes' for r in fitting)} of {len(fitting)} | "
                   f"{sum(said(r) == 'unclear' for r in stated)} |")  # fmt: skip
    return [*out, ""]


def _tuning_results(folder: str, name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(split, results) of a tuning script's committed JSON, dev then test, where it was run."""
    for split in ("dev", "test"):
        path = RESULTS / folder / name.format(split=split)
        if path.is_file():
            yield split, json.loads(path.read_text("utf-8"))


def open_parts_section() -> list[str]:
    """Does a part's sentence give what the part asks? The judge behind "no supplied source answers this"
    (tune_answers.py for the sentences an answer showed, tune_spans.py with the summary sentence nearest to it)."""
    sys.path.insert(0, str(ROOT))
    from rag_answer.answer.stages import ANSWERS, RESCUE_MARGIN, SPANS_PER_PART

    out = ["## Parts the sources leave open (eval/tune_answers.py, eval/tune_spans.py)", "",
           "For every part of the question, the 1.5B judge is asked whether each sentence shown for it gives what the "
           "part asks (not just something on its topic); the entries' summary sentence nearest to the part "
           f"({SPANS_PER_PART} per part) is judged too and shown first when it answers better. A part is said to be "
           f"left open when none reaches P(yes) {ANSWERS}; turning a part the written sentences leave open into an "
           f"answered one needs {round(ANSWERS + RESCUE_MARGIN, 2)} (the margin came from a stopped test run, see "
           "the reading notes). Ground truth: the labels' `unanswered` parts. The sentences judged are those of the "
           "dev run at cd1aabb (`eval/results/fields/archive/dev-cd1aabb/`), without their markers, as the answer "
           "path judges them. Tuned on dev; the test split's end-to-end figures are the fields table's 'gap said' and "
           "'stated gaps the sources answer'.",
           "", "| split | commit | sentences judged per part besides the shown ones | cut | rescue margin | open "
           "parts found | answered parts called open |", "|---|---|---:|---:|---:|---:|---:|"]  # fmt: skip
    for split, data in _tuning_results("answers", "spans-{split}-qwen2.5-coder-1.5b.json"):
        for most, margin in sorted({(0, 0.0), (SPANS_PER_PART, 0.0), (SPANS_PER_PART, RESCUE_MARGIN)}):
            at = next(row for row in data["sweep"] if abs(row["cut"] - ANSWERS) < 1e-9 and row["spans"] == most
                      and abs(row.get("margin", 0.0) - margin) < 1e-9)  # fmt: skip
            out.append(f"| {split} | {data.get('judged_at', data['code'])} | {most} | {ANSWERS} | {margin} | "
                       f"{at['open_found']} of "
                       f"{at['open_total']} | {at['answered_called_open']} of {at['answered_total']} |")  # fmt: skip
    return [*out, ""]


def hostile_section() -> list[str]:
    """Sources that try to give orders (rag_answer/sources/hostile.py): detection and false alarms."""
    detection = RESULTS / "hostile" / "detection.json"
    if not detection.is_file():
        return []
    data = json.loads(detection.read_text("utf-8"))
    out = ["## Sources that try to give orders (eval/hostile_eval.py, eval/hostile_blind_eval.py)", "",
           "A summary holding instruction-like text is flagged (a one-line source warning in every front end) and "
           "its flagged sentences are replaced before the model reads the entry. **Held out** = written by someone "
           "who never saw the detector or its patterns, run once per detector version, never tuned on. The other "
           "hostile files were written in this project and the patterns were tuned on them; their rates are "
           "tuning figures, not estimates.", "",
           "| held-out set | detector | flagged as instruction-like (labelled entry) | warned (instructions or an "
           "unsupplied URL) | benign near-miss entries flagged |", "|---|---|---:|---:|---:|"]  # fmt: skip
    for path in sorted((RESULTS / "hostile").glob("blind3-detector-*.json")):
        run = json.loads(path.read_text("utf-8"))
        warned = f"{run['warned']}/{run['hostile']}" if "warned" in run else "–"
        out.append(f"| eval/hostile_blind3 (16 files, 6 near-miss files) | {run['label']} at {run['commit']} | "
                   f"{run['detected']}/{run['hostile']} | {warned} | "
                   f"{run['benign_entries_flagged']}/{run['benign_entries']} |")  # fmt: skip
    by_split: dict[str, list[bool]] = {}
    for row in data["hostile"]:
        by_split.setdefault(row["split"], []).append(row["detected"] and row["right_entry_only"])
    out += ["", "| tuning set (eval/hostile, current detector) | files | detected on the labelled entry only |",
            "|---|---:|---:|"]  # fmt: skip
    names = {
        "dev": "h01-h33 odd (dev)",
        "test": "h02-h34 even (written with the patterns in view)",
        "blind": "h35-h46 (4/12 at first run, tuned on since)",
        "blind2": "h47-h58 (7/12 at first run, tuned on since)",
        "blind3": "h59-h70 (1/12 at first run, tuned on since)",
        "adv": "eval/prompts adv_023, adv_027",
    }
    out += [f"| {names.get(split, split)} | {len(hits)} | {sum(hits)}/{len(hits)} |"
            for split, hits in by_split.items()]  # fmt: skip
    out += ["", "| ordinary entries | entries | false alarms (instruction-like) | a URL in the text |",
            "|---|---:|---:|---:|"]  # fmt: skip
    for group, row in data["ordinary"].items():
        out.append(f"| {group} | {row['entries']} | {row['flagged_instructions']} | {row['with_url']} |")
    return [*out, ""]


def off_part_section() -> list[str]:
    """Is a shown sentence filed under the right part? Blind readers' labels (eval/part_labels.py)."""
    sys.path.insert(0, str(ROOT))
    from rag_answer.answer.stages import ANSWERS, OFF_PART_GAP

    runs = {split: json.loads((RESULTS / "fields" / folder / "RUN.json").read_text("utf-8"))["commit"]
            for split, folder in (("dev", "dev"), ("test", "archive/test-5dd74f4"))}  # the runs the labels read
    out = ["## Sentences filed under the wrong part (eval/part_labels.py)", "",
           f"Every sentence an answer of the {runs['test']} test run and of the {runs['dev']} dev run judged under a "
           "part of the "
           "question, shown to two readers per split who never saw the judge's P(answers): does it give what that "
           "part asks (yes, partly, no)? 'Off' is a sentence both readers call no, 'on' one neither does. An "
           f"answered part hides a sentence below P(answers) {ANSWERS}, and one more than "
           f"{OFF_PART_GAP} below the part's best (the gap chosen on dev; test read once to report).", "",
           "| split | sentences | readers agree | off by both | on by both | rule | off hidden | on hidden |",
           "|---|---:|---:|---:|---:|---|---:|---:|"]  # fmt: skip
    for split, data in _tuning_results("answers", "part-labels-{split}.json"):
        rules = (f"P < {ANSWERS}", f"P < {ANSWERS} or P < best of part - {OFF_PART_GAP}")
        for row in (row for row in data["sweep"] if row["rule"] in rules):
            out.append(f"| {split} | {data['sentences']} | {data['agreement']} | {data['off_part_by_all']} | "
                       f"{data['on_part_by_all']} | {row['rule']} | {row['off_hidden']} | "
                       f"{row['on_hidden']} |")  # fmt: skip
    return [*out, "", "Labels: `eval/part_labels/<split>/labels/`; key and sweep: "
            "`eval/results/answers/part-labels-*.json`.", ""]  # fmt: skip


def panel_section() -> list[str]:
    """The blind panel (eval/panel/panel.py): the headline."""
    summary_path = RESULTS / "panel" / "summary.json"
    if not summary_path.is_file():
        return ["## Blind panel", "", "Not run yet: `python eval/panel/panel.py packets`, readers, then `score`.", "",
                *_earlier_panel_rounds()]  # fmt: skip
    s = json.loads(summary_path.read_text("utf-8"))
    out = ["## Blind panel on the test split (eval/panel/panel.py): the headline", "",
           f"{len(s['readers'])} readers ({', '.join(s['readers'])}) who did not write the code, each blind to which "
           f"system wrote which answer (seeded random order A/B/C per file, key kept apart), scored "
           f"{s['files']} test-split files by ../shared/rubric.md, each file by {s['judgements'] // s['files']} of "
           "them: "
           f"{s['judgements']} judgements per system. "
           "Systems: rag-answer (default preset), the LangChain chain on the same GGUF (eval/langchain_baseline.py), "
           "and a general chat assistant with no tools (eval/panel/chat_assistant/, written once from the prompt "
           "files without seeing rag-answer's output). Scores are means (0-3); counts are totals over all "
           "judgements.", "",
           "| system | directness | coverage | clarity | unsupported | misattributions | fabricated | unsupplied "
           "links | honest about gaps |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for system, row in s["systems"].items():
        out.append(f"| {system} | {row['directness']} | {row['coverage']} | {row['clarity']} | {row['unsupported']} "
                   f"| {row['misattributions']} | {row['fabricated']} | {row['unsupplied_links']} | "
                   f"{row['honest_about_gaps']} |")  # fmt: skip
    pref = s["rag_preferred"]
    out += ["", f"rag-answer preferred over the LangChain chain in {pref['langchain']} judgements and over the chat "
            f"assistant in {pref['chat-assistant']}. Raw verdicts: `eval/panel/verdicts/`, key: `eval/panel/key.json`, "
            "summary: `eval/results/panel/summary.json`.", ""]  # fmt: skip
    return out + _earlier_panel_rounds()


def _earlier_panel_rounds() -> list[str]:
    """Earlier rounds (other answers, other readers; kept in eval/panel/rounds/): rag-answer's row in each."""
    rounds = sorted((RESULTS / "panel").glob("summary-*.json"))
    if not rounds:
        return []
    out = ["Earlier rounds, rag-answer's row (other answers of the same files, other readers; raw verdicts in "
           "eval/panel/rounds/). The chat assistant's answers are the same in every round, so its unsupported count "
           "shows how strictly each round's readers count: compare rag-answer's counts only within a round.", "",
           "| round | directness | coverage | clarity | unsupported | misattributions | fabricated | honest about gaps "
           "| preferred over LangChain | over the chat assistant | the chat assistant's unsupported |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for path in rounds:
        e = json.loads(path.read_text("utf-8"))
        row, pref = e["systems"]["rag-answer"], e["rag_preferred"]
        out.append(f"| {path.stem.removeprefix('summary-')} | {row['directness']} | {row['coverage']} | "
                   f"{row['clarity']} | {row['unsupported']} | {row['misattributions']} | {row['fabricated']} | "
                   f"{row['honest_about_gaps']} | {pref['langchain']} | {pref['chat-assistant']} | "
                   f"{e['systems']['chat-assistant']['unsupported']} |")  # fmt: skip
    return [*out, ""]


def real_claims_section() -> list[str]:
    """The checker on the test split's real answers, labelled blind (eval/claims_labels.py): issue #27's measure."""
    path = RESULTS / "claims" / "real_answers.json"
    if not path.is_file():
        return ["## The checker on real answers", "", "Not labelled yet: `python eval/claims_labels.py packet`.", "",
                *_earlier_label_rounds()]  # fmt: skip
    r = json.loads(path.read_text("utf-8"))
    answers = len(list((RESULTS / "fields" / "test" / "rag-qwen2.5-coder-1.5b").glob("f*.json")))
    return ["## The checker on real answers (eval/claims_labels.py)", "",
            f"Every sentence the checker removed or flagged in the {answers} test-split answers of the default preset, "
            "and a seeded random sample of the sentences it kept, each shown next to its cited entry to "
            f"{len(r['labellers'])} labellers ({', '.join(r['labellers'])}) who did not see the checker's decision. "
            "A removal both label supported is a false removal; a kept sentence both label unsupported is a missed "
            "error; items they disagree on are counted apart.", "",
            "| items | labellers agree | removed or flagged | false removals | disputed removals | kept (sampled) "
            "| missed errors | disputed kept |", "|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {r['items']} | {r['agreement']} | {r['removed_or_flagged']} | {r['false_alarms']} | "
            f"{r['alarms_disputed']} | {r['kept_sampled']} | {r['missed_errors']} | {r['kept_disputed']} |", "",
            f"False removals per 12 answers: {12 * r['false_alarms'] / answers:.2f}. Raw labels: "
            "`eval/claims_labels/labels/`, key: `eval/claims_labels/key.json`.", "",
            *_earlier_label_rounds()]  # fmt: skip


def _earlier_label_rounds() -> list[str]:
    out = []
    for earlier in sorted((RESULTS / "claims").glob("real_answers-*.json")):
        e = json.loads(earlier.read_text("utf-8"))
        out += [f"Earlier round `{earlier.stem.removeprefix('real_answers-')}` (other answers, kept in "
                f"eval/claims_labels/rounds/): {e['items']} items, {e['removed_or_flagged']} removed or flagged, "
                f"{e['false_alarms']} false removals, {e['missed_errors']} missed errors among {e['kept_sampled']} "
                "sampled kept sentences.", ""]  # fmt: skip
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", action="store_true", help="run the missing benchmarks first (hours on 2 cores)")
    args = parser.parse_args()
    if args.run:
        run_missing()
    lines = ["# Evaluation", "",
             "Generated by `python eval/make_evaluation.py` from the raw results committed in `eval/results/`; "
             "each table names the commit its figures came from. Nothing here is edited by hand except the reading "
             "notes, which are quoted from `eval/results/fields/reading_notes.md`.", "",
             *panel_section(), *answers_section(), *real_claims_section(),
             *claims_section(), *hostile_section(), *fit_section(), *open_parts_section(),
             *off_part_section()]  # fmt: skip
    (ROOT / "EVALUATION.md").write_text("\n".join(lines).rstrip("\n") + "\n", "utf-8")
    print("wrote EVALUATION.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
