"""GBNF grammars for each generation call, so grounding and clean text hold by construction:

* the model reads ONE entry per call and writes labelled fields about it ("Offers:", "Answer:", ...);
  the program, not the model, writes markers, headings and links;
* free text is drawn from words that cannot spell a URL, a domain or an arXiv id: no ':' or '/', and a '.'
  inside a word only in a decimal ("0.85", "3.5x"), a version ("Qwen2.5", "v1.5") or a fixed abbreviation
  ("e.g."); so github.com, v1.pdf and 2502.02500 cannot be written;
* punctuation sits only at the end of a word, so words cannot run together ("maps,like"), and never after the
  last word, so a phrase cannot stop mid-list; a workflow input or output is at most 16 words;
* a sentence ends with "." after a whole word, and the word caps are far above what the answers need.
"""

from __future__ import annotations

NONE_ANSWER = "none"

_WORDS = "\n".join(
    [
        # the last word carries no comma: a phrase or sentence never stops mid-list ("Bass, Drum, Piano,")
        'phrase ::= (word " "){0,35} last',
        'short ::= (word " "){0,15} last',
        'sentence ::= (word " "){2,55} last',
        'word ::= "("? core ")"? [,;]?',
        'last ::= "("? core ")"?',
        "core ::= abbrev | number | thousands | version | plain",
        'abbrev ::= "e.g." | "i.e." | "et al." | "vs."',
        "plain ::= [A-Za-z0-9'%+&\\-]{1,30}",
        # 0.85, 1.5B, 3.5x, 11.2%: at most three digits after the point, so no arXiv id.
        'number ::= [0-9]{1,6} "." [0-9]{1,3} [A-Za-z%]{0,2}',
        # 2,422 and 1,000,000: a thousands separator is the one comma allowed inside a word
        'thousands ::= [0-9]{1,3} ("," [0-9]{3}){1,3}',
        # Qwen2.5, GPT-3.5, v1.5: letters ending in a digit, a point, digits.
        'version ::= [A-Za-z] [A-Za-z0-9\\-]{0,20} [0-9] "." [0-9]{1,3} [A-Za-z]{0,2}',
    ]
)


def task_grammar() -> str:
    return "\n".join(['root ::= "The user wants to " sentence "."', _WORDS])


# What an entry offers is a short phrase for a list item: at most 20 words, so it cannot ramble through the
# abstract (seen on dev f05, where the 1.5B ran LaMa's title, acronym and method into one 40-word item).
_OFFER = 'offer ::= (word " "){0,19} last'


def _literal(text: str) -> str:
    """A GBNF string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _parts_rules(parts: int, name: str) -> list[str]:
    """One line per part of the question: "Part N: none." or a sentence that opens with the entry's name, so
    every sentence is third person about the entry it came from and names it in words."""
    answer = f'("{NONE_ANSWER}." | {_literal(name + " ")} clause ".")'
    lines = [f'part{n} ::= "\\nPart {n}: " {answer}' for n in range(1, parts + 1)]
    return [*lines, 'clause ::= (word " "){1,40} last']


def evidence_grammar(parts: int = 1, name: str = "It") -> str:
    """A related entry: what it offers for the question, then per part of the question one sentence that answers
    it from the entry (opening with the entry's name), or none."""
    calls = " ".join(f"part{n}" for n in range(1, parts + 1))
    return "\n".join([f'root ::= "Offers: " offer "." {calls}', *_parts_rules(parts, name), _OFFER, _WORDS])


def model_grammar(*, with_evidence: bool, parts: int = 1, name: str = "It") -> str:
    """A recommended model: the workflow's input and output. With a summary, also what it offers and per part of
    the question a sentence from the summary (or none). Known by name only: the task its name states, and an
    input and output only where the name states them ("not stated" otherwise)."""
    if not with_evidence:
        # what a name states is short: at most six words each, so an input is not padded with guesses
        stated = '("not stated" | tiny)'
        return "\n".join(
            [
                f'root ::= "Task: " {stated} ".\\nInput: " {stated} "\\nOutput: " {stated} "."',
                'tiny ::= (word " "){0,5} last',
                _WORDS,
            ]
        )
    calls = " ".join(f"part{n}" for n in range(1, parts + 1))
    root = f'root ::= "Input: " short "\\nOutput: " short ".\\nOffers: " offer "." {calls}'
    return "\n".join([root, *_parts_rules(parts, name), _OFFER, _WORDS])
