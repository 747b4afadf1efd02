"""Commands of the exports and the import (registered by pathways.cli)."""

from __future__ import annotations

import click

COMMANDS: tuple[click.Command, ...] = ()
