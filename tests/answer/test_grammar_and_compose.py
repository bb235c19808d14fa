"""The per-call grammars (checked with llama.cpp's own grammar engine on the real vocabulary), the chat
template split, and the composition of an answer from readings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag_answer.answer.reading import Reading, parse_reading
from rag_answer.llm.chat_template import CHATML, ChatTemplate
from rag_answer.llm.grammar import evidence_grammar, model_grammar, task_grammar
from rag_answer.sources import load_source


@pytest.fixture(scope="module")
def example(example_path: Path):
    return load_source(example_path)


def grammar_accepts(llm, grammar: str, text: str) -> bool:
    """Feed text token by token through llama.cpp's grammar sampler; False at the first refused token."""
    import llama_cpp

    from rag_answer.llm.sampling import _grammar_filter

    vocab = llm.llm._model.vocab
    sampler = llama_cpp.llama_sampler_init_grammar(vocab, grammar.encode(), b"root")
    assert sampler, "llama.cpp rejected the grammar"
    try:
        logits = np.zeros(llm.llm.n_vocab(), dtype=np.float32)
        for token in llm.tokenize(text):
            allowed = _grammar_filter(llama_cpp, sampler, np.array([token], dtype=np.int32), logits)
            if len(allowed) == 0:
                return False
            llama_cpp.llama_sampler_accept(sampler, token)
        return True
    finally:
        llama_cpp.llama_sampler_free(sampler)


GOOD = [
    "Offers: a benchmark of DINOv2 (ViT) models, e.g. on HAM10000.\nPart 1: It reaches a macro F1 of 0.85 on HAM10000.",
    "Offers: Qwen2.5 and GPT-3.5 baselines.\nPart 1: It runs 3.5x faster, i.e. in real time.",
    "Offers: a matting framework.\nPart 1: none.",
    "Offers: Zero-DCE.\nPart 1: It is trained on 2,422 multi-exposure images and 79,416 parameters.",
]
BAD = [
    "Offers: code at github.com.\nPart 1: none.",  # a domain
    "Offers: the paper 2502.02500.\nPart 1: none.",  # an arXiv id
    "Offers: the file v1.pdf.\nPart 1: none.",
    "Offers: a link.\nPart 1: It is at https://x.",  # ":" and "/" cannot be written in free text
    "Offers: depth maps,like this.\nPart 1: none.",  # words cannot run together
    "Offers: vocals, bass, drums,.\nPart 1: none.",  # a phrase cannot stop mid-list
    "Offers: a method.\nPart 1: We propose a method.",  # a sentence opens with the entry's name: third person
    "Offers: " + " ".join(["inpainting"] * 21) + ".\nPart 1: none.",  # an offers phrase is at most 20 words
]


@pytest.mark.llm
@pytest.mark.parametrize("text", GOOD)
def test_evidence_grammar_writes_clean_text(small_llm, text: str) -> None:
    assert grammar_accepts(small_llm, evidence_grammar(1, "It"), text)


@pytest.mark.llm
@pytest.mark.parametrize("text", BAD)
def test_evidence_grammar_cannot_spell_links_or_run_words_together(small_llm, text: str) -> None:
    assert not grammar_accepts(small_llm, evidence_grammar(1, "It"), text)


@pytest.mark.llm
def test_one_sentence_per_part_each_opening_with_the_entrys_name(small_llm) -> None:
    grammar = evidence_grammar(2, "StarDist")
    assert grammar_accepts(small_llm, grammar, "Offers: a detector.\nPart 1: StarDist uses a U-Net.\nPart 2: none.")
    assert not grammar_accepts(small_llm, grammar, "Offers: a detector.\nPart 1: none.\nPart 3: none.")  # in order
    assert not grammar_accepts(small_llm, grammar, "Offers: a detector.\nPart 1: none.\nPart 2: We use a U-Net.")
    assert not grammar_accepts(small_llm, grammar, "Offers: a detector.\nPart 1: Mesmer uses a ResNet.")


@pytest.mark.llm
def test_model_and_task_grammars(small_llm) -> None:
    name_only = model_grammar(with_evidence=False)
    assert grammar_accepts(small_llm, name_only, "Task: style transfer.\nInput: a hazy photo\nOutput: a painting.")
    assert grammar_accepts(small_llm, name_only, "Task: depth estimation.\nInput: not stated\nOutput: not stated.")
    assert not grammar_accepts(small_llm, name_only, "Fits: no\nInput: x")
    many = " ".join(["stems"] * 7)  # what a name states is short: an input or output is at most six words
    assert not grammar_accepts(small_llm, name_only, f"Task: separation.\nInput: music\nOutput: {many}.")
    assert grammar_accepts(small_llm, name_only, f"Task: separation.\nInput: music\nOutput: {many[6:]}.")
    assert grammar_accepts(small_llm, task_grammar(), "The user wants to remove haze from photos.")
    assert not grammar_accepts(small_llm, task_grammar(), "Remove haze.")


def test_chat_template_split_keeps_the_source_block_in_the_prefix() -> None:
    template = ChatTemplate(CHATML, False)
    prefix, suffix = template.split("SYSTEM", "Source: X\n\n", "Question: Y")
    assert prefix == "<|im_start|>system\nSYSTEM<|im_end|>\n<|im_start|>user\nSource: X\n\n"
    assert suffix == "Question: Y<|im_end|>\n<|im_start|>assistant\n"


LLAMA3 = (
    "{{ bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'"
    " + message['content'] | trim + '<|eot_id|>' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"
)


def test_a_gguf_with_another_familys_template_is_formatted_with_it(tmp_path: Path) -> None:
    """A tiny GGUF written with the gguf package carries a Llama-3 template; the split follows it, not ChatML."""
    import gguf

    path = tmp_path / "tiny.gguf"
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_chat_template(LLAMA3)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    reader = gguf.GGUFReader(str(path))
    field = reader.fields["tokenizer.chat_template"]
    text = bytes(field.parts[field.data[0]]).decode("utf-8")
    template = ChatTemplate.from_metadata({"tokenizer.chat_template": text}, bos_token="<|begin_of_text|>")
    assert template.from_model
    prefix, suffix = template.split("SYS", "Source: X\n\n", "Question: Y")
    assert prefix.startswith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nSYS<|eot_id|>")
    assert "<|im_start|>" not in prefix + suffix
    assert suffix.endswith("<|start_header_id|>assistant<|end_header_id|>\n\n")


def test_no_template_falls_back_to_chatml_and_says_so(caplog) -> None:
    template = ChatTemplate.from_metadata({}, source="my.gguf")
    assert not template.from_model and template.source == CHATML
    assert "my.gguf carries no chat template" in caplog.text


def test_a_vague_subject_is_replaced_by_the_entrys_name() -> None:
    from rag_answer.answer.compose import answer_sentence
    from rag_answer.entries import Entry, Origin

    entry = Entry("aod-net-all", "paper", "AOD-Net: All-in-One Dehazing Network", None, None, "x", Origin("f", 1))
    reading = Reading(entry, answer="The source trains on synthetic hazy images")
    assert answer_sentence(reading) == "AOD-Net trains on synthetic hazy images [@aod-net-all]."
    untitled = Entry("deep-learning", "paper", "Deep learning for clouds", None, None, "x", Origin("f", 1))
    assert answer_sentence(Reading(untitled, answer="It works")) == "It works [@deep-learning]."
    assert answer_sentence(Reading(entry, answer="The software uses a CNN")) == "AOD-Net uses a CNN [@aod-net-all]."
    named = Reading(entry, answer="The paper presents AOD-Net, a light-weight CNN")
    assert answer_sentence(named) == "The paper presents AOD-Net, a light-weight CNN [@aod-net-all]."  # not twice


def test_a_reading_yields_one_sentence_per_part_and_no_field_label(example) -> None:
    entry = next(iter(example.entries))
    raw = "Offers: a thing.\nPart 1: none.\nPart 2: It uses three datasets."
    reading = parse_reading(entry, raw)
    assert reading == Reading(entry, offers="a thing", answer="It uses three datasets", answered=True, raw=raw,
                              parts=["", "It uses three datasets"])  # fmt: skip
    assert parse_reading(entry, "Offers: a thing.\nPart 1: none.").answered is False
    # the format's blank copied: the entry's title then ", or none" is a none (the 0.5B on 018); a sentence with
    # its own words before ", or none" keeps them
    copied = parse_reading(entry, f"Offers: a thing.\nPart 1: The paper {entry.title}, or none.")
    assert copied.parts == [""] and copied.answered is False
    assert parse_reading(entry, "Offers: a thing.\nPart 1: It uses three datasets, or none.").parts == [
        "It uses three datasets"
    ]
