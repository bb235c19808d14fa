"""The citation marker format and the refusal phrase, defined once for prompts, generation and the auditor."""

from __future__ import annotations

import re

# An inline citation marker: "[@entry-id]". Several may follow each other: "[@a][@b]".
MARKER_TEMPLATE = "[@{id}]"
MARKER_PATTERN = re.compile(r"\[@([a-z0-9][a-z0-9-]*)\]")

# Said instead of guessing when the supplied sources do not cover the question.
REFUSAL_PHRASE = "The supplied sources do not cover this question."


def marker(entry_id: str) -> str:
    return MARKER_TEMPLATE.format(id=entry_id)


def find_markers(text: str) -> list[str]:
    """Entry ids of every marker in text, in order, repeats kept."""
    return MARKER_PATTERN.findall(text)


def is_refusal(text: str) -> bool:
    return REFUSAL_PHRASE.lower() in " ".join(text.split()).lower()


# Said, once per gap, where the supplied sources do not answer a part of the question.
GAP_PHRASE = "The supplied sources do not say"


def gap_sentence(part: str, *, led: bool = False) -> str:
    """led: the part is already stated as its paragraph's lead (part_lead), so it is not quoted again."""
    return GAP_PHRASE if led else f'{GAP_PHRASE}: "{part}"'


def part_lead(part: str) -> str:
    """A part of a question of several parts, stated in bold before its paragraph, so each reads as the answer to
    what was asked ("**Will it run offline on my phone?** The supplied sources do not say.")."""
    return f"**{part[:1].upper()}{part[1:]}**"


# Said where sentences on a part's topic were found but none gives what it asks (the judge's view, not a proof
# that no source does); the entries on the topic stay in part 4, and the audit record names the best sentence.
OPEN_PHRASE = "No supplied source answers"


def open_sentence(part: str, *, led: bool = False) -> str:
    return f"{OPEN_PHRASE} this directly." if led else f'{OPEN_PHRASE} "{part}" directly.'


def name_only_model_sentence(entry_id: str) -> str:
    """Said of a recommended model whose entry is a name and links: nothing in the sources shows what it does."""
    return (
        f"The recommended model {marker(entry_id)} is listed by name only: the supplied sources cannot confirm that "
        "it fits this question."
    )


NAME_ONLY_WORKFLOW = "(read from its name only)"


def title_only_sentence(entry_id: str) -> str:
    return f"{marker(entry_id)} The recommended model; its entry supplies only its name and links."


def unchecked_item_sentence(entry_id: str) -> str:
    """A part-4 item whose description was removed by the claim check."""
    return f"{marker(entry_id)} Listed without a description: the one written did not pass the claim check."


# Sentences the program writes (not claims about a source): the auditor does not judge them.
PROGRAM_SENTENCES = re.compile(
    "|".join(
        [
            re.escape(GAP_PHRASE) + r'(?:: "[^"\n]*")?\.?',
            re.escape(OPEN_PHRASE) + r'(?: "[^"\n]*"| this) directly\.',
            r"(?:\[@[a-z0-9-]+\] )?Tangential: it answers no part of the question\.",
            r"The recommended model \[@[a-z0-9-]+\] is listed by name only: the supplied sources cannot confirm "
            r"that it fits this question\.",
            r"(?:\[@[a-z0-9-]+\] )?The recommended model; its entry supplies only its name and links\.",
            r"(?:\[@[a-z0-9-]+\] )?Listed without a description: the one written did not pass the claim check\.",
            r"Input: .* -> Model: \[@[a-z0-9-]+\] -> Output: .*",
        ]
    )
)


def is_program_sentence(text: str) -> bool:
    """text: a sentence with its rendered links already removed."""
    return PROGRAM_SENTENCES.fullmatch(" ".join(text.split()).strip().removeprefix("- ")) is not None


# -- program-written sentences of the answer (marked as program text by position when the answer is built) -------

NAME_ONLY_NO_MORE = "the supplied sources say nothing more about it (not how it works, nor what data trains it)"


def name_states_sentence(name: str, entry_id: str, states: str, fits: str) -> str:
    """What a name-only model's name states, cited; fits: "yes", "no" or "unclear" (whether that is the task asked
    about). A name that states no task says so instead of guessing."""
    if not states:
        return (f"The recommended model {name} {marker(entry_id)} is known only by its name, which states no task; "
                f"{NAME_ONLY_NO_MORE}.")  # fmt: skip
    # "its task:" so a verb phrase reads too ("which states its task: generate images based on text prompts")
    head = f"The recommended model {name} {marker(entry_id)} is known only by its name, which states its task: {states}"
    if fits == "no":
        return f"{head}. That is another task, so it does not fit this question, and {NAME_ONLY_NO_MORE}."
    if fits == "unclear":
        return f"{head}; {NAME_ONLY_NO_MORE}, so they do not show whether it fits this question."
    return f"{head}; {NAME_ONLY_NO_MORE}."


def _shares(kin_name: str, kin_id: str, piece: str) -> str:
    what = f'the name "{piece}"' if piece else "a supplied link"
    return f"it shares {what} with {kin_name} {marker(kin_id)}"


def namesake_sentence(name: str, entry_id: str, kin_name: str, kin_id: str, piece: str, states: str, fits: str) -> str:
    """A recommended model with no description of its own that shares a distinctive piece of its name (or a link)
    with a supplied entry that has one; a misfit its name states is still said plainly."""
    shares = _shares(kin_name, kin_id, piece)
    text = f"The recommended model {name} {marker(entry_id)} has no description of its own, but {shares}."
    if fits == "no" and states:
        text += f" Its name states another task ({states}), so it does not fit this question."
    return text


def name_only_item(name: str, entry_id: str, fits: str, kin: tuple[str, str, str] | None = None) -> str:
    """A name-only model's part-4 item (before its links); kin: (name, id, shared piece) of the entry that shares
    its name or link."""
    tail = {"no": "; its name states another task than the one asked about"}.get(fits, "")
    if kin is not None:
        return f"{marker(entry_id)} {name}: the recommended model; {_shares(*kin)}{tail}."
    return f"{marker(entry_id)} {name}: the recommended model, known by its name only{tail}."
