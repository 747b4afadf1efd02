"""Commands of the security part (registered by pathways.cli)."""

from __future__ import annotations

import click

COMMANDS: tuple[click.Command, ...] = ()
