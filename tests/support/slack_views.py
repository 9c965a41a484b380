"""Slack's rules for views (modals and App Home), as the fake Slack enforces them, and the
payloads Slack sends back from a view it holds: a view_submission built from the modal as the
fake received it (the fields a person can fill in, and nothing else), and a block_actions click
on a button or menu the view really has.

Slack's limits (https://api.slack.com/reference/surfaces/views, /reference/block-kit/blocks,
/reference/block-kit/block-elements, /reference/block-kit/composition-objects): a modal's title,
submit and close texts at most 24 characters; a modal with input blocks needs a submit; at most
100 blocks; block_ids unique in the view and at most 255 characters; private_metadata 3000,
callback_id 255; an input's label and hint 2000; a plain_text_input's max_length at most 3000
and its initial value no longer; a select's options 1-100, each text at most 75 and value 150,
an initial option among them; checkboxes 1-10 options; a section's text 3000; a header's 150; a
button's text 75 and value 2000; an overflow's options 2-5; action_ids unique in a block.
"""

from __future__ import annotations

import copy
import time
import uuid
from typing import Any

TITLE_CHARS = 24
MAX_BLOCKS = 100
BLOCK_ID_CHARS = 255
METADATA_CHARS = 3000
CALLBACK_ID_CHARS = 255
LABEL_CHARS = 2000
INPUT_CHARS = 3000
OPTION_TEXT_CHARS = 75
OPTION_VALUE_CHARS = 150
SECTION_CHARS = 3000
HEADER_CHARS = 150
BUTTON_TEXT_CHARS = 75
BUTTON_VALUE_CHARS = 2000


def _text_of(obj: Any) -> str | None:
    return obj.get("text") if isinstance(obj, dict) and isinstance(obj.get("text"), str) else None


def view_problems(view: Any, *, surface: str) -> list[str]:
    """Why Slack would refuse this view (`surface`: "modal" or "home"); [] when it would take it.
    Each problem names where, as Slack's `response_metadata.messages` do."""
    problems: list[str] = []

    def bad(where: str, message: str) -> None:
        problems.append(f"[ERROR] {message} [json-pointer:/view{where}]")

    if not isinstance(view, dict):
        return ["[ERROR] view must be an object [json-pointer:/view]"]
    if view.get("type") != surface:
        bad("/type", f"must be {surface!r}")
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        bad("/blocks", "must be a list")
        blocks = []
    if len(blocks) > MAX_BLOCKS:
        bad("/blocks", f"no more than {MAX_BLOCKS} items allowed")
    if surface == "modal":
        for key, required in (("title", True), ("submit", False), ("close", False)):
            text = _text_of(view.get(key))
            if text is None:
                if required:
                    bad(f"/{key}", "is required")
                continue
            if view[key].get("type") != "plain_text":
                bad(f"/{key}/type", "must be plain_text")
            if not text or len(text) > TITLE_CHARS:
                bad(f"/{key}/text", f"must be 1-{TITLE_CHARS} characters")
        if any(isinstance(b, dict) and b.get("type") == "input" for b in blocks) and "submit" not in view:
            bad("/submit", "is required when a view has input blocks")
    if len(str(view.get("private_metadata") or "")) > METADATA_CHARS:
        bad("/private_metadata", f"must be at most {METADATA_CHARS} characters")
    if len(str(view.get("callback_id") or "")) > CALLBACK_ID_CHARS:
        bad("/callback_id", f"must be at most {CALLBACK_ID_CHARS} characters")
    seen: set[str] = set()
    for index, block in enumerate(blocks):
        where = f"/blocks/{index}"
        if not isinstance(block, dict):
            bad(where, "must be an object")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if not isinstance(block_id, str) or not block_id or len(block_id) > BLOCK_ID_CHARS:
                bad(f"{where}/block_id", f"must be 1-{BLOCK_ID_CHARS} characters")
            elif block_id in seen:
                bad(f"{where}/block_id", f"duplicate block_id {block_id!r}")
            seen.add(str(block_id))
        problems.extend(
            f"[ERROR] {m} [json-pointer:/view{where}{p}]" for p, m in _block_problems(block, surface)
        )
    return problems


def _block_problems(block: dict, surface: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    kind = block.get("type")
    if kind == "header":
        text = _text_of(block.get("text")) or ""
        if not text or len(text) > HEADER_CHARS:
            found.append(("/text/text", f"must be 1-{HEADER_CHARS} characters"))
    elif kind == "section":
        text = _text_of(block.get("text"))
        if text is not None and len(text) > SECTION_CHARS:
            found.append(("/text/text", f"must be at most {SECTION_CHARS} characters"))
        if text is None and not block.get("fields"):
            found.append(("/text", "a section needs text or fields"))
        if isinstance(block.get("accessory"), dict):
            found.extend(("/accessory" + p, m) for p, m in _element_problems(block["accessory"]))
    elif kind == "actions":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= 25:
            found.append(("/elements", "must hold 1-25 elements"))
        ids = [e.get("action_id") for e in elements if isinstance(e, dict) and e.get("action_id")]
        if len(ids) != len(set(ids)):
            found.append(("/elements", "action_ids must be unique in a block"))
        for n, element in enumerate(elements):
            found.extend((f"/elements/{n}" + p, m) for p, m in _element_problems(element))
    elif kind == "context":
        if not 1 <= len(block.get("elements") or []) <= 10:
            found.append(("/elements", "must hold 1-10 elements"))
    elif kind == "input":
        if surface != "modal":
            found.append(("/type", "input blocks belong in modals"))
        label = block.get("label")
        if not isinstance(label, dict) or label.get("type") != "plain_text":
            found.append(("/label", "must be a plain_text object"))
        elif not label.get("text") or len(label["text"]) > LABEL_CHARS:
            found.append(("/label/text", f"must be 1-{LABEL_CHARS} characters"))
        hint = _text_of(block.get("hint"))
        if hint is not None and len(hint) > LABEL_CHARS:
            found.append(("/hint/text", f"must be at most {LABEL_CHARS} characters"))
        element = block.get("element")
        if not isinstance(element, dict):
            found.append(("/element", "is required"))
        else:
            found.extend(("/element" + p, m) for p, m in _element_problems(element))
    elif kind not in ("divider", "image", "rich_text", "file", "video"):
        found.append(("/type", f"unknown block type {kind!r}"))
    return found


def _options_problems(options: Any, *, low: int, high: int) -> list[tuple[str, str]]:
    if not isinstance(options, list) or not low <= len(options) <= high:
        return [("/options", f"must hold {low}-{high} options")]
    found = []
    values = []
    for n, option in enumerate(options):
        text = _text_of(option.get("text")) if isinstance(option, dict) else None
        value = option.get("value") if isinstance(option, dict) else None
        if not text or len(text) > OPTION_TEXT_CHARS:
            found.append((f"/options/{n}/text/text", f"must be 1-{OPTION_TEXT_CHARS} characters"))
        if not isinstance(value, str) or not value or len(value) > OPTION_VALUE_CHARS:
            found.append((f"/options/{n}/value", f"must be 1-{OPTION_VALUE_CHARS} characters"))
        values.append(value)
    if len(values) != len(set(values)):
        found.append(("/options", "option values must be unique"))
    return found


def _element_problems(element: Any) -> list[tuple[str, str]]:
    if not isinstance(element, dict):
        return [("", "must be an object")]
    found: list[tuple[str, str]] = []
    kind = element.get("type")
    if kind in ("plain_text_input", "static_select", "checkboxes", "button", "overflow") and not element.get(
        "action_id"
    ):
        found.append(("/action_id", "is required"))
    if kind == "plain_text_input":
        limit = element.get("max_length", INPUT_CHARS)
        if not isinstance(limit, int) or not 1 <= limit <= INPUT_CHARS:
            found.append(("/max_length", f"must be 1-{INPUT_CHARS}"))
            limit = INPUT_CHARS
        initial = element.get("initial_value")
        if initial is not None and (not isinstance(initial, str) or len(initial) > limit):
            found.append(("/initial_value", "must be text no longer than max_length"))
    elif kind == "static_select":
        found.extend(_options_problems(element.get("options"), low=1, high=100))
        initial = element.get("initial_option")
        if initial is not None and initial not in (element.get("options") or []):
            found.append(("/initial_option", "must be one of the options"))
    elif kind == "checkboxes":
        found.extend(_options_problems(element.get("options"), low=1, high=10))
        for option in element.get("initial_options") or []:
            if option not in (element.get("options") or []):
                found.append(("/initial_options", "must be among the options"))
    elif kind == "overflow":
        found.extend(_options_problems(element.get("options"), low=2, high=5))
    elif kind == "button":
        text = _text_of(element.get("text")) or ""
        if not text or len(text) > BUTTON_TEXT_CHARS:
            found.append(("/text/text", f"must be 1-{BUTTON_TEXT_CHARS} characters"))
        if len(str(element.get("value") or "")) > BUTTON_VALUE_CHARS:
            found.append(("/value", f"must be at most {BUTTON_VALUE_CHARS} characters"))
    return found


# -- what Slack sends back from a view it holds ----------------------------------------------
def _state_value(block: dict, given: Any) -> dict[str, Any]:
    """One input's entry in `view.state.values`, as Slack reports it: what was typed or chosen
    (`given`), else what the view itself filled in."""
    element = block["element"]
    kind = element["type"]
    where = f"input {block.get('block_id')!r}"
    if kind == "plain_text_input":
        value = element.get("initial_value") if given is None else given
        if value is not None and not isinstance(value, str):
            raise AssertionError(f"{where}: a text input takes text")
        if value and len(value) > element.get("max_length", INPUT_CHARS):
            raise AssertionError(
                f"{where}: Slack's form stops typing at {element.get('max_length')} characters"
            )
        return {"type": kind, "value": value or None}
    if kind == "static_select":
        options = element.get("options") or []
        if given is None:
            return {"type": kind, "selected_option": element.get("initial_option")}
        chosen = next((o for o in options if o.get("value") == given), None)
        if chosen is None:
            raise AssertionError(f"{where}: the select offers no option {given!r}")
        return {"type": kind, "selected_option": chosen}
    if kind == "checkboxes":
        options = element.get("options") or []
        if given is None:
            return {"type": kind, "selected_options": list(element.get("initial_options") or [])}
        picked = [o for o in options if o.get("value") in set(given)]
        if len(picked) != len(set(given)):
            raise AssertionError(f"{where}: the checkboxes offer no {sorted(set(given))!r}")
        return {"type": kind, "selected_options": picked}
    raise AssertionError(f"{where}: the fake cannot fill a {kind!r} yet")


def _empty(entry: dict[str, Any]) -> bool:
    return not (entry.get("value") or entry.get("selected_option") or entry.get("selected_options"))


def submission(
    view: dict, *, view_id: str, team_id: str, user_id: str, values: dict[str, Any]
) -> dict[str, Any]:
    """The view_submission Slack sends when a person fills in `values` (block_id -> text, an
    option's value, or a list of checkbox values) on the modal as Slack holds it. A block the
    modal lacks, an option it does not offer, or a required field left empty is an
    AssertionError: Slack's form could not send it."""
    inputs = {b.get("block_id"): b for b in view.get("blocks") or [] if b.get("type") == "input"}
    unknown = set(values) - set(inputs)
    if unknown:
        raise AssertionError(f"the modal has no input block {sorted(unknown)!r}")
    state: dict[str, Any] = {}
    for block_id, block in inputs.items():
        entry = _state_value(block, values.get(block_id))
        if _empty(entry) and not block.get("optional", False):
            raise AssertionError(f"Slack's form would not send: {block_id!r} is required")
        state[block_id] = {block["element"]["action_id"]: entry}
    held = copy.deepcopy(view)
    held.update(
        {"id": view_id, "team_id": team_id, "state": {"values": state}, "hash": uuid.uuid4().hex[:16]}
    )
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": "example"},
        "user": {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": team_id},
        "api_app_id": "A0001",
        "token": "verification-token-unused",
        "trigger_id": f"{int(time.time())}.1.{uuid.uuid4().hex[:8]}",
        "view": held,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def find_element(view: dict, *, action_id: str, value: str | None = None) -> tuple[dict, dict]:
    """(block, element) of the button or menu with `action_id` (and `value`, for a button; an
    option's value, for a menu) that the view shows; AssertionError if it shows none."""
    for block in view.get("blocks") or []:
        elements = list(block.get("elements") or [])
        if isinstance(block.get("accessory"), dict):
            elements.append(block["accessory"])
        for element in elements:
            if not isinstance(element, dict) or element.get("action_id") != action_id:
                continue
            if value is None or element.get("value") == value:
                return block, element
            if any(o.get("value") == value for o in element.get("options") or []):
                return block, element
    raise AssertionError(f"the view shows no {action_id!r}" + (f" with {value!r}" if value else ""))


def block_action(
    view: dict, *, view_id: str, team_id: str, user_id: str, action_id: str, value: str | None = None
) -> dict[str, Any]:
    """The block_actions Slack sends when a person clicks `action_id` (choosing `value` from a
    menu) on a view (App Home, or a modal) it holds: no response_url, the view as container."""
    block, element = find_element(view, action_id=action_id, value=value)
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": block.get("block_id") or uuid.uuid4().hex[:5],
        "type": element["type"],
        "action_ts": f"{time.time():.6f}",
    }
    if element["type"] == "button":
        action.update(text=element.get("text"), value=element.get("value"))
    else:
        action["selected_option"] = next(o for o in element.get("options") or [] if o.get("value") == value)
    return {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": team_id},
        "api_app_id": "A0001",
        "token": "verification-token-unused",
        "container": {"type": "view", "view_id": view_id},
        "trigger_id": f"{int(time.time())}.1.{uuid.uuid4().hex[:8]}",
        "team": {"id": team_id, "domain": "example"},
        "enterprise": None,
        "is_enterprise_install": False,
        "view": {**copy.deepcopy(view), "id": view_id, "team_id": team_id},
        "actions": [action],
    }


def ack_problems(view: dict, ack: dict[str, Any]) -> list[str]:
    """Why Slack would not take a view_submission's answer: `errors` keyed by a block that is not
    an input of the view (Slack shows a generic failure instead), or an `update` it would refuse."""
    action = ack.get("response_action")
    if action == "errors":
        inputs = {b.get("block_id") for b in view.get("blocks") or [] if b.get("type") == "input"}
        errors = ack.get("errors")
        if not isinstance(errors, dict) or not errors:
            return ["errors must be a non-empty object"]
        return [
            f"errors names {key!r}, not an input block of the view" for key in errors if key not in inputs
        ]
    if action in ("update", "push"):
        return view_problems(ack.get("view"), surface="modal")
    if action in (None, "clear"):
        return []
    return [f"unknown response_action {action!r}"]
