"""The question bank: lessons as YAML files, loaded and validated into typed objects."""

from content.bank import Bank, ContentError, Lesson, Option, Question, load_bank

__all__ = ["Bank", "ContentError", "Lesson", "Option", "Question", "load_bank"]
