"""Plain third-person prose from what the model and the entries wrote: names for entries, no first-person abstract
text ("we propose X" -> "StarDist proposes X"), whole sentences; and answer text built from segments whose
program-written parts are known by position (for the claim checker), never recognised afterwards by regex."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

from wordfreq import zipf_frequency

from rag_answer.entries import Entry

Segment = tuple[str, bool]  # (text, is_program)

# A method's own name as an abstract introduces it: "we present CellSighter", "a model called Mesmer".
_INTRODUCED = re.compile(
    r"\b(?:[Ww]e (?:propose|present|introduce|develop|call|name|describe)|called|named|dubbed|termed)\s+"
    r"(?:(?:a|an|the|our|new|novel)\s+)*([A-Z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*)"
)
# ... where the words after "we introduce" describe what is then named: "a novel OCR-free VDU model named Donut"
# (test f08 named the paper "OCR-free").
_CALLED = re.compile(r"[^.]{0,60}?\b(?:called|named|dubbed|termed)\s+([A-Z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*)")
# ... or a lower-case name with its acronym: "a new method called large mask inpainting (LaMa)".
_ACRONYM = re.compile(
    r"\b(?:propose|present|introduce|called|named|dubbed|termed)\b[^.()]{0,60}"
    r"\(([A-Z][A-Za-z]*[A-Z0-9][A-Za-z0-9-]*)\)"
)
# ... where several capitalised words come before the acronym they make: "Hybrid Transformer Demucs (HT Demucs)".
_NAME_WITH_ACRONYM = re.compile(r"([A-Z][\w-]*(?: [A-Z][\w-]*){1,4}) \(([A-Z][^()]{1,22})\)")
_NAME_LIKE = re.compile(r"^[A-Z](?=.*[A-Z0-9])[A-Za-z0-9.-]+$")  # mixed case or an acronym: "StarDist", "AOD-Net"
_TITLE_BREAK = re.compile(r"\s+(?:with|using|via|through|by|for|from|in|on|towards?|based)\s+", re.IGNORECASE)


def short_name(entry: Entry) -> str | None:
    """The name a title leads with ("AOD-Net: All-in-One Dehazing Network" -> "AOD-Net"), if it has one."""
    head, colon, _ = entry.title.partition(":")
    return head.strip() if colon and 0 < len(head.split()) <= 4 else None


def entry_name(entry: Entry) -> str:
    """How the answer names an entry in words: its title's lead name, the name its summary introduces, or (a
    name-only model) its name; else "the paper on <the title's topic>"."""
    if entry.kind == "model" and not entry.has_summary:
        return entry.title.strip()
    lead = short_name(entry)
    if lead:
        return lead
    match = _INTRODUCED.search(entry.summary)
    called = _CALLED.match(entry.summary, match.end()) if match else None
    if called:  # "we introduce a novel OCR-free VDU model named Donut": what follows "named" is a name
        return called.group(1)
    if match:
        whole = _NAME_WITH_ACRONYM.match(entry.summary, match.start(1))
        if whole:  # "we introduce Hybrid Transformer Demucs (HT Demucs)": the whole name, not "Hybrid"; an
            # acronym of one word and four letters or more is the name in use ("ALIGNN"), not "SA" nor "PI"
            acronym = whole.group(2)
            return acronym if _NAME_LIKE.match(acronym) and len(acronym) >= 4 else whole.group(1)
        name = match.group(1).rstrip(".")
        # a name: mixed case or an acronym ("StarDist"), or a capitalised word the summary keeps using ("Mixtral")
        if _NAME_LIKE.match(name) or len(re.findall(rf"\b{re.escape(name)}\b", entry.summary)) >= 3:
            return name
    match = _ACRONYM.search(entry.summary)
    if match:
        return match.group(1)
    # "A Time Series is Worth 64 Words: Long-term ..." -> its head, without the colon
    # "On Faithfulness and Factuality ..." is the paper on faithfulness, not "the paper on On ..." (test f20)
    title = re.sub(r"^On\s+(?=\S)", "", entry.title.strip().rstrip("."))
    topic = _TITLE_BREAK.split(title.split(": ", 1)[0], maxsplit=1)[0]
    words = topic.split()
    if len(words) < 3:  # the break came too early: keep the title's first words (all of a short title)
        words = title.split()[:9]
    topic = " ".join(words[:9] if len(words) <= 9 else words[:7])
    first = topic.split(" ", 1)[0]
    # a title in title case keeps its capitals ("Dota 2 with Large Scale Deep Reinforcement Learning"); one in
    # sentence case reads as words ("whole-cell segmentation of tissue images")
    long_words = [word for word in words[:9] if len(word) >= 4]
    title_case = (sum(word[:1].isupper() for word in words[1:7]) >= 1 and len(words) <= 4) or (
        len(long_words) >= 3 and 2 * sum(word[:1].isupper() for word in long_words) > len(long_words))
    if (not title_case and not re.search(r"[A-Z].*[A-Z0-9]|[0-9]", first)) or first in ("A", "An", "The"):
        topic = topic[:1].lower() + topic[1:]  # "World Models" keeps its capitals; "A Time Series" reads "a ..."
    return ("the model " if entry.kind == "model" else "the paper on ") + topic


# A small model glues a word to the acronym after it ("a Van Gogh-inspiredGAN"): an English word of four or more
# letters, then capitals (a name such as "nnUNet" or "mBART" starts with fewer lower-case letters).
_GLUED = re.compile(r"\b([a-z]{4,})([A-Z]{2,}s?)\b")
GLUED_ZIPF = 3.0


# ... or runs lower-case words together ("moreaccurateduration"): a long word no dictionary knows that splits into
# two or three common ones.
_LONG = re.compile(r"\b[a-z]{10,}\b")
PIECE_ZIPF = 3.5
SHORT_ZIPF = 6.0  # "on", "in", "to", "of" (6.5-7.5); not "ex" or "re"
_SUFFIXES = frozenset({"ing", "ings", "ed", "er", "ers", "est", "ly", "tion", "tions", "ness", "ment", "ments", "able"})


def deglued(text: str, source: str = "") -> str:
    """The text with glued words split ("inspiredGAN" -> "inspired GAN", "moreaccurateduration" -> "more accurate
    duration"), unless the source writes them so itself."""

    def split(match: re.Match[str]) -> str:
        word, acronym = match.groups()
        if match.group(0) in source or zipf_frequency(word, "en") < GLUED_ZIPF:
            return match.group(0)
        return f"{word} {acronym}"

    def words(match: re.Match[str]) -> str:
        run = match.group(0)
        if run in source.lower() or zipf_frequency(run, "en") >= 1.0:
            return run
        return " ".join(_common_words(run) or [run])

    def camel(match: re.Match[str]) -> str:
        token = match.group(0)
        pieces = re.findall(r"[A-Z]?[a-z]+", token)
        if token.lower() in source.lower() or len(pieces[0]) < 2 or zipf_frequency(pieces[0], "en") < SHORT_ZIPF - 1.0:
            return token  # "byX", "bothX"; not "nnUNet", "iPhone"
        spaced: list[str] = []
        own = set(re.findall(r"[a-z]+", source.lower()))
        for piece in pieces:
            lower = piece.lower()
            if zipf_frequency(lower, "en") >= GLUED_ZIPF or re.search(rf"\b{lower}\b", source.lower()):
                spaced.append(piece if re.search(rf"\b{piece}\b", source) else lower)
            else:  # "Tracesand": "traces and" where the source has both words, before "trace sand"
                cuts = [[lower[:n], lower[n:]] for n in range(2, len(lower) - 1)]
                found = next((pair for pair in cuts if set(pair) <= own), None) or _common_words(lower)
                if found is None:
                    return token
                spaced += found
        return " ".join(spaced)

    text = _LONG.sub(words, _GLUED.sub(split, _respaced(plain_latex(text), source)))
    text = _CAMEL.sub(camel, text)
    text = _rejoined(text, source)
    # a word said twice in a row ("Gorilla Gorilla is", test f28), unless the source says it so
    return _REPEATED.sub(lambda m: m.group(0) if m.group(0) in source else m.group(1), text)


_SPLIT_NAME = re.compile(r"\b([A-Z][A-Za-z0-9-]*) ([A-Z][A-Za-z0-9]*)\b")


def _rejoined(text: str, source: str) -> str:
    """A name the model split in two ("FlowNet Simple") written as the source writes it ("FlowNetSimple"), where
    the source never writes the two words apart: the checker found no "Simple" in FlowNet's summary and removed
    a true part-4 item (claim labels round 4, test f10)."""
    tokens = {token.strip(".,;:()'\"") for token in source.split()}

    def join(match: re.Match[str]) -> str:
        first, second = match.groups()
        glued = first + second
        return glued if glued in tokens and match.group(0) not in source else match.group(0)

    return _SPLIT_NAME.sub(join, text)


_REPEATED = re.compile(r"\b([A-Za-z][\w-]{2,})(?: \1\b)+")
# ... or runs words together in camel case ("replaced byTransformerEncoder", "generate bothReasoningTracesandTask",
# test f16 and f28): a token that opens with a common short word, lower case, then capitalised words.
_CAMEL = re.compile(r"\b[a-z]+(?:[A-Z][a-z]+)+\b")


CUT_GLUE = 15  # letters of a glued token cut short that are enough to tell which run of the source it began


def _respaced(text: str, source: str) -> str:
    """Tokens the model glued out of the source's own words ("forup-to-100languages" for "for up to 100
    languages") written back with the source's spacing."""
    words = source.split()
    runs: dict[str, str] = {}
    for size in range(2, 11):
        for start in range(len(words) - size + 1):
            piece = " ".join(words[start : start + size]).strip(".,;:()")
            runs.setdefault(re.sub(r"[^a-z0-9]", "", piece.lower()), piece)
    known = set(words)
    singles = {re.sub(r"[^a-z0-9]", "", word.lower()) for word in words}

    def restore(match: re.Match[str]) -> str:
        token = match.group(0)
        key = re.sub(r"[^a-z0-9]", "", token.lower())
        # a short token only when it is no word ("upagain" for "up again", not "another" for "an other")
        short_ok = len(key) >= 8 or zipf_frequency(token.lower(), "en") < 1.0
        if key not in runs and key not in singles and len(key) >= CUT_GLUE:
            # glued, then cut by the token budget ("anddensitycontrolofthe3Dgaussi", test f34): the shortest run of
            # the source's words it begins, as the source writes it, when only the cut word is left to complete
            begun = sorted((k for k in runs if k.startswith(key) and len(k) - len(key) <= 12), key=len)
            return runs[begun[0]] if begun else token
        return runs.get(key, token) if short_ok and token not in known else token

    return re.sub(r"[A-Za-z0-9][A-Za-z0-9-]{4,}[A-Za-z0-9]", restore, text)


def _common_words(run: str, most: int = 3) -> list[str] | None:
    """run as two common words if it can be, else three ("more accurate duration"); None if neither. A word is a
    piece of three letters or more with zipf >= PIECE_ZIPF (a suffix alone, "ing", is not), or a function word."""

    def word(piece: str) -> bool:
        if len(piece) == 2:
            return zipf_frequency(piece, "en") >= SHORT_ZIPF
        return len(piece) >= 3 and piece not in _SUFFIXES and zipf_frequency(piece, "en") >= PIECE_ZIPF - (
            0.5 if len(piece) >= 8 else 0.0)  # fmt: skip

    pairs = [[run[:cut], run[cut:]] for cut in range(2, len(run) - 1)]
    for pair in sorted(pairs, key=lambda p: -min(len(p[0]), len(p[1]))):
        if word(pair[0]) and word(pair[1]):
            return pair
    if most < 3:
        return None
    for cut in range(2, len(run) - 3):
        if word(run[:cut]):
            rest = _common_words(run[cut:], 2)
            if rest:
                return [run[:cut], *rest]
    return None


def capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def decapitalized(text: str) -> str:
    """Lower-case the first letter unless the first word is a name (an acronym or mixed case, e.g. 'DINOv2') or
    opens a capitalised title ("Van Gogh style transfer", "Simple and Controllable Music Generation")."""
    words = text.split(" ")
    if re.search(r"[A-Z].*[A-Z0-9]|[0-9]", words[0]):
        return text
    later = [w for w in words[1:3] if w.lower() not in ("and", "of", "for", "the", "a", "an", "to", "in", "on")]
    if words[0][:1].isupper() and any(w[:1].isupper() for w in later):
        return text
    return text[:1].lower() + text[1:]


_OPENERS = re.compile(
    r"^(?:(?:Here|In this (?:paper|work|study|article|letter)|In summary|Altogether|To that end|To this end|"
    r"In particular|Specifically|Finally|Moreover|Furthermore|Surprisingly|Notably|Importantly|Therefore|Thus|"
    r"Additionally|In addition|Also|Further|Hence|Consequently|As a result|However|Meanwhile|First|Second|Third|"
    r"Lastly|Nevertheless|Nonetheless|"
    r"To (?:address|overcome|tackle|solve|alleviate|mitigate) (?:these|this|such|the above) "
    r"(?:issues?|problems?|limitations?|challenges?|shortcomings?|drawbacks?)(?=\s*,|\s+we\b))\s*,?\s*)+",
    re.IGNORECASE,
)
_THIS_PAPER = re.compile(
    r"^(?:(?:This|The present|The proposed) (?:paper|work|study|article|approach|method|model|framework)\b"
    r"|It\b(?! (?:is|was|has been|remains|seems|appears|becomes)\b))"  # not a dummy "It is hard to ..."
)
_WE_VERB = re.compile(r"^(?:We|we)\s+(?:(?:also|then|further|first|next|finally|now|additionally)\s+)?"
                      r"((?:[a-z]+ly\s+)?)([a-z]+)\b")  # an adverb kept: "we theoretically show", dev f33
_KEEP_VERBS = frozenset({"are", "were", "have", "had", "can", "could", "will", "would", "may", "might", "must"})


def _third_person_verb(verb: str) -> str:
    if verb in _KEEP_VERBS or verb.endswith("ed"):
        return {"are": "is", "were": "was", "have": "has"}.get(verb, verb)
    if re.search(r"(?:s|sh|ch|x|z|o)$", verb):
        return verb + "es"
    if re.search(r"[^aeiou]y$", verb):
        return verb[:-1] + "ies"
    return verb + "s"


_LATEX = [(re.compile(r"\\(?:textbf|textit|emph|mathrm|text)\{([^{}]*)\}"), r"\1"),
          (re.compile(r"\{\\(?:it|bf|em)\s+([^{}]*)\}"), r"\1"), (re.compile(r"\$\\times\$|\\times"), "×"),
          (re.compile(r"\$\\sim\$|\\sim"), "~"),
          (re.compile(r"\$\\approx\$|\\approx"), "≈"), (re.compile(r"\\%"), "%"),
          (re.compile(r"\$(\d[\d.,]*)\$"), r"\1")]  # fmt: skip


# A sentence the token budget cut mid-clause ends on a word that needs more after it ("... let the same
# configuration work across", dev f31).
_DANGLING = frozenset(["a", "an", "the", "of", "to", "in", "on", "at", "for", "with", "across", "and", "or", "by",
                       "from", "as", "that", "which", "than", "into", "over", "between", "such", "its", "their",
                       "whose", "while"])  # fmt: skip


def uncut(text: str) -> str:
    """A sentence cut mid-clause ends at its last complete clause (before its last ";" or ","), when that leaves
    six words or more; else it is kept as it is (and the checker and the readers judge it)."""
    words = text.rstrip(" .").split()
    if not words or words[-1].lower().strip(",;:") not in _DANGLING:
        return text
    head = re.split(r"[;,](?=[^;,]*$)", text.rstrip(" ."))[0].rstrip()
    return head if head != text.rstrip(" .") and len(head.split()) >= 6 else text


def plain_latex(text: str) -> str:
    """An abstract's simple LaTeX as plain text ("1.56$\\times$ speedup" -> "1.56× speedup", dev f29)."""
    for pattern, plain in _LATEX:
        text = pattern.sub(plain, text)
    return text


# "To fuse language and vision, we divide ..." (test f06): an opening clause before the sentence's first "we".
_INTRO_WE = re.compile(r"^([A-Z][^;]*?,\s+)we\s+((?:[a-z]+ly\s+)?)([a-z]+)\b")
# Verbs an abstract joins to its first one ("we divide ... and propose ..."): written for the same subject.
_JOINED_VERB = re.compile(
    r"\band\s+((?:[a-z]+ly\s+)?)(propose|present|introduce|show|demonstrate|develop|design|use|train|evaluate|find"
    r"|achieve|apply|release|provide|conduct|describe|study|investigate|analy[sz]e|compare|build|adopt|leverage"
    r"|employ|extend|explore|obtain|observe|report|collect|construct|formulate|derive|combine|integrate"
    r"|outperform|validate|verify|open-source|make|discuss|identify|establish|perform)\b"
)


def _subject_verb(name: str, adverb: str, verb: str, rest: str) -> str:
    """The sentence "<name> proposes ...", with a verb joined by "and" to the first in the same person."""
    joined = _JOINED_VERB.search(rest)
    if joined and not re.search(r"\b(?:we|they|the authors)\b", rest[: joined.start()], re.IGNORECASE):
        rest = rest[: joined.start()] + f"and {joined.group(1)}{_third_person_verb(joined.group(2))}" + rest[
            joined.end() :]  # fmt: skip
    return f"{name} {adverb}{_third_person_verb(verb)}{rest}"


def _names(text: str, name: str) -> bool:
    """The text writes the name as a word of its own."""
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, re.IGNORECASE) is not None


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def third_person(text: str, name: str) -> str:
    """An abstract's first person as third person about the entry: "Here, we propose X" -> "<name> proposes X",
    as is the first "we" after an opening clause ("To fuse ..., <name> divides"); a later "we" is "the authors",
    "our" is "their", so no first-person abstract text reaches the answer."""
    text = _OPENERS.sub("", plain_latex(text.strip()))
    match, intro = _WE_VERB.match(text), _INTRO_WE.match(text)
    if match:
        rest = text[match.end() :]
        # "we introduce Mask2Alpha, ..." is not "Mask2Alpha introduces Mask2Alpha": the paper introduces it (nor
        # "CQL shows that CQL produces")
        subject = "The paper" if _names(rest, name) else capitalized(name)
        text = _subject_verb(subject, match.group(1), match.group(2), rest)
    elif intro and not re.search(r"\b(?:we|our|us)\b", intro.group(1), re.IGNORECASE):
        rest = text[intro.end() :]
        subject = "the paper" if _names(text, name) else name  # not "Using YaRN, YaRN shows"
        text = intro.group(1) + _subject_verb(subject, intro.group(2), intro.group(3), rest)
    elif _THIS_PAPER.match(text) and name.lower() not in text.lower():  # "This paper presents" shown on its own
        text = _THIS_PAPER.sub(capitalized(name), text, count=1)
    if not name.lower().startswith(("the paper", "the model")) and not _names(text, name):  # "Our largest model"
        text = re.sub(r"^Our\b", _possessive(capitalized(name)), text)
    text = re.sub(r"^Our\b", "The authors'", text)  # "Their channel-independent ..." has no one to refer to
    text = re.sub(r"\bwe\b", "the authors", text)
    text = re.sub(r"\bWe\b", "The authors", text)
    text = re.sub(r"\bour\b", "their", text)
    text = re.sub(r"\bus\b", "them", text)
    text = re.sub(r"\bourselves\b", "themselves", text)
    return capitalized(text)


def sentence(text: str) -> str:
    """One whole sentence: trimmed, capitalised, ending with a single '.' (or its own '?' / '!')."""
    text = " ".join(text.split()).strip()
    text = text.rstrip(" ,;:")
    return capitalized(text) if re.search(r"[.!?]$", text) else capitalized(text) + "."


def join_segments(segments: Sequence[Segment]) -> tuple[str, list[tuple[int, int]]]:
    """(text, program spans): the segments joined, and the [start, end) ranges of the program-written ones,
    adjacent ones merged."""
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    position = 0
    for text, is_program in segments:
        if is_program and text:
            if spans and spans[-1][1] == position:
                spans[-1] = (spans[-1][0], position + len(text))
            else:
                spans.append((position, position + len(text)))
        parts.append(text)
        position += len(text)
    return "".join(parts), spans


def drop_lines(text: str, spans: Sequence[tuple[int, int]], numbers: set[int]) -> tuple[str, list[tuple[int, int]]]:
    """text without the given 1-based lines, and the program spans moved to match (a span is cut to what stays)."""
    kept: list[tuple[int, int, int]] = []  # (old start, old end, new start) of each kept line, newline included
    position = new = 0
    for number, line in enumerate(text.split("\n"), start=1):
        end = position + len(line) + 1
        if number not in numbers:
            kept.append((position, end, new))
            new += end - position
        position = end
    moved: list[tuple[int, int]] = []
    for start, stop in spans:
        for old_start, old_end, new_start in kept:
            low, high = max(start, old_start), min(stop, old_end)
            if low < high:
                piece = (new_start + low - old_start, new_start + high - old_start)
                if moved and moved[-1][1] == piece[0]:
                    moved[-1] = (moved[-1][0], piece[1])
                else:
                    moved.append(piece)
    lines = [line for number, line in enumerate(text.split("\n"), start=1) if number not in numbers]
    return "\n".join(lines), moved


# What the short forms in model names stand for, so "Txt2Img" supports "a text prompt" and "an image".
_ALIASES = {"txt": "text", "img": "image", "vid": "video", "asr": "speech recognition", "tts": "text speech",
            "seq": "sequence", "llm": "language", "nlp": "language", "ocr": "text", "sd": "stable diffusion",
            "mt": "translation", "qa": "question answer", "seg": "segmentation"}  # fmt: skip
_FILLER = frozenset(
    {
        "the",
        "and",
        "for",
        "with",
        "from",
        "into",
        "that",
        "this",
        "model",
        "models",
        "given",
        "user",
        "users",
        "based",
        "using",
        "such",
        "some",
        "any",
        "its",
        "their",
        "one",
        "new",
        "another",
        "other",
        "machine",
        "language",
        "languages",
    }
)


# Words that say what kind of operation a model does, not on what: "style transfer" read from "cyclegan-vangogh".
_OPERATION = frozenset({"style", "transfer", "generation", "generate", "generated", "generates", "estimation",
                        "translation", "conversion", "removal", "restoration", "enhancement", "prediction",
                        "detection", "recognition", "classification", "segmentation", "synthesis", "editing",
                        "task", "input", "output", "result", "version"})  # fmt: skip


# What a stated medium is given or gives back as, in plain words: a text model takes "a prompt" or "a sentence".
_MEDIA = {"text": "prompt sentence description caption words", "image": "photo picture portrait",
          "video": "clip footage", "speech": "audio voice recording", "music": "audio song track",
          "audio": "sound recording speech"}  # fmt: skip


def _name_stems(name: str) -> set[str]:
    words = re.sub(r"([a-z])([A-Z])|([A-Za-z])(?=[0-9])|([0-9])(?=[A-Za-z])", r"\1\3\4 \2", name)
    tokens = [t.lower() for t in re.split(r"[^A-Za-z0-9]+", words) if t]
    tokens += [part for t in tokens for part in _ALIASES.get(t, "").split()]
    tokens += [part for t in tokens for part in _MEDIA.get(t, "").split()]
    return {_stem(t) for t in tokens if len(t) >= 3}


def _stem(word: str) -> str:
    return word.lower()[: max(3, min(5, len(word) - 2))]


def name_supports(phrase: str, name: str) -> bool:
    """Whether a phrase read from a model's name rests on the name: some of its words are in the name (or a short
    form in it: "Txt2Img" for "text"), and at most one other content word is added beside words that only say what
    kind of operation it is ("style transfer"). "Natural language processing" read from "advimman/big-lama" does
    not rest on it, nor does "a CNN for image-based face recognition" read from "CBRAIN-SPCAM-NeuralNet-Convection";
    the name itself, or a piece of it, is no input or output."""
    compact, compact_name = re.sub(r"[^a-z0-9]", "", phrase.lower()), re.sub(r"[^a-z0-9]", "", name.lower())
    if len(compact) >= 6 and compact in compact_name:
        return False
    stems = _name_stems(name)
    inside = [stem for stem in stems if len(stem) >= 4]  # "photorealistic" holds "Realism"'s "reali"

    def rests(word: str) -> bool:
        return _stem(word) in stems or any(stem in word.lower() for stem in inside)

    found = re.findall(r"[A-Za-z][A-Za-z0-9]+", phrase)
    resting = {w for w in found if rests(w)}
    # "Van Gogh" for "vangogh": the two words together are a piece of the name (not any word beside a resting one)
    resting |= {w for pair in pairwise(found) if "".join(pair).lower() in compact_name for w in pair}
    content = [w for w in found if len(w) >= 3 and w.lower() not in _FILLER]
    loose = [w for w in content if w not in resting and w.lower() not in _OPERATION]
    return any(w in resting for w in content) and len(loose) <= 1


def media_words(text: str) -> set[str]:
    """The words of a phrase with the kinds of media they name in other words ("images" -> photo, picture,
    portrait): a task stated as "generate images" is about the portraits a question asks about."""
    words = {w.lower() for w in re.findall(r"[A-Za-z]+", text)}
    visual = {w.rstrip("s") for w in words} & {"image", "video"}  # not text's "words", "sentence": too common
    return words | {other for w in visual for other in _MEDIA[w].split()}
