"""`rag-answer audit`: exit codes, output formats, JSON schema, prompt files with an Answer:, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from rag_answer.cli import main
from tests.conftest import SMALL_PRESET

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "000_54cb972efbc5016b.txt"
SCHEMA = json.loads((ROOT / "rag_answer" / "audit" / "report.schema.json").read_text(encoding="utf-8"))
CLEAN = (
    "Hi4D provides 4D textured scans of 20 subject pairs [@hi4d-4d-instance] "
    "(https://github.com/yifeiyin04/Hi4D, arXiv:2303.15380).\n"
)
INVENTED = "Base model: https://github.com/CompVis/stable-diffusion, see arXiv:2112.10752.\n"
UNSUPPORTED = "Hi4D was trained on 5 billion LAION images [@hi4d-4d-instance].\n"


@pytest.fixture(autouse=True)
def _warm(embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_ANSWER_MODEL", SMALL_PRESET)  # the judge: the small preset keeps these tests quick


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["audit", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_clean_answer_exits_0(tmp_path, capsys) -> None:
    code, out, _ = _run(capsys, str(_write(tmp_path, "a.md", CLEAN)), "--sources", str(EXAMPLE))
    assert code == 0
    assert "citation audit: clean" in out and "supported" in out


def test_invented_links_exit_1_and_are_defanged(tmp_path, capsys) -> None:
    code, out, _ = _run(capsys, str(_write(tmp_path, "a.md", CLEAN + INVENTED)), "--sources", str(EXAMPLE))
    assert code == 1
    assert "hxxps[:]//github[.]com/CompVis/stable-diffusion" in out
    assert "https://github.com/CompVis" not in out


def test_strict_fails_on_unsupported_claims(tmp_path, capsys) -> None:
    answer = str(_write(tmp_path, "a.md", CLEAN + UNSUPPORTED))
    assert _run(capsys, answer, "--sources", str(EXAMPLE))[0] == 0
    assert _run(capsys, answer, "--sources", str(EXAMPLE), "--strict")[0] == 1


def test_json_output_validates_against_schema(tmp_path, capsys) -> None:
    answer = _write(tmp_path, "a.md", CLEAN + INVENTED + UNSUPPORTED + "Wrong [@nope]. [x](javascript:alert(1))\n")
    code, out, _ = _run(capsys, str(answer), "--sources", str(EXAMPLE), "--json")
    data = json.loads(out)
    jsonschema.validate(data, SCHEMA)
    assert code == 1 and data["exit_code"] == 1 and not data["clean"]
    assert {link["code"] for link in data["links"]} >= {"supplied", "not_supplied", "scheme"}
    assert data["summary"]["markers_invalid"] == 1
    assert {claim["verdict"] for claim in data["claims"]} >= {"supported", "unsupported"}
    clean_code, clean_out, _ = _run(capsys, str(_write(tmp_path, "b.md", CLEAN)), "--sources", str(EXAMPLE), "--json")
    jsonschema.validate(json.loads(clean_out), SCHEMA)
    assert clean_code == 0


def test_json_schema_rejects_a_broken_report(tmp_path, capsys) -> None:
    _, out, _ = _run(capsys, str(_write(tmp_path, "a.md", CLEAN)), "--sources", str(EXAMPLE), "--json")
    data = json.loads(out)
    data["links"][0]["code"] = "maybe"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, SCHEMA)


def test_markdown_output(tmp_path, capsys) -> None:
    code, out, _ = _run(capsys, str(_write(tmp_path, "a.md", INVENTED)), "--sources", str(EXAMPLE), "--markdown")
    assert code == 1
    assert out.startswith("# Citation audit: problems found")
    assert "| 1 | `hxxps[:]//github[.]com/CompVis/stable-diffusion` | bare_url | **rejected** (not_supplied) |" in out


def test_prompt_file_with_answer_uses_its_own_entries(tmp_path, capsys) -> None:
    prompt = EXAMPLE.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + INVENTED
    path = _write(tmp_path, "prompt.txt", prompt)
    code, out, _ = _run(capsys, str(path), "--json", "--no-claims")
    data = json.loads(out)
    assert code == 1
    lines = prompt.split("\n")
    assert [link["line"] for link in data["links"]] == [len(lines) - 1] * 2
    assert "CompVis" in lines[data["links"][0]["line"] - 1]
    ok = _write(tmp_path, "ok.txt", EXAMPLE.read_text(encoding="utf-8") + CLEAN)
    assert _run(capsys, str(ok), "--no-claims")[0] == 0


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda tmp: tmp / "missing.md", "no such file"),
        (lambda tmp: _bytes(tmp / "latin1.md", b"ok\ncaf\xe9\n"), "latin1.md:2: not UTF-8"),
        (lambda tmp: _bytes(tmp / "empty.md", b""), "file is empty"),
        (lambda tmp: _bytes(tmp / "bin.md", b"a\x00b"), "binary"),
    ],
)
def test_bad_answer_exits_2_with_one_line(tmp_path, capsys, setup, message: str) -> None:
    code, out, err = _run(capsys, str(setup(tmp_path)), "--sources", str(EXAMPLE))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("rag-answer: error: ") and message in err


def test_missing_sources_and_prompt_without_answer(tmp_path, capsys) -> None:
    code, _, err = _run(capsys, str(_write(tmp_path, "a.md", CLEAN)))
    assert code == 2 and "--sources" in err
    code, _, err = _run(capsys, str(EXAMPLE))
    assert code == 2 and "Answer:" in err
    code, _, err = _run(capsys, str(_write(tmp_path, "a.md", CLEAN)), "--sources", str(tmp_path / "nope.yaml"))
    assert code == 2 and "nope.yaml" in err


def _bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
