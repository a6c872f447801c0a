"""The README's generated blocks: tables rendered from the option table and the status rules.

A block sits between ``<!-- BEGIN generated: NAME -->`` and ``<!-- END generated: NAME -->``. A test keeps every
block equal to what this module renders; ``make docs`` (``python -m tests.docs``) rewrites them in place.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from pulumi_nuon.core.options import COMPONENT_RELEASES, DEPLOY_GATE, LATEST_DEPLOY, render_options_markdown
from pulumi_nuon.core.settings import render_settings_markdown
from pulumi_nuon.core.status import render_rules_markdown

README = Path(__file__).resolve().parents[1] / "README.md"
_BLOCK = re.compile(r"<!-- BEGIN generated: (?P<name>[\w-]+) -->\n(?P<body>.*?)<!-- END generated: (?P=name) -->", re.S)


def rendered() -> dict[str, str]:
    """Each generated block's text, by name."""
    return {
        "settings": render_settings_markdown(),
        "gate-options": render_options_markdown(DEPLOY_GATE),
        "gate-rules": render_rules_markdown(),
        "latest-deploy-options": render_options_markdown(LATEST_DEPLOY),
        "component-releases-options": render_options_markdown(COMPONENT_RELEASES),
    }


def generated_blocks(text: str | None) -> dict[str, str]:
    """The blocks found in ``text`` by name; with ``None``, the blocks as they should be."""
    if text is None:
        return rendered()
    return {m["name"]: m["body"].removesuffix("\n") for m in _BLOCK.finditer(text)}


def rewrite(text: str) -> str:
    """``text`` with every generated block replaced by its rendering."""
    blocks = rendered()
    return _BLOCK.sub(
        lambda m: f"{m.group(0).splitlines()[0]}\n{blocks[m['name']]}\n<!-- END generated: {m['name']} -->", text
    )


if __name__ == "__main__":
    README.write_text(rewrite(README.read_text()))
    sys.stdout.write(f"rewrote the generated blocks of {README}\n")
