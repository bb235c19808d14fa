"""`rag-answer audit ANSWER --sources SOURCE [--json] [--strict]`: check an answer's links, markers and claims.

ANSWER is a Markdown or text file, or a prompt file whose "Answer:" holds the text (then --sources may be
left out and that file's entries are used). Claims are judged by deterministic checks plus the local GGUF
as entailment judge (--no-judge: deterministic only). Exit 0 clean; 1 a rejected link or invalid marker
(with --strict, also a misattributed, contradicted or unsupported claim); 2 bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rag_answer.audit import audit
from rag_answer.commands._common import add_server_flag, check_server_model, server_client
from rag_answer.request import audit_subject


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("audit", help="check an answer's links, citation markers and claims")
    parser.add_argument(
        "answer", type=Path, metavar="ANSWER", help="Markdown/text answer, or a prompt file with Answer:"
    )
    parser.add_argument(
        "--sources", type=Path, metavar="SOURCE", help="prompt file or catalog with the supplied entries"
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument(
        "--json", action="store_true", help="print the JSON report (rag_answer/audit/report.schema.json)"
    )
    output.add_argument("--markdown", action="store_true", help="print a Markdown report")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 on misattributed, contradicted or unsupported claims too"
    )
    parser.add_argument("--no-claims", action="store_true", help="check links and markers only (no embedder)")
    parser.add_argument("--judge-model", help="the entailment judge: a preset or .gguf (default: the default preset)")
    parser.add_argument(
        "--no-judge", action="store_true", help="deterministic claim checks only (weaker: see docs/audit.md)"
    )
    parser.add_argument("--threads", type=int, help="llama.cpp threads for the judge (default: all cores)")
    parser.add_argument("--embedder", help="'default' or a local sentence-transformers model folder")
    add_server_flag(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    subject = audit_subject(answer_file=args.answer, sources=args.sources,
                            sources_hint="add --sources PROMPT_FILE_OR_CATALOG")  # fmt: skip
    answer, entries, offset = subject.answer, subject.entries, subject.line_offset
    if (client := server_client(args)) is not None:
        return run_remote(args, client, answer, entries, offset)
    embedder = None
    judge = None
    if not args.no_claims:
        from rag_answer.commands._common import embedder_for
        from rag_answer.settings import load_settings

        settings = load_settings(embedder=args.embedder, threads=args.threads)
        embedder = embedder_for(settings)
        if not args.no_judge:
            from rag_answer.audit.judge import LlmJudge
            from rag_answer.llm import load_generator

            judge = LlmJudge(load_generator(settings.model_copy(update={"model": args.judge_model or settings.model})))
    report = audit(answer, entries, embedder=embedder, claims=not args.no_claims, line_offset=offset,
                   source=str(args.answer), judge=judge)  # fmt: skip
    if args.json:
        sys.stdout.write(report.to_json(strict=args.strict) + "\n")
    elif args.markdown:
        sys.stdout.write(report.to_markdown(strict=args.strict))
    else:
        sys.stdout.write(report.to_table(strict=args.strict))
    return report.exit_code(strict=args.strict)


def run_remote(args: argparse.Namespace, client, answer: str, entries: list, offset: int) -> int:
    """The same audit by a running server (its LLM is the judge): the same bytes and exit code."""
    if not args.no_claims and not args.no_judge:
        check_server_model(client, args, "judge_model")
    output = "json" if args.json else "markdown" if args.markdown else "table"
    payload = {"answer": answer, "entries": [entry.to_dict() for entry in entries], "line_offset": offset,
               "source": str(args.answer), "claims": not args.no_claims, "judge": not args.no_judge,
               "strict": args.strict, "format": output}  # fmt: skip
    reply = client.post("/api/audit", payload)
    sys.stdout.write(reply["rendered"])
    return int(reply["exit_code"])
