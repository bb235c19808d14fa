"""One request path for every front end: the CLI (in process and `--server`), the HTTP API, the OpenAI-compatible
API, the report runners (local, Ray workers, `--server`) and the MCP server.

A `Request` says what to answer and from what: a prompt file (a path on this machine, or its text) or a named
index (optionally one of its source files), a question (by default the prompt file's own) and per-request setting
overrides. `Request.check` holds the checks that need nothing loaded (run before a request is sent to a server,
and again where it arrives); `Resolver.resolve` turns a request into what the answer pipeline needs. Each front
end only says how it names the parts of a request in its hints (`Wording`) and where named indexes come from
(`Catalog`); the checks and their messages exist here once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rag_answer.embedder import Embedder
from rag_answer.entries import Entry, SourceSet
from rag_answer.errors import BadInputError
from rag_answer.index_store import RestrictedIndex, load_index
from rag_answer.index_store.cache import cached_index
from rag_answer.settings import Settings
from rag_answer.sources import load_source
from rag_answer.sources.prompt_file import looks_like_prompt_file, parse_prompt_text
from rag_answer.sources.reading import read_text


class Overrides(BaseModel):
    """Per-request sampling settings (the rest are the server's); the same as ask's flags of the same name."""

    model_config = ConfigDict(extra="forbid")
    seed: int | None = Field(default=None, ge=0)
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    max_tokens: int | None = Field(default=None, ge=16)
    top_k: int | None = Field(default=None, ge=1, le=50)


SETTING_OVERRIDES: tuple[str, ...] = tuple(Overrides.model_fields)  # seed, temperature, max_tokens, top_k


def overrides_of(values: Any) -> dict[str, Any]:
    """The overrides set in a mapping, an argparse namespace or an Overrides model (None means: not set)."""
    if isinstance(values, BaseModel):
        values = values.model_dump()
    if isinstance(values, Mapping):
        return {name: values[name] for name in SETTING_OVERRIDES if values.get(name) is not None}
    return {name: getattr(values, name) for name in SETTING_OVERRIDES if getattr(values, name, None) is not None}


def checked_overrides(values: Mapping[str, Any]) -> dict[str, Any]:
    """Overrides from an untyped caller (MCP arguments), validated with the server's bounds; one-line error."""
    try:
        return overrides_of(Overrides.model_validate(dict(values)))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "settings"
        raise BadInputError(f"setting {where}: {first['msg']}") from None


class TooLargeError(BadInputError):
    """A request body, question or answer over a front end's limit (HTTP 413)."""


class UnknownModelError(BadInputError):
    """A model id that names no loaded prompt file or index (HTTP 404)."""


@dataclass(frozen=True)
class Wording:
    """How a front end names the parts of a request in its messages: the checks are shared, the hints are not."""

    both: str  # the parts that exclude each other
    ask: str  # how to ask at all
    chat: str  # how to open a chat at all
    own_question: str  # how to give the question a prompt file lacks
    index_question: str  # how to give a question over an index ({index}: its name)
    nothing_to_open: str = "nothing to chat about"  # a request that needs no question yet, naming no sources


CLI = Wording(
    both="--prompt FILE or --index NAME [--source S]",
    ask="use --prompt FILE, or QUESTION --index NAME",
    chat="use --prompt FILE, or --index NAME [--source S]",
    own_question="add the question, or pass it",
    index_question='rag-answer ask "QUESTION" --index NAME',
)
HTTP = Wording(
    both="prompt_file or index [source]",
    ask='send {"prompt_file": TEXT} or {"question": Q, "index": ID}',
    chat='send {"prompt_file": TEXT} or {"index": ID}',
    own_question="add the question, or send question",
    index_question='send {{"question": Q, "index": "{index}"}}',
)
MCP = Wording(
    both="prompt_file or index [source]",
    ask="pass prompt_file (a prompt file's path), or question with index (a named index)",
    chat="pass prompt_file (a prompt file's path) or index (a named index)",
    own_question="add the question to the file, or pass question",
    index_question="pass question with index {index!r}",
    nothing_to_open="no sources named",
)
REPORT = Wording(
    both="one prompt file",
    ask="name a prompt file",
    chat="name a prompt file",
    own_question="a prompt file states the user's question",
    index_question="a prompt file states the user's question",
)


@dataclass
class Target:
    """A prompt file or index a question is answered from, loaded by name."""

    id: str
    kind: str  # "prompt" or "index"
    label: str
    index: RestrictedIndex
    source_nos: list[int] | None
    question: str | None = None  # a prompt file's own question

    def entries(self) -> list[Entry]:
        return [entry for number, source in enumerate(self.index.sources)
                if self.source_nos is None or number in self.source_nos for entry in source.entries]  # fmt: skip

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "label": self.label,
            "question": self.question,
            "entries": [
                {"id": e.id, "kind": e.kind, "title": e.title, "paper": e.paper_url, "github": e.github_url}
                for e in self.entries()
            ],
        }


class Catalog(Protocol):
    """Where a front end finds a named index: the index folder on disk, or what a server loaded."""

    def target(self, name: str) -> Target: ...


class IndexFolder:
    """Named indexes under settings.index_dir, each loaded (and verified) once and then kept."""

    def __init__(self, index_dir: Path, embedder: Embedder) -> None:
        self.index_dir = index_dir
        self.embedder = embedder
        self._loaded: dict[str, Target] = {}

    def target(self, name: str) -> Target:
        if name not in self._loaded:
            self._loaded[name] = Target(name, "index", f"index {name}", load_index(self.index_dir, name, self.embedder),
                                        None)  # fmt: skip
        return self._loaded[name]


def prompt_target(source: SourceSet, embedder: Embedder, settings: Settings, *, target_id: str) -> Target:
    """A prompt file loaded under a name (a server's model id): its own entries and question."""
    index = cached_index(source, embedder, settings.cache_dir, progress=False)
    return Target(target_id, "prompt", source.path, index, [0], source.question)


def prompt_from_text(text: str, *, path: str) -> SourceSet:
    """A prompt file sent as text, parsed exactly as `ask --prompt` parses the file (same source id for the
    same bytes, so the same cached index)."""
    normalized = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not normalized.strip():
        raise BadInputError("prompt file is empty", path=path, hint="send the whole prompt file's text")
    return parse_prompt_text(normalized, path=path, source_id=hashlib.sha256(text.encode("utf-8")).hexdigest())


@dataclass
class Request:
    """A question over supplied sources, as any front end receives it."""

    question: str | None = None
    prompt: Path | None = None  # a prompt file on this machine
    prompt_text: str | None = None  # a prompt file's whole text (sent over HTTP)
    prompt_name: str | None = None  # prompt_text's name in messages (default "request")
    index: str | None = None  # a named index (on disk, or loaded by a server)
    source: str | None = None  # with index: one of its source files
    overrides: dict[str, Any] = field(default_factory=dict)
    history: list[Any] | None = None  # earlier (question, answer) turns of a conversation

    @property
    def has_prompt(self) -> bool:
        return self.prompt is not None or self.prompt_text is not None

    def check(self, wording: Wording, *, chat: bool = False, index_questions: bool = False) -> None:
        """The checks that need nothing loaded. `chat`: no question yet (a chat's come one per line; a search or
        a listing of sources needs none).
        `index_questions`: a named index may carry its own question (a server's loaded prompt file)."""
        if self.has_prompt and (self.index is not None or self.source is not None):
            raise BadInputError(f"give either {wording.both}, not both")
        if not self.has_prompt and self.index is None:
            if chat:
                raise BadInputError(wording.nothing_to_open, hint=wording.chat)
            raise BadInputError("nothing to answer", hint=wording.ask)
        if not chat and not index_questions and self.index is not None:
            _need_question(self.question, wording, self.index)

    def payload(self) -> dict[str, Any]:
        """The request as the server's JSON body (/api/ask, /api/chat): a prompt file travels as its text."""
        if self.prompt is not None:
            body: dict[str, Any] = {"prompt_file": read_text(self.prompt)[0], "path": str(self.prompt),
                                    "question": self.question}  # fmt: skip
        else:
            body = {"prompt_file": self.prompt_text, "path": self.prompt_name, "index": self.index,
                    "question": self.question, "source": self.source}  # fmt: skip
        return {key: value for key, value in body.items() if value is not None} | {"settings": dict(self.overrides)}

    @classmethod
    def from_body(cls, body: Any) -> Request:
        """A request from a server body (AskRequest, ChatRequest): the same fields under the same names."""
        return cls(question=getattr(body, "question", None), prompt_text=body.prompt_file, prompt_name=body.path,
                   index=body.index, source=body.source, overrides=overrides_of(body.settings))  # fmt: skip


def _given(question: str | None) -> bool:
    return bool(question and question.strip())


def _need_question(question: str | None, wording: Wording, index: str) -> None:
    """A question over a named index must be given (unless the index is a loaded prompt file with its own)."""
    if not _given(question):
        raise BadInputError("no question given", hint=wording.index_question.format(index=index))


@dataclass
class Resolved:
    """A checked request: the question, the settings it runs with, and what it is answered from."""

    question: str  # "" for a chat, whose questions come one per line
    settings: Settings
    source_nos: list[int] | None
    label: str  # what the answer is about, for banners and transcripts
    target: Target | None = None  # a named index or loaded prompt file
    source: SourceSet | None = None  # a prompt file given with the request
    history: list[Any] | None = None
    progress: bool = False

    @property
    def own_question(self) -> str | None:
        return self.source.question if self.source is not None else self.target.question if self.target else None

    def open_index(self, embedder: Embedder) -> RestrictedIndex:
        """The index to answer from: a named one is loaded already; a prompt file's own is built or found in the
        cache, which can take seconds, so a server does it on its worker thread, not while checking."""
        if self.target is not None:
            return self.target.index
        assert self.source is not None
        return cached_index(self.source, embedder, self.settings.cache_dir, progress=self.progress)

    def entries(self) -> list[Entry]:
        """The supplied entries this request may use."""
        if self.target is None:
            assert self.source is not None
            return list(self.source.entries)
        return [entry for number, source in enumerate(self.target.index.sources)
                if self.source_nos is None or number in self.source_nos for entry in source.entries]  # fmt: skip


def read_prompt(request: Request, wording: Wording, *, chat: bool = False) -> tuple[SourceSet, str | None]:
    """The prompt file a request names (its path or its text) and the question to answer: the request's, else the
    file's own (a chat needs none: its questions come one per line)."""
    if request.prompt is not None:
        source = load_source(request.prompt)
    else:
        source = prompt_from_text(request.prompt_text or "", path=request.prompt_name or "request")
    question = request.question or source.question
    if not chat and not _given(question):
        raise BadInputError("no question found", path=source.path, hint=wording.own_question)
    return source, question


class NoNamedIndexes:
    """The catalog of a front end that answers prompt files only (the report runners)."""

    def target(self, name: str) -> Target:
        raise BadInputError(f"no named index {name!r} here", hint="name a prompt file")


@dataclass
class Resolver:
    """What requests are resolved against: base settings, the embedder, named indexes, the front end's wording
    and limits."""

    settings: Settings
    embedder: Embedder
    catalog: Catalog
    wording: Wording
    max_question_chars: int | None = None
    index_questions: bool = False  # named indexes may carry a question (a server's loaded prompt files)
    progress: bool = False

    def resolve(self, request: Request, *, chat: bool = False) -> Resolved:
        request.check(self.wording, chat=chat, index_questions=self.index_questions)
        settings = self.settings.model_copy(update=request.overrides) if request.overrides else self.settings
        target: Target | None = None
        source: SourceSet | None = None
        if request.has_prompt:
            source, question = read_prompt(request, self.wording, chat=chat)
            source_nos: list[int] | None = [0]
            label = source.path
        else:
            assert request.index is not None
            target = self.catalog.target(request.index)
            question = request.question or target.question
            if not chat:
                _need_question(question, self.wording, target.id)
            source_nos = target.source_nos
            label = target.label
            if request.source is not None:
                if target.kind != "index":
                    raise BadInputError("source restricts an index, and this is a prompt file", hint="leave source out")
                source_nos = [target.index.find_source(request.source)]
                label += f", source {request.source}"
        question = "" if chat else question or ""
        if self.max_question_chars is not None and len(question) > self.max_question_chars:
            raise TooLargeError(f"the question has {len(question)} characters, over the limit of "
                                f"{self.max_question_chars}", hint="ask a shorter question")  # fmt: skip
        return Resolved(question, settings, source_nos, label, target, source, request.history, self.progress)


# -- audits: an answer and the entries it is checked against ---------------------------------------------------


@dataclass
class AuditSubject:
    """An answer to audit, the supplied entries it is checked against, and where it came from."""

    answer: str
    entries: list[Entry]
    line_offset: int = 0  # lines before the answer in its file, so findings name the file's own lines
    name: str = "request"


def answer_in_prompt_file(text: str, path: str, source_id: str) -> SourceSet | None:
    """The prompt file an answer file is, when it is one (its "Answer:" holds the answer); None for plain text."""
    if not looks_like_prompt_file(text):
        return None
    try:
        return parse_prompt_text(text, path=path, source_id=source_id)
    except BadInputError:
        return None  # an answer that merely looks like a prompt file


def answer_offset(text: str, own: SourceSet) -> int:
    """Lines before the answer in its prompt file."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines_before = "\n".join(text.split("\n")[: (own.answer_line or 1) - 1])
    position = text.find(own.answer or "", len(lines_before))
    return text.count("\n", 0, position) if position >= 0 else (own.answer_line or 1) - 1


def audit_subject(
    *,
    answer: str | None = None,
    answer_file: Path | None = None,
    prompt_text: str | None = None,
    name: str | None = None,
    line_offset: int = 0,
    sources: Path | None = None,
    sources_text: str | None = None,
    index: str | None = None,
    entries: list[Entry] | None = None,
    catalog: Catalog | None = None,
    max_answer_chars: int | None = None,
    answer_hint: str = "pass the answer's text, or a prompt file with text after 'Answer:'",
    sources_hint: str = "add the sources: a prompt file or catalog, or a named index",
) -> AuditSubject:
    """The answer and the entries it is checked against, for every front end.

    The answer: `answer` (text, at `line_offset` in its file), else `answer_file` (Markdown, or a prompt file
    whose "Answer:" holds it), else the "Answer:" of `prompt_text` (a prompt file's text). The entries: exactly
    one of `sources` (a prompt file or catalog on this machine), `sources_text` (a prompt file's text), `index`
    (named in `catalog`) or `entries`; with none, the answer's own prompt file's."""
    given = [label for label, value in (("sources", sources), ("sources", sources_text), ("index", index),
                                        ("entries", entries)) if value is not None]  # fmt: skip
    if len(given) > 1:
        raise BadInputError(f"give one of sources, index or entries, not {' and '.join(given)}")
    own: SourceSet | None = None
    text: str | None = None
    if answer_file is not None:
        text, digest = read_text(answer_file)
        name = name or str(answer_file)
        own = answer_in_prompt_file(text, name, digest)
    elif prompt_text is not None:
        own = prompt_from_text(prompt_text, path=name or "request")
        text = prompt_text
    name = name or "request"
    if answer is None:
        if own is not None and own.answer is not None:
            answer, line_offset = own.answer, answer_offset(text or "", own)
        elif own is not None and (answer_file is None or not given):
            raise BadInputError("prompt file has no text after 'Answer:'", path=name,
                                hint="write the answer after 'Answer:', or audit a separate answer file")  # fmt: skip
        elif answer_file is not None:
            answer = text
        else:
            raise BadInputError("no answer to audit", hint=answer_hint)
    assert answer is not None
    if not answer.strip():
        raise BadInputError("the answer to audit is empty", hint=answer_hint)
    if max_answer_chars is not None and len(answer) > max_answer_chars:
        raise TooLargeError(f"the answer has {len(answer)} characters, over the limit of {max_answer_chars}",
                            hint="audit a shorter answer")  # fmt: skip
    if sources is not None:
        found = list(load_source(sources).entries)
    elif sources_text is not None:
        found = list(prompt_from_text(sources_text, path="sources").entries)
    elif index is not None:
        if catalog is None:
            raise BadInputError("no named indexes here", hint=sources_hint)
        found = catalog.target(index).entries()
    elif entries is not None:
        found = list(entries)
    elif own is not None:
        found = list(own.entries)
    else:
        raise BadInputError("no sources to audit against" if answer_file is None else
                            "no sources given and the answer is not a prompt file with entries",
                            path=None if answer_file is None else name, hint=sources_hint)  # fmt: skip
    if not found:
        raise BadInputError("the sources hold no entries")
    return AuditSubject(answer, found, line_offset, name)
