"""Grounded answers: plan, read, check, compose, render (stages.py); answer_question is the thin wrapper."""

from rag_answer.answer.pipeline import Answerer, AnswerResult, Turn, answer_question, default_judge

__all__ = ["AnswerResult", "Answerer", "Turn", "answer_question", "default_judge"]
