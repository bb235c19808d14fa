"""The GBNF grammar that shapes every answer, so grounding holds by construction:

* the three requested parts, in order, with their headings;
* citation markers only for the entries retrieved for this question;
* free text drawn from characters that cannot spell a URL, a domain or an arXiv id: no ':' or '/',
  and a '.' inside a word only in a decimal number with at most three digits after it, or in a fixed
  abbreviation such as "e.g." (0.85 yes; github.com and 2502.02500 no).
"""

from __future__ import annotations

from rag_answer.citations import REFUSAL_PHRASE, marker
from rag_answer.entries import Entry

TASK_HEADING = "### 1. Task"
WORKFLOW_HEADING = "### 2. Workflow (input -> model -> output)"
PAPERS_HEADING = "### 3. Relevant papers and tools"
HEADINGS = (TASK_HEADING, WORKFLOW_HEADING, PAPERS_HEADING)


def _literal(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _alternatives(entries: list[Entry]) -> str:
    return " | ".join(_literal(marker(entry.id)) for entry in entries)


def _distinct_items(entries: list[Entry]) -> str:
    """Part 3: one line per cited entry, each at most once, in context order (at least one line)."""
    lines = [f'item{n} ::= "- " {_literal(marker(entry.id))} " " text ".\\n"' for n, entry in enumerate(entries)]
    starts = [" ".join([f"item{n}"] + [f"item{m}?" for m in range(n + 1, len(entries))]) for n in range(len(entries))]
    return "\n".join(["items ::= " + " | ".join(f"({start})" for start in starts), *lines])


def answer_grammar(cited: list[Entry], models: list[Entry], *, allow_refusal: bool = True) -> str:
    """GBNF for an answer citing only `cited`; workflow lines name one of `models` (or any cited entry).

    allow_refusal lets the model answer with the refusal phrase instead of the three parts.
    """
    if not cited:
        raise ValueError("an answer grammar needs at least one citable entry")
    workflow_models = models or cited
    return "\n".join(
        [
            "root ::= refusal | answer" if allow_refusal else "root ::= answer",
            f"refusal ::= {_literal(REFUSAL_PHRASE)}" if allow_refusal else "",
            "answer ::= "
            + " ".join(
                [
                    _literal(TASK_HEADING + "\n"),
                    'sentence (" " sentence)?',
                    _literal("\n\n" + WORKFLOW_HEADING + "\n"),
                    "flow{1,3}",
                    _literal("\n" + PAPERS_HEADING + "\n"),
                    "items",
                ]
            ),
            _distinct_items(cited),
            'sentence ::= clause (" " cite){0,2} "."',
            'flow ::= "- Input: " short " -> Model: " modelcite " -> Output: " short ".\\n"',
            'short ::= word (" " word){1,40}',  # an input or output is a phrase, not a paragraph
            f"cite ::= {_alternatives(cited)}",
            f"modelcite ::= {_alternatives(workflow_models)}",
            # Up to three sentences per line, each up to 60 words: caps that real sentences rarely meet, since a
            # cap cuts a word short. ". " ends a sentence; "." before a letter (a domain) cannot occur.
            'text ::= clause (". " clause){0,2}',
            'clause ::= word (" " word){1,60}',
            # A word: letters, digits and light punctuation, a few fixed abbreviations, or a decimal number whose
            # '.' is followed by at most three digits (0.85 and 1.5B yes; github.com and 2502.02500 no).
            'word ::= "e.g.," | "e.g." | "i.e.," | "i.e." | "et al." | "etc." | number | plain',
            "plain ::= [A-Za-z0-9',()%+&;\\-]{1,24}",
            'number ::= [0-9]{1,6} "." [0-9]{1,3} [A-Za-z%]{0,2}',
        ]
    )
