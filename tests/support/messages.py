"""Reading what the bot sent: buttons, options as shown, and texts of blocks."""

from __future__ import annotations

import re

from content import load_bank

_OPTION_LINE = re.compile(r"^\*([A-E])\.\* (.+?)( ✅)?$")
_BANK = load_bank()


def block_texts(blocks: list[dict]) -> str:
    """Every text in the blocks, joined: what a person would read."""
    parts: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                parts.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return "\n".join(parts)


def buttons(message: dict) -> dict[str, str]:
    """letter -> button value, from the message's actions block."""
    for block in message.get("blocks") or []:
        if block.get("type") == "actions":
            return {element["action_id"][-1]: element["value"] for element in block["elements"]}
    return {}


def shown_options(message: dict) -> dict[str, str]:
    """letter -> option text (mrkdwn-escaped), as listed in the message, or as the buttons
    carry it when the options all fit on them and are not listed again."""
    found: dict[str, str] = {}
    for block in message.get("blocks") or []:
        text = (block.get("text") or {}).get("text", "")
        for line in text.splitlines():
            match = _OPTION_LINE.match(line)
            if match:
                found[match.group(1)] = match.group(2)
    if found:
        return found
    for block in message.get("blocks") or []:
        if block.get("type") == "actions":
            for element in block["elements"]:
                letter, _, label = element["text"]["text"].partition(". ")
                if label:  # plain text on a button: escape it as the listed form is
                    found[letter] = label.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return found


def question_for(message: dict):
    """The bank question whose prompt the message shows."""
    texts = block_texts(message.get("blocks") or [])
    for question in _BANK.questions:
        if question.prompt.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in texts:
            return question
    raise AssertionError("message shows no question from the bank")


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def correct_letter(message: dict) -> str:
    question = question_for(message)
    right = next(option.text for option in question.options if option.correct)
    for letter, text in shown_options(message).items():
        if unescape(text) == right:
            return letter
    raise AssertionError("the correct option is not shown")


def wrong_letter(message: dict) -> str:
    right = correct_letter(message)
    return next(letter for letter in shown_options(message) if letter != right)


def first_wrong_letter(message: dict) -> str:
    """The letter of the bank's first wrong option, wherever the shuffle showed it."""
    question = question_for(message)
    wrong = next(option.text for option in question.options if not option.correct)
    return next(letter for letter, text in shown_options(message).items() if unescape(text) == wrong)
