"""Prompt formatting with the model's own chat template, read from the GGUF's metadata
(`tokenizer.chat_template`, as llama.cpp and llama-cpp-python do); ChatML only when the file has none.

The pipeline asks for (prefix, suffix) pairs: the prefix is the system message plus the fixed start of
the user message (the source block), so its KV state can be cached; the suffix is the rest. The split is
found by rendering the conversation with two different variable parts and keeping what they share, which
works for any template without knowing its tokens.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from rag_answer.errors import ModelError

CHATML = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChatTemplate:
    source: str  # the Jinja text
    from_model: bool  # False: the ChatML fallback
    bos_token: str = ""
    eos_token: str = ""

    @classmethod
    def from_metadata(
        cls, metadata: dict[str, Any], *, source: str = "the model", bos_token: str = "", eos_token: str = ""
    ) -> ChatTemplate:
        text = metadata.get("tokenizer.chat_template")
        if not text:
            log.warning("%s carries no chat template; using ChatML", source)
            return cls(CHATML, False, bos_token, eos_token)
        return cls(text, True, bos_token, eos_token)

    def render(self, messages: list[dict[str, str]], *, add_generation_prompt: bool = True) -> str:
        from jinja2.exceptions import TemplateError
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        def raise_exception(message: str) -> None:
            raise TemplateError(message)

        environment = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
        environment.globals["raise_exception"] = raise_exception
        try:
            return environment.from_string(self.source).render(
                messages=messages,
                add_generation_prompt=add_generation_prompt,
                bos_token=self.bos_token,
                eos_token=self.eos_token,
            )
        except TemplateError as exc:
            raise ModelError(f"the model's chat template cannot be rendered: {exc}") from None

    def split(self, system: str, fixed_user: str, variable_user: str, assistant_start: str = "") -> tuple[str, str]:
        """(prefix, suffix) of one user turn whose content is fixed_user + variable_user.

        assistant_start is text the answer is made to begin with (appended after the generation prompt).
        """
        one = self._conversation(system, fixed_user + "\x00A")
        two = self._conversation(system, fixed_user + "\x00B")
        shared = 0
        while shared < min(len(one), len(two)) and one[shared] == two[shared]:
            shared += 1
        prefix = one[:shared].removesuffix("\x00")
        full = self._conversation(system, fixed_user + variable_user)
        if not full.startswith(prefix):
            raise ModelError("the model's chat template does not keep the system message in front")
        return prefix, full[len(prefix) :] + assistant_start

    def _conversation(self, system: str, user: str) -> str:
        return self.render([{"role": "system", "content": system}, {"role": "user", "content": user}])
