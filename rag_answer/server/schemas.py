"""The JSON bodies the server accepts, as pydantic models; GET /api/schema serves their JSON schemas."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from rag_answer.request import Overrides


class AskRequest(BaseModel):
    """Either `prompt_file` (a whole prompt file's text; its own question unless `question` is given),
    or `question` with `index` (the id of a loaded prompt file or index, see GET /api/models)."""

    model_config = ConfigDict(extra="forbid")
    prompt_file: str | None = Field(default=None, description="the whole text of a prompt file")
    path: str | None = Field(default=None, description="a name for prompt_file in messages (default 'request')")
    question: str | None = None
    index: str | None = Field(default=None, description="a loaded prompt file or index id")
    source: str | None = Field(default=None, description="with index: restrict to one source file of the index")
    settings: Overrides = Field(default_factory=Overrides)
    drafts: bool = Field(
        default=False,
        description="with text/event-stream: also stream the model's unchecked "
        'tokens as `draft` events ({"text", "checked": false}); off by default, so nothing '
        "unchecked is shown",
    )


class ChatRequest(BaseModel):
    """A piped `chat`: `input` holds its standard input (questions and slash commands, one per line), asked about
    `prompt_file` (text) or `index` (a loaded id, optionally restricted to `source`). /save and /image, which
    write files, are refused."""

    model_config = ConfigDict(extra="forbid")
    input: str
    prompt_file: str | None = None
    path: str | None = None
    index: str | None = None
    source: str | None = None
    json_lines: bool = Field(default=False, description="one JSON object per line, as `chat --json`")
    settings: Overrides = Field(default_factory=Overrides)


class EntryIn(BaseModel):
    """A supplied entry, as Entry.to_dict writes it."""

    id: str
    kind: Literal["model", "paper"]
    title: str
    paper_url: str | None = None
    github_url: str | None = None
    summary: str = ""
    origin: dict[str, Any] = Field(default_factory=lambda: {"path": "request", "line": 1})


class AuditRequest(BaseModel):
    """The answer and its sources: `answer` with `sources` (prompt file or catalog text), `index` (a loaded id)
    or `entries`; or `prompt_file` alone, whose "Answer:" holds the answer."""

    model_config = ConfigDict(extra="forbid")
    answer: str | None = None
    sources: str | None = Field(default=None, description="text of a prompt file holding the supplied entries")
    index: str | None = None
    entries: list[EntryIn] | None = None
    prompt_file: str | None = None
    claims: bool = True
    judge: bool = True
    strict: bool = False
    line_offset: int = Field(default=0, ge=0)
    source: str | None = Field(default=None, description="the answer's name in the report")
    format: Literal["json", "markdown", "table"] = "json"


class ReportRequest(BaseModel):
    """format md or html: that document back; json: {"status", "links", "flagged", "repairs", "error",
    "documents": {format: text}} for every format in `formats` (what `report --server` uses)."""

    model_config = ConfigDict(extra="forbid")
    prompt_file: str
    file_name: str = Field(
        default="report.txt",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._+-]{0,200}$",
        description="the prompt file's name, as the report's evidence record shows it",
    )
    name: str = Field(default="report", pattern=r"^[A-Za-z0-9._+-]{1,200}$")
    format: Literal["md", "html", "json"] = "md"
    formats: list[Literal["md", "html"]] = Field(default_factory=lambda: ["md"], min_length=1)
    claims: bool = True
    settings: Overrides = Field(default_factory=Overrides)


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[dict[str, Any]] | None = None


class ChatCompletionRequest(BaseModel):
    """OpenAI's chat completion body; sampling fields are accepted and ignored (answers are reproducible)."""

    model_config = ConfigDict(extra="allow")
    model: str
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False


def request_schemas() -> dict[str, Any]:
    models = {"POST /api/ask": AskRequest, "POST /api/chat": ChatRequest, "POST /api/audit": AuditRequest,
              "POST /api/report": ReportRequest,
              "POST /v1/chat/completions": ChatCompletionRequest}  # fmt: skip
    return {route: model.model_json_schema() for route, model in models.items()}
