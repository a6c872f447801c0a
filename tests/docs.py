"""The docs' generated blocks: tables rendered from the option table, the settings and the status rules.

A block sits between ``<!-- BEGIN generated: NAME -->`` and ``<!-- END generated: NAME -->``, in the README or a page
of ``docs/`` (:data:`PAGES`). A test keeps every block equal to what this module renders, each block in exactly one
page; ``make docs`` (``python -m tests.docs``) rewrites them in place.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from pulumi_nuon.core.options import COMPONENT_RELEASES, DEPLOY_GATE, LATEST_DEPLOY, render_options_markdown
from pulumi_nuon.core.settings import render_settings_markdown
from pulumi_nuon.core.status import render_rules_markdown

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = (README, ROOT / "docs/reference.md")
"""The files that hold generated blocks."""
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


def blocks_in_pages() -> list[tuple[Path, str, str]]:
    """(page, block name, block text) of every generated block in :data:`PAGES`."""
    return [(page, name, body) for page in PAGES for name, body in generated_blocks(page.read_text()).items()]


def rewrite(text: str) -> str:
    """``text`` with every generated block replaced by its rendering."""
    blocks = rendered()
    return _BLOCK.sub(
        lambda m: f"{m.group(0).splitlines()[0]}\n{blocks[m['name']]}\n<!-- END generated: {m['name']} -->", text
    )


if __name__ == "__main__":
    for page in PAGES:
        page.write_text(rewrite(page.read_text()))
        sys.stdout.write(f"rewrote the generated blocks of {page.relative_to(ROOT)}\n")
