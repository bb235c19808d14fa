"""Names are named entities: format labels and common words are not names; a name matches the entry in its plural,
possessive and hyphenated forms, and an abbreviation matches its expansion (defined in the entry, the initials of a
capitalised phrase, or a field abbreviation from the data file). Real entries from the field prompt files where the
issue's words occur there; an entry written like the issue's where no prompt file has it."""

from __future__ import annotations

import pytest

from rag_answer.audit import audit
from rag_answer.audit.names import abbreviates, defined_abbreviations, find_names, is_name
from rag_answer.entries import Entry, Origin, SourceSet
from rag_answer.sources import load_source
from tests.conftest import ROOT

PROMPTS = ROOT / "eval" / "fields" / "prompts"


def _source(name: str) -> SourceSet:
    return load_source(next(PROMPTS.glob(f"{name}_*.txt")))


def _entry_id(source: SourceSet, title_start: str) -> str:
    return next(entry.id for entry in source.entries if entry.title.startswith(title_start))


def _claim(sentence: str, source: SourceSet, embedder):
    report = audit(sentence, source, embedder=embedder)
    assert len(report.claims) == 1, [claim.text for claim in report.claims]
    return report.claims[0]


def _inline(title: str, summary: str) -> SourceSet:
    entry = Entry(id="inline", kind="paper", title=title, paper_url="https://arxiv.org/abs/2101.00001",
                  github_url=None, summary=summary, origin=Origin(path="inline", line=1))  # fmt: skip
    return SourceSet(source_id="inline", path="inline", question=None, entries=(entry,))


@pytest.mark.parametrize("word", ["Answered", "Dataset", "Finding", "Model", "Offers", "GitHub", "Dice", "Transformer"])
def test_format_labels_and_common_words_are_not_names(word: str) -> None:
    assert not is_name(word)


@pytest.mark.parametrize("word", ["CellSighter", "NeRFs", "SfM", "DMS", "LAION", "Swahili", "Euclid", "SAM", "MIBI"])
def test_real_names_are_names(word: str) -> None:
    assert is_name(word)


def test_format_labels_leaking_into_a_sentence_are_not_flagged(embedder) -> None:
    """f01 (dev): "not in the cited entry: Dataset, Finding, Answered" and "Model stated by ..." were false alarms."""
    source = _source("f01")
    cell = _entry_id(source, "CellSighter:")
    sentence = (f"For the tumour biopsies, Answered from the Dataset and Finding of the Model CellSighter: it reaches "
                f"over 80% accuracy for major cell types [@{cell}].")  # fmt: skip
    claim = _claim(sentence, source, embedder)
    assert claim.missing == [] and claim.verdict == "supported", claim.reason


def test_a_plural_of_the_entrys_name_is_the_name(embedder) -> None:
    """f35 (test): Magic3D's entry says "Neural Radiance Fields (NeRF)"; "NeRFs" was flagged."""
    source = _source("f35")
    magic = _entry_id(source, "Magic3D")
    claim = _claim(f"DreamFusion optimizes NeRFs with a pre-trained text-to-image diffusion model [@{magic}].",
                   source, embedder)  # fmt: skip
    assert "NeRFs" not in claim.missing and claim.verdict not in ("unsupported", "misattributed"), claim.reason


def test_a_plural_of_a_name_that_is_no_abbreviation(embedder) -> None:
    """No abbreviation path can find "MeshFormers": only its singular can."""
    source = _inline(
        "Sparse-view mesh reconstruction", "MeshFormer reconstructs a textured mesh from four input views."
    )
    claim = _claim("MeshFormers reconstruct textured meshes from four input views [@inline].", source, embedder)
    assert claim.missing == [] and claim.verdict == "supported", claim.reason


def test_possessive_and_hyphenated_forms_are_the_name(embedder) -> None:
    source = _source("f01")
    cell = _entry_id(source, "CellSighter:")
    claim = _claim(f"CellSighter's CellSighter-based pipeline classifies cells in multiplexed images [@{cell}].",
                   source, embedder)  # fmt: skip
    assert claim.missing == [] and claim.verdict == "supported", claim.reason


def test_a_name_is_a_whole_word_not_part_of_one(embedder) -> None:
    """ "REINFORCE" is not stated by an entry that says "reinforcement"; "Sighter" is not "CellSighter"."""
    source = _source("f01")
    cell = _entry_id(source, "CellSighter:")
    claim = _claim(
        f"The Sighter classifier reaches over 80% accuracy for major cell types [@{cell}].", source, embedder
    )
    assert "Sighter" in claim.missing


def test_initials_of_a_capitalised_phrase_in_the_title(embedder) -> None:
    """The issue's entry: "SfM" for an entry titled "3D reconstruction using Structure for Motion" ("for", so the field
    list's "structure from motion" does not apply: only the title's initials do)."""
    source = _inline("3D reconstruction using Structure for Motion",
                     "We recover camera poses and a sparse point cloud from unordered photographs.")  # fmt: skip
    claim = _claim("SfM recovers camera poses and a sparse point cloud from unordered photographs [@inline].",
                   source, embedder)  # fmt: skip
    assert claim.missing == [] and claim.verdict == "supported", claim.reason


def test_initials_of_a_hyphenated_phrase_in_a_real_summary(embedder) -> None:
    """f34 (test): 3D Gaussian Splatting starts "from the sparse points produced during Structure-from-Motion"."""
    source = _source("f34")
    splat = _entry_id(source, "3D Gaussian Splatting")
    claim = _claim(f"3D Gaussian Splatting starts from the sparse points produced by SfM camera calibration [@{splat}].",
                   source, embedder)  # fmt: skip
    assert "SfM" not in claim.missing and claim.verdict == "supported", claim.reason


def test_a_field_abbreviation_matches_its_expansion(embedder) -> None:
    """The issue's "…: DMS": the entry spells out "driver monitoring system" in lower case, never "DMS"."""
    source = _inline(
        "Drowsiness detection from in-cabin video",
        "We present a driver monitoring system that detects drowsiness from eye closure in cabin video.",
    )
    claim = _claim("The DMS detects drowsiness from eye closure in cabin video [@inline].", source, embedder)
    assert claim.missing == [] and claim.verdict == "supported", claim.reason


def test_an_abbreviation_defined_in_a_real_entry() -> None:
    """f02 (test) and f07 (dev) define abbreviations in their summaries."""
    aod = next(e for e in _source("f02").entries if e.title.startswith("AOD-Net"))
    assert defined_abbreviations(aod.summary)["aod-net"] == "all-in-one dehazing network"
    paf = next(e for e in _source("f07").entries if "(PAFs)" in e.summary)
    assert defined_abbreviations(paf.summary)["pafs"] == "part affinity fields"


def test_a_sentence_spelling_out_the_entrys_abbreviation(embedder) -> None:
    """The other way round: the sentence spells out what the entry writes only as "SVBRDF"."""
    source = _inline("Single-image material capture",
                     "We capture an SVBRDF of a flat material sample from a single flash photograph.")  # fmt: skip
    sentence = ("It captures the Spatially Varying Bidirectional Reflectance Distribution Function of a flat material "
                "sample from a single flash photograph [@inline].")  # fmt: skip
    assert {"Bidirectional", "Reflectance"} <= set(find_names(sentence))  # names the entry does not write as such
    claim = _claim(sentence, source, embedder)
    assert claim.missing == [], claim.reason


@pytest.mark.parametrize(("short", "words", "expected"), [
    ("SfM", ["Structure", "from", "Motion"], True),
    ("NeRF", ["Neural", "Radiance", "Fields"], True),
    ("DPR", ["Dense", "Passage", "Retrieval"], True),
    ("SfM", ["Structure", "Motion"], False),  # the "f" must come from somewhere
    ("NeRF", ["Neural", "Fields"], False),
])  # fmt: skip
def test_abbreviates(short: str, words: list[str], expected: bool) -> None:
    assert abbreviates(short, words) is expected


def test_find_names_drops_possessives_and_sentence_words() -> None:
    assert find_names("Unlike Mesmer's model, StarDist uses the Dataset of Euclid's team.") == ["StarDist", "Mesmer",
                                                                                             "Euclid"]  # fmt: skip


@pytest.mark.parametrize(("github_url", "missing"), [
    ("https://github.com/example-lab/QuillNet", []),  # the repository's name is the project's name
    ("https://github.com/example-lab/QuillNet.git/", []),
    ("https://github.com/example-lab/other-tool", ["QuillNet"]),  # another repository proves nothing
    (None, ["QuillNet"]),
])  # fmt: skip
def test_a_name_the_entrys_code_repository_has_is_stated(github_url: str | None, missing: list[str]) -> None:
    from rag_answer.audit.evidence import EntryProfile
    from rag_answer.audit.evidence import missing as missing_names
    from rag_answer.audit.facts import extract_facts

    entry = Entry(id="quill", kind="paper", title="Reading Poems at Scale", paper_url=None, github_url=github_url,
                  summary="We train a recurrent network that scans poems for rhymes.", origin=Origin(path="inline",
                  line=1))  # fmt: skip
    sentence = "QuillNet trains a recurrent network that scans poems for rhymes."
    assert missing_names(extract_facts(sentence), EntryProfile(entry), sentence) == missing
