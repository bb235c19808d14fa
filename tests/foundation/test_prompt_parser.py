"""Prompt-file parsing: the canonical example and the variations real files have."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag_answer.errors import BadInputError
from rag_answer.sources import load_source, load_sources
from tests.conftest import TEST_PROMPTS

HEAD = 'You are an AI scientist.\n\nA user has asked the following question:\n"{q}"\n\nBased on the following recommended models, explain:\n\n'


def write(tmp_path: Path, text: str, name: str = "p.txt", newline: str = "\n") -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path


def test_example_has_question_and_four_entries(example_path: Path) -> None:
    source = load_source(example_path)
    assert source.question.startswith("I generated a studio portrait")
    assert source.question.endswith("so high?")
    assert [(e.id, e.kind) for e in source.entries] == [
        ("txt2img-stablediffusionv1", "model"),
        ("the-skin-game", "paper"),
        ("enhancing-image-matting", "paper"),
        ("hi4d-4d-instance", "paper"),
    ]
    model, skin, matting, hi4d = source.entries
    assert model.paper_url is None and model.github_url == "https://github.com/Kameronski/stable-diffusion-1.5"
    assert skin.paper_url == "http://arxiv.org/pdf/2502.02500v1.pdf"
    assert matting.github_url is None
    assert hi4d.summary.startswith("We propose Hi4D") and hi4d.summary.endswith("benchmarks.")
    assert model.origin.line == 15 and skin.origin.line == 20
    assert source.answer is None and source.answer_line == 35
    assert len(source.source_id) == 64


def test_two_line_question_with_curly_quotes(tmp_path: Path) -> None:
    text = (
        "A user has asked the following question:\n“Why does my render look ‘plastic’\nand how do I fix it?”\n\n"
        "### Recommended AI Models:\nModel: M\nPaper: None\n"
    )
    source = load_source(write(tmp_path, text))
    assert source.question == "Why does my render look ‘plastic’ and how do I fix it?"


def test_variations_crlf_blank_lines_none_missing_github_and_kinds(tmp_path: Path) -> None:
    text = HEAD.format(q="Q?") + (
        "### Recommended AI Models:\n\n\nModel:   First Model   \nPaper: None\nGitHub: https://huggingface.co/org/first\n\n"
        "Model: Second Model\nPaper: https://openaccess.thecvf.com/content/CVPR2022/papers/x.pdf\n"
        "GitHub: https://gitlab.com/group/project\n\n"
        "### Related Papers:\nModel: A Paper With $^2$ and \\textbf{bold}\nPaper: https://arxiv.org/abs/2502.02500\n"
        "Summary: First line of a raw abstract with $\\times$ 10.\nSecond line continues.\n\n"
        "Model: Paper Without Summary\nPaper: http://example.org/project-page\n\nAnswer:\n"
    )
    source = load_source(write(tmp_path, text, newline="\r\n"))
    kinds = [(e.title, e.kind) for e in source.entries]
    assert kinds == [
        ("First Model", "model"),
        ("Second Model", "model"),
        ("A Paper With $^2$ and \\textbf{bold}", "paper"),
        ("Paper Without Summary", "paper"),
    ]
    first, second, latex, bare = source.entries
    assert first.paper_url is None and first.github_url == "https://huggingface.co/org/first"
    assert second.github_url == "https://gitlab.com/group/project"
    assert latex.summary == "First line of a raw abstract with $\\times$ 10.\nSecond line continues."
    assert bare.summary == "" and bare.github_url is None
    assert source.answer is None


def test_existing_answer_text_is_kept_for_the_auditor(tmp_path: Path) -> None:
    text = (
        HEAD.format(q="Q?")
        + "### Recommended AI Models:\nModel: M\nGitHub: https://github.com/a/b\n\nAnswer:\nIt uses [@m].\nMore.\n"
    )
    source = load_source(write(tmp_path, text))
    assert source.answer == "It uses [@m].\nMore."
    assert source.answer_line == 12


def test_ids_are_unique_within_a_source(tmp_path: Path) -> None:
    text = "### Related Papers:\nModel: Deep Nets: Part One\nPaper: None\nModel: Deep Nets: Part Two\nPaper: None\n"
    ids = [e.id for e in load_source(write(tmp_path, text)).entries]
    assert ids == ["deep-nets-part", "deep-nets-part-2"]


@pytest.mark.parametrize("path", sorted(TEST_PROMPTS.glob("*.txt")), ids=lambda p: p.name)
def test_every_evaluation_prompt_parses(path: Path) -> None:
    source = load_source(path)
    assert source.question and source.entries
    assert all(link.startswith(("http://", "https://")) for link in source.links)


def test_folder_expands_to_its_files_in_order() -> None:
    sources = load_sources([TEST_PROMPTS])
    assert [Path(s.path).name for s in sources] == sorted(p.name for p in TEST_PROMPTS.iterdir() if p.is_file())


@pytest.mark.parametrize(
    ("content", "line", "fragment"),
    [
        (b"", 1, "file is empty"),
        (b"   \n\n", 1, "file is empty"),
        (b"### Related Papers:\nModel: X\n\x00\x01binary", 3, "binary"),
        (b"### Related Papers:\nModel: caf\xe9\n", 2, "not UTF-8"),
        (b"Just some notes, no entries at all.\n", 1, "no entries found"),
        (
            b"### Related Papers:\nModel: Same Title\nPaper: None\nModel: same  title\nPaper: None\n",
            4,
            "duplicate entry",
        ),
        (b"### Related Papers:\nModel: X\nPaper: arxiv 2502.02500\n", 3, "not an http(s) URL"),
        (b"### Related Papers:\nModel: X\nGitHub: javascript:alert(1)\n", 3, "not an http(s) URL"),
        (b"### Related Papers:\nModel: X\nGitHub: https://user:pw@github.com/a/b\n", 3, "not an http(s) URL"),
        (b"### Related Papers:\nModel: X\nGitHub: https://a/b\n\nModel: Y\n", 3, "not an http(s) URL"),
        (b"### Related Papers:\nModel: X\nGitHub: https://github.com/a\nGitHub: https://github.com/b\n", 4, "second"),
        (b"### Related Papers:\nModel:   \n", 2, "empty title"),
    ],
)
def test_bad_prompt_files_name_file_and_line(tmp_path: Path, content: bytes, line: int, fragment: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(BadInputError) as caught:
        load_source(path)
    assert caught.value.path == str(path)
    assert caught.value.line == line
    assert fragment in caught.value.message
    assert "\n" not in caught.value.one_line()


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="no such file"):
        load_source(tmp_path / "nope.txt")
    with pytest.raises(BadInputError, match="folder"):
        load_source(tmp_path)
