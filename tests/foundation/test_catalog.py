"""Catalog files: YAML, JSON and JSONL in the documented schema, with line numbers in errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag_answer.errors import BadInputError
from rag_answer.sources import load_source

ENTRIES = [
    {"title": "Stable Diffusion 1.5", "kind": "model", "github": "https://github.com/a/sd15", "paper": None},
    {"title": "The Skin Game", "paper": "http://arxiv.org/pdf/2502.02500v1.pdf", "summary": "Dermatology benchmark."},
]


def test_yaml_json_and_jsonl_give_the_same_entries(tmp_path: Path) -> None:
    import yaml

    (tmp_path / "c.yaml").write_text(yaml.safe_dump({"question": "What?", "entries": ENTRIES}), "utf-8")
    (tmp_path / "c.json").write_text(json.dumps({"question": "What?", "entries": ENTRIES}, indent=2), "utf-8")
    (tmp_path / "c.jsonl").write_text("\n".join(json.dumps(e) for e in ENTRIES) + "\n", "utf-8")
    loaded = [load_source(tmp_path / name) for name in ("c.yaml", "c.json", "c.jsonl")]
    for source in loaded:
        assert [(e.id, e.kind, e.paper_url, e.github_url) for e in source.entries] == [
            ("stable-diffusion-1", "model", None, "https://github.com/a/sd15"),
            ("the-skin-game", "paper", "http://arxiv.org/pdf/2502.02500v1.pdf", None),
        ]
    assert loaded[0].question == loaded[1].question == "What?"
    assert loaded[2].question is None
    assert loaded[2].entries[1].origin.line == 2


def test_top_level_list_and_explicit_ids(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- title: A\n  id: my-a\n- title: B\n", "utf-8")
    assert [e.id for e in load_source(path).entries] == ["my-a", "b"]


@pytest.mark.parametrize(
    ("name", "content", "line", "fragment"),
    [
        ("c.yaml", "entries:\n  - title: A\n  - title: B\n    colour: red\n", 3, "unknown catalog field 'colour'"),
        ("c.yaml", "question: q\nsources: []\n", 1, "unknown catalog field 'sources'"),
        ("c.yaml", "entries: []\n", 1, "no entries found"),
        ("c.yaml", "entries:\n  - title: A\n  - title: a\n", 3, "duplicate entry"),
        ("c.yaml", "entries:\n  - title: A\n    kind: dataset\n", 2, "neither 'model' nor 'paper'"),
        ("c.yaml", "entries:\n  - title: A\n    paper: ftp://x.org/p\n", 2, "not an http(s) URL"),
        ("c.yaml", "entries:\n  - title: [unclosed\n", 3, "invalid YAML"),
        ("c.json", '{"entries": [{"title": "A"},]}', 1, "invalid JSON"),
        ("c.jsonl", '{"title": "A"}\n{"title": "B", "oops": 1}\n', 2, "unknown catalog field 'oops'"),
        ("c.jsonl", '{"title": "A"}\nnot json\n', 2, "invalid JSON"),
        ("c.jsonl", '{"title": "A"}\n[1, 2]\n', 2, "one entry object"),
    ],
)
def test_bad_catalogs(tmp_path: Path, name: str, content: str, line: int, fragment: str) -> None:
    path = tmp_path / name
    path.write_text(content, "utf-8")
    with pytest.raises(BadInputError) as caught:
        load_source(path)
    assert fragment in caught.value.message
    assert caught.value.line == line
    assert caught.value.path == str(path)
