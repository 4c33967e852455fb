"""Who adds cables to the index, what they may change, and what an ingest refused: provenance (the channel's name
is stored with every cable it adds) and the rule that keeps one user's upload from rewriting what others read."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Channel:
    """Who adds cables and what they may change: `cables ingest` (its user owns the index) replaces a cable whose
    text changed; an upload from the chat (any user of a shared server) only adds, and a cable already in the index
    with other text is refused. Sources are stored relative to `root` (an upload's temporary folder)."""

    via: str = "cli"  # cli | ui | another channel's name, stored with every cable it adds
    replace: bool = True
    root: str = ""


COMMAND_LINE = Channel()


@dataclass(frozen=True)
class Refusal:
    """A cable an ingest did not store: `source` offered other text for a cable the index holds from `held_*`."""

    cable_id: str
    source: str
    held_source: str
    held_added: str
    held_via: str

    def message(self) -> str:
        added = self.held_added or "before provenance was recorded"
        return (
            f"{self.cable_id} is already in the index from {self.held_source or 'an earlier ingest'} "
            f"(added {added} via {self.held_via or 'an unrecorded channel'}) with other text; an upload cannot "
            "replace it — ingest it from the command line to replace it"
        )
