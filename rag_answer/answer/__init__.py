"""Grounded answers: context selection, prompt, generation under grammar, rendering and verification."""

from rag_answer.answer.pipeline import AnswerResult, Turn, answer_question

__all__ = ["AnswerResult", "Turn", "answer_question"]
