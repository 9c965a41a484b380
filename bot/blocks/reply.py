"""A private reply: fallback text plus blocks, and the canned ones every listener may send."""

from __future__ import annotations

from dataclasses import dataclass, field

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock


@dataclass(frozen=True)
class Reply:
    text: str
    blocks: list[Block] = field(default_factory=list)

    @classmethod
    def plain(cls, text: str) -> Reply:
        return cls(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text))])

    def payload(self) -> dict:
        return {"text": self.text, "blocks": [block.to_dict() for block in self.blocks]}


NOT_AVAILABLE = Reply.plain(
    "That question is not available. Try `/leader-quiz practice` for one of your own."
)
UNAVAILABLE = Reply.plain(
    "leader-quiz is temporarily unavailable, try again in a minute. Nothing was recorded."
)
