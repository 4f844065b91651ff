"""Block Kit validation with Slack's documented limits.

Errors are returned as Slack words them in an ``invalid_blocks`` response's ``errors``, e.g.
``"must be less than 51 items [json-pointer:/blocks]"`` (``response_metadata.messages`` carries
the same strings prefixed with ``[ERROR] ``). Not a full schema: it checks
structure and the limits that real apps hit (lengths, counts, unique ids, required fields).
"""

from __future__ import annotations

from typing import Any

MESSAGE_MAX_BLOCKS = 50
SURFACE_MAX_BLOCKS = 100

BLOCK_TYPES = {
    "actions",
    "context",
    "context_actions",
    "divider",
    "file",
    "header",
    "image",
    "input",
    "markdown",
    "rich_text",
    "section",
    "table",
    "video",
}
SELECT_TYPES = {
    "static_select",
    "multi_static_select",
    "external_select",
    "multi_external_select",
    "users_select",
    "multi_users_select",
    "conversations_select",
    "multi_conversations_select",
    "channels_select",
    "multi_channels_select",
}
INPUT_TYPES = {
    "plain_text_input",
    "email_text_input",
    "url_text_input",
    "number_input",
    "rich_text_input",
    "datepicker",
    "timepicker",
    "datetimepicker",
    "checkboxes",
    "radio_buttons",
    "file_input",
}
INTERACTIVE_TYPES = {"button", "overflow", "workflow_button"} | SELECT_TYPES | INPUT_TYPES


class _Checker:
    """Collects errors while walking one message or view; tracks id uniqueness."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.action_ids: set[str] = set()
        self.block_ids: set[str] = set()

    def fail(self, pointer: str, message: str) -> None:
        self.errors.append(f"{message} [json-pointer:{pointer}]")

    def string(
        self, value: Any, pointer: str, *, max_len: int, required: bool = False, min_len: int = 0
    ) -> None:
        if value is None:
            if required:
                self.fail(pointer, "missing required field")
            return
        if not isinstance(value, str):
            self.fail(pointer, "must be a string")
        elif len(value) > max_len:
            self.fail(pointer, f"must be less than {max_len + 1} characters")
        elif len(value) < min_len:
            self.fail(pointer, f"must be more than {min_len - 1} characters")

    def items(self, value: Any, pointer: str, *, max_items: int, min_items: int = 1) -> list[Any]:
        if not isinstance(value, list):
            self.fail(pointer, "must be an array")
            return []
        if len(value) > max_items:
            self.fail(pointer, f"must be less than {max_items + 1} items")
        if len(value) < min_items:
            self.fail(pointer, f"must provide at least {min_items} items")
        return value

    def text(
        self,
        obj: Any,
        pointer: str,
        *,
        max_len: int,
        plain_only: bool = False,
        required: bool = True,
    ) -> None:
        """A composition text object: {"type": "plain_text"|"mrkdwn", "text": "..."}."""
        if obj is None:
            if required:
                self.fail(pointer, "missing required field")
            return
        if not isinstance(obj, dict):
            self.fail(pointer, "must be a text object")
            return
        allowed = {"plain_text"} if plain_only else {"plain_text", "mrkdwn"}
        if obj.get("type") not in allowed:
            self.fail(f"{pointer}/type", f"must be one of {sorted(allowed)}")
        self.string(obj.get("text"), f"{pointer}/text", max_len=max_len, required=True, min_len=1)

    def unique_id(self, value: Any, pointer: str, seen: set[str]) -> None:
        if value is None:
            return
        self.string(value, pointer, max_len=255, min_len=1)
        if isinstance(value, str):
            if value in seen:
                self.fail(pointer, f"duplicate id {value!r}")
            seen.add(value)


def _check_options(c: _Checker, options: Any, pointer: str, *, max_items: int) -> None:
    for i, option in enumerate(c.items(options, pointer, max_items=max_items)):
        if not isinstance(option, dict):
            c.fail(f"{pointer}/{i}", "must be an option object")
            continue
        c.text(option.get("text"), f"{pointer}/{i}/text", max_len=75)
        c.string(option.get("value"), f"{pointer}/{i}/value", max_len=150, required=True)


def _check_element(c: _Checker, element: Any, pointer: str, *, allowed: set[str]) -> None:
    """An interactive (or image) element inside actions, section accessory or input."""
    if not isinstance(element, dict) or element.get("type") not in allowed:
        c.fail(pointer, f"must be an element of type {sorted(allowed)}")
        return
    kind = element["type"]
    if kind == "image":
        _check_image(c, element, pointer)
        return
    c.unique_id(element.get("action_id"), f"{pointer}/action_id", c.action_ids)
    if "placeholder" in element:
        c.text(element["placeholder"], f"{pointer}/placeholder", max_len=150, plain_only=True)
    if kind in {"button", "workflow_button"}:
        c.text(element.get("text"), f"{pointer}/text", max_len=75, plain_only=True)
        c.string(element.get("value"), f"{pointer}/value", max_len=2000)
        c.string(element.get("url"), f"{pointer}/url", max_len=3000)
        if element.get("style") not in (None, "primary", "danger"):
            c.fail(f"{pointer}/style", "must be one of ['danger', 'primary']")
    elif kind in {"static_select", "multi_static_select"}:
        if "option_groups" not in element:
            _check_options(c, element.get("options"), f"{pointer}/options", max_items=100)
    elif kind == "overflow":
        _check_options(c, element.get("options"), f"{pointer}/options", max_items=5)
    elif kind in {"checkboxes", "radio_buttons"}:
        _check_options(c, element.get("options"), f"{pointer}/options", max_items=10)
    elif kind == "plain_text_input":
        c.string(element.get("initial_value"), f"{pointer}/initial_value", max_len=3000)


def _check_image(c: _Checker, block: dict[str, Any], pointer: str) -> None:
    if "image_url" not in block and "slack_file" not in block:
        c.fail(f"{pointer}/image_url", "missing required field")
    c.string(block.get("image_url"), f"{pointer}/image_url", max_len=3000)
    c.string(block.get("alt_text"), f"{pointer}/alt_text", max_len=2000, required=True)


def _check_section(c: _Checker, block: dict[str, Any], pointer: str) -> None:
    if "text" not in block and "fields" not in block:
        c.fail(pointer, "must provide either text or fields")
    if "text" in block:
        c.text(block["text"], f"{pointer}/text", max_len=3000)
    if "fields" in block:
        for i, item in enumerate(c.items(block["fields"], f"{pointer}/fields", max_items=10)):
            c.text(item, f"{pointer}/fields/{i}", max_len=2000)
    if "accessory" in block:
        allowed = INTERACTIVE_TYPES - {"plain_text_input", "rich_text_input", "file_input"}
        _check_element(c, block["accessory"], f"{pointer}/accessory", allowed=allowed | {"image"})


def _check_context(c: _Checker, block: dict[str, Any], pointer: str) -> None:
    for i, item in enumerate(c.items(block.get("elements"), f"{pointer}/elements", max_items=10)):
        item_pointer = f"{pointer}/elements/{i}"
        if isinstance(item, dict) and item.get("type") == "image":
            _check_image(c, item, item_pointer)
        else:
            c.text(item, item_pointer, max_len=3000)


def _check_actions(c: _Checker, block: dict[str, Any], pointer: str) -> None:
    elements = c.items(block.get("elements"), f"{pointer}/elements", max_items=25)
    allowed = INTERACTIVE_TYPES - {"plain_text_input", "file_input"}
    for i, element in enumerate(elements):
        _check_element(c, element, f"{pointer}/elements/{i}", allowed=allowed)


def _check_input(c: _Checker, block: dict[str, Any], pointer: str) -> None:
    c.text(block.get("label"), f"{pointer}/label", max_len=2000, plain_only=True)
    c.text(block.get("hint"), f"{pointer}/hint", max_len=2000, plain_only=True, required=False)
    if "element" not in block:
        c.fail(f"{pointer}/element", "missing required field")
    else:
        _check_element(c, block["element"], f"{pointer}/element", allowed=INTERACTIVE_TYPES)


def _check_block(c: _Checker, block: Any, pointer: str) -> None:
    if not isinstance(block, dict):
        c.fail(pointer, "must be an object")
        return
    kind = block.get("type")
    if kind not in BLOCK_TYPES:
        c.fail(f"{pointer}/type", f"unknown block type {kind!r}")
        return
    c.unique_id(block.get("block_id"), f"{pointer}/block_id", c.block_ids)
    if kind == "section":
        _check_section(c, block, pointer)
    elif kind == "header":
        c.text(block.get("text"), f"{pointer}/text", max_len=150, plain_only=True)
    elif kind == "context":
        _check_context(c, block, pointer)
    elif kind == "actions":
        _check_actions(c, block, pointer)
    elif kind == "input":
        _check_input(c, block, pointer)
    elif kind == "image":
        _check_image(c, block, pointer)
        c.text(block.get("title"), f"{pointer}/title", max_len=2000, required=False)
    elif kind == "markdown":
        c.string(block.get("text"), f"{pointer}/text", max_len=12000, required=True, min_len=1)
    elif kind == "rich_text":
        c.items(block.get("elements"), f"{pointer}/elements", max_items=10_000, min_items=0)


def _walk_blocks(c: _Checker, blocks: Any, pointer: str, *, max_blocks: int) -> list[Any]:
    items = c.items(blocks, pointer, max_items=max_blocks, min_items=0)
    for i, block in enumerate(items):
        _check_block(c, block, f"{pointer}/{i}")
    return items


def validate_blocks(blocks: Any, *, max_blocks: int = MESSAGE_MAX_BLOCKS) -> list[str]:
    """Errors for a message's ``blocks`` (empty list when valid)."""
    checker = _Checker()
    _walk_blocks(checker, blocks, "/blocks", max_blocks=max_blocks)
    return checker.errors


def validate_view(view: Any, *, allowed_types: set[str]) -> list[str]:
    """Errors for a modal or Home tab ``view`` object (empty list when valid)."""
    c = _Checker()
    if not isinstance(view, dict):
        c.fail("/view", "must be a view object")
        return c.errors
    if view.get("type") not in allowed_types:
        c.fail("/view/type", f"must be one of {sorted(allowed_types)}")
    blocks = _walk_blocks(c, view.get("blocks"), "/view/blocks", max_blocks=SURFACE_MAX_BLOCKS)
    if view.get("type") == "modal":
        c.text(view.get("title"), "/view/title", max_len=24, plain_only=True)
        for key in ("submit", "close"):
            c.text(view.get(key), f"/view/{key}", max_len=24, plain_only=True, required=False)
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_input and "submit" not in view:
            c.fail("/view/submit", "submit is required when an input block is present")
    c.string(view.get("private_metadata"), "/view/private_metadata", max_len=3000)
    c.string(view.get("callback_id"), "/view/callback_id", max_len=255)
    c.string(view.get("external_id"), "/view/external_id", max_len=255)
    return c.errors
