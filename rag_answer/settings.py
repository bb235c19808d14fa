"""One typed settings object. Precedence: CLI flags > RAG_ANSWER_* environment > config file > defaults.

The config file is TOML, read from $RAG_ANSWER_CONFIG or else $RAG_ANSWER_HOME/config.toml when present.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from rag_answer.errors import ConfigError

ENV_PREFIX = "RAG_ANSWER_"


def default_home() -> Path:
    """$RAG_ANSWER_HOME, else $XDG_CACHE_HOME/rag-answer, else ~/.cache/rag-answer."""
    if home := os.environ.get(f"{ENV_PREFIX}HOME"):
        return Path(home).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "rag-answer"


def config_file_path() -> Path:
    explicit = os.environ.get(f"{ENV_PREFIX}CONFIG")
    return Path(explicit).expanduser() if explicit else default_home() / "config.toml"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", validate_default=True)

    home: Path = Field(default_factory=default_home, description="caches, assembled models, chat history")
    index_dir: Path = Field(default=Path("index"), description="where `rag-answer index --name` writes indexes")
    embedder: str = Field(default="default", description="'default' (all-MiniLM-L6-v2) or a local model folder")
    embedder_runtime: Literal["onnx", "torch"] = Field(
        default="onnx", description="'onnx' (no torch import) or 'torch' (sentence-transformers); same vectors"
    )
    model: str = Field(default="qwen2.5-coder-1.5b", description="LLM preset name or a path to a .gguf file")
    judge_model: str = Field(
        default="", description="the claim judge's preset or .gguf ('' = the answering model, whose states it reuses)"
    )
    threads: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, description="llama.cpp threads")
    n_ctx: int = Field(default=4096, ge=512, description="LLM context window in tokens")
    max_tokens: int = Field(default=600, ge=16, description="most tokens generated for one answer")
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    seed: int = Field(default=0, ge=0)
    top_k: int = Field(default=4, ge=1, le=50, description="entries retrieved for a question")
    min_score: float = Field(default=0.15, ge=-1.0, le=1.0, description="cosine below which an entry is not relevant")
    quiet: bool = Field(default=False, description="no progress bars")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = config_file_path()
        if path.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"


def load_settings(**overrides: Any) -> Settings:
    """Settings with CLI overrides (None values are ignored); ConfigError names the bad value."""
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(part) for part in first["loc"])
        raise ConfigError(
            f"setting {name!r}: {first['msg']}",
            path=str(config_file_path()) if config_file_path().is_file() else None,
            hint=f"check --{name.replace('_', '-')}, {ENV_PREFIX}{name.upper()} or the config file",
        ) from None
    except Exception as exc:  # a TOML syntax error surfaces here
        raise ConfigError(f"cannot read config: {exc}", path=str(config_file_path())) from None
