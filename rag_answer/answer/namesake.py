"""Which supplied entry describes a recommended model that has no description of its own: one that shares its
paper or code link, or whose title or summary uses a distinctive piece of its name ("TimeSeries-PatchTST" and
"... Our channel-independent patch time series Transformer (PatchTST) ..."). Such a model is not "known only by
its name": the answer points at the entry that describes it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from wordfreq import zipf_frequency

from rag_answer.entries import Entry

# A piece of a name this common in English ("Large", "Base", "facebook", "Whisper" at 3.3) says nothing about
# which model it is; "PatchTST", "GraphCast", "lama" (2.6) and "nnUNet" do.
DISTINCTIVE_ZIPF = 3.0
_TASK_PREFIX = re.compile(r"^[A-Za-z]+2[A-Za-z]+$")  # "Img2Img", "Lidar2Seg": what the name's task is, not a name
_SIZE = re.compile(r"^(?:v?\d+(?:\.\d+)*[a-z]?|\d+(?:\.\d+)?[kmbt]|\d*x\d+[a-z]*)$", re.IGNORECASE)  # v2, 13B, 8x7B


@dataclass(frozen=True)
class Namesake:
    """The entry that describes a name-only model, and what ties them (the piece of the name, or "link")."""

    entry: Entry
    piece: str  # the name as the describing entry uses it, or "" when they share a link only


def name_pieces(title: str) -> list[str]:
    """The pieces of a model's name that could name it, longest first (not "Img2Img", "v2", "13B", "Large")."""
    pieces = [p for p in re.split(r"[-_/\s]+", title.strip()) if p]
    if len(pieces) >= 3 and pieces[0].isupper() and len(pieces[0]) <= 4:
        pieces = pieces[1:]  # "TTS-VITS-LJSpeech", "ASR-Whisper-Large": the task's acronym, not the model's name
    kept = [
        p
        for p in pieces
        if len(re.sub(r"[^A-Za-z]", "", p)) >= 3
        and not _TASK_PREFIX.match(p)
        and not _SIZE.match(p)
        and (len(_subwords(p)) > 1 or zipf_frequency(p.lower(), "en") < DISTINCTIVE_ZIPF)
    ]
    # a piece written like a name ("YaRN", "CGCNN", "sam2") before a plain word ("Llama"), then the longer first
    return sorted(dict.fromkeys(kept), key=lambda p: (len(_subwords(p)) == 1 and p[1:].islower(), -len(p)))


def _subwords(piece: str) -> list[str]:
    """ "PatchTST" -> Patch, TST; "3DGaussianSplatting" -> 3D, Gaussian, Splatting; "nnUNet" -> nn, U, Net."""
    return re.findall(r"[0-9]+[A-Z]?|[A-Z]+(?![a-z])|[A-Z]?[a-z]+", piece)


def _used_in(piece: str, text: str) -> str:
    """The piece as the text writes it, or "" when the text does not use it as a name. A name of its own
    ("PatchTST", "nnUNet" as "nnU-Net", "sam2" as "SAM 2") may be split by a hyphen or space; a name glued from
    everyday words ("GraphCast", "TimeSeries") counts only glued ("time series" is not a name); a plain word
    ("Vicuna", "lama") only capitalised inside a sentence after the text's first line (its title capitalises every
    word: "... for Abstractive Summarization"); an acronym only in capitals ("NLLB", not a URL's "nllb")."""
    words = _subwords(piece)
    # a name of its own may be split ("3D Gaussian Splatting", "HT Demucs"); one glued from plain words only
    # ("GraphCast", "SpeakerDiarization") counts glued: "speaker diarization" is the field's words, not a name
    joint = r"[-\s]?" if any(not re.fullmatch(r"[A-Z]?[a-z]+", w) for w in words) else ""
    pattern = joint.join(re.escape(ch) for ch in piece)
    flags = 0 if len(words) == 1 and piece.isupper() else re.IGNORECASE  # an acronym only in capitals
    for match in re.finditer(rf"(?<![A-Za-z0-9]){pattern}(?![A-Za-z0-9+])", text, flags):
        used = match.group(0)
        plain = len(words) == 1 and not piece.isupper()
        before = text[max(0, match.start() - 3) : match.start()]
        if plain and not (used[0].isupper() and re.search(r"[a-z,;:(]\s$", before) and "\n" in text[: match.start()]):
            continue  # a plain word names a model only capitalised inside a sentence of the summary ("We train Vicuna")
        return used
    return ""


def namesake(model: Entry, entries: list[Entry]) -> Namesake | None:
    """The supplied entry with a summary that describes the name-only `model`, if one does: a distinctive piece
    of its name used in the entry's title or summary first, else a shared paper or code link."""
    others = [e for e in entries if e.id != model.id and e.has_summary]
    for piece in name_pieces(model.title):
        for other in others:
            used = _used_in(piece, f"{other.title}\n{other.summary}")
            if used:
                return Namesake(other, used)
    links = set(model.links)
    shared = next((e for e in others if links & set(e.links)), None)
    return Namesake(shared, "") if shared is not None else None
