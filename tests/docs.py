"""The docs' generated blocks: tables rendered from the option table, the settings and the status rules, and the
Registry-style pages' examples, taken from the example programs.

A block sits between ``<!-- BEGIN generated: NAME -->`` and ``<!-- END generated: NAME -->``, in the README or a page
of ``docs/`` (:data:`PAGES`). A test keeps every block equal to what this module renders, each block in exactly one
page; ``make docs`` (``python -m tests.docs``) rewrites them in place.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from pulumi_nuon._version import __version__
from pulumi_nuon.core.options import COMPONENT_RELEASES, DEPLOY_GATE, LATEST_DEPLOY, render_options_markdown
from pulumi_nuon.core.settings import SETTINGS, SettingSpec, render_settings_markdown
from pulumi_nuon.gate.rules import render_rules_markdown
from pulumi_nuon.native.schema import GO_IMPORT_BASE, LANGUAGE

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = (
    README,
    ROOT / "docs/reference.md",
    ROOT / "docs/registry/_index.md",
    ROOT / "docs/registry/installation-configuration.md",
    ROOT / "docs/engine.md",
)
"""The files that hold generated blocks."""

REGISTRY_EXAMPLES = (
    ("typescript", "TypeScript", (("", "examples/typescript-gate/index.ts"),)),
    (
        "python",
        "Python",
        (
            ("The dynamic resources (`pulumi_nuon`, no plugin)", "examples/gated-rollout/__main__.py"),
            ("The generated SDK (`pulumi_nuon_native`, the plugin)", "examples/python-sdk-gate/__main__.py"),
        ),
    ),
    ("go", "Go", (("", "examples/go-gate/gate/gate.go"),)),
    ("yaml", "YAML", (("", "examples/yaml-gate/Pulumi.yaml"),)),
)
"""The Registry page's example per language (Hugo chooser id, heading, (caption, example file) ...): the example
programs themselves, which make test and make e2e run, never a copy."""
_BLOCK = re.compile(r"<!-- BEGIN generated: (?P<name>[\w-]+) -->\n(?P<body>.*?)<!-- END generated: (?P=name) -->", re.S)


def rendered() -> dict[str, str]:
    """Each generated block's text, by name."""
    return {
        "settings": render_settings_markdown(),
        "gate-options": render_options_markdown(DEPLOY_GATE),
        "gate-rules": render_rules_markdown(),
        "latest-deploy-options": render_options_markdown(LATEST_DEPLOY),
        "component-releases-options": render_options_markdown(COMPONENT_RELEASES),
        "registry-examples": render_registry_examples(),
        "registry-packages": render_registry_packages(),
        "registry-config": render_registry_config(),
        "differential-not-modeled": render_not_modeled(),
        "differential-table": render_differential_table(),
    }


def render_not_modeled() -> str:
    """The differential table's "not modeled" rows (tests/e2e/differential.py's `NOT_MODELED`)."""
    from tests.e2e.differential import NOT_MODELED

    lines = ["| scenarios | operation | field | real engine | LocalEngine | why |", "|---|---|---|---|---|---|"]
    for row in NOT_MODELED:
        op = "every" if row.op == "*" else row.op
        lines.append(
            f"| {', '.join(row.scenarios)} | {op} | `{row.field}` | `{row.real}` | `{row.stand_in}` | {row.why} |"
        )
    return "\n".join(lines)


def render_differential_table() -> str:
    """The differential table's figures, from docs/differential.json (`make differential` writes it)."""
    from tests.e2e.differential_table import render_committed

    return render_committed().rstrip("\n")


def render_registry_examples() -> str:
    """Each language's example program, in the Registry's language chooser (Hugo shortcodes)."""
    ids = ",".join(lang for lang, _, _ in REGISTRY_EXAMPLES)
    lines = [f'{{{{< chooser language "{ids}" >}}}}']
    for lang, heading, files in REGISTRY_EXAMPLES:
        lines += [f"{{{{% choosable language {lang} %}}}}", "", f"**{heading}**", ""]
        for caption, name in files:
            if caption:
                lines += [f"{caption}, [`{name}`](../../{name}):", ""]
            else:
                lines += [f"[`{name}`](../../{name}):", ""]
            lines += [f"```{lang}", (ROOT / name).read_text().rstrip("\n"), "```", ""]
        lines.append("{{% /choosable %}}")
    lines.append("{{< /chooser >}}")
    return "\n".join(lines)


def render_registry_packages() -> str:
    """The SDK of each language: the names from the schema's ``language`` section, where each comes from today."""
    npm, python = LANGUAGE["nodejs"]["packageName"], LANGUAGE["python"]["packageName"]
    module = GO_IMPORT_BASE.rpartition("/go/")[0]
    dotnet = f"{LANGUAGE['csharp']['rootNamespace']}.Nuon"  # the generator's namespace: root + the package's name
    wheel = f"dist/{python}-{__version__}-py3-none-any.whl"
    java = LANGUAGE["java"]["basePackage"]  # the Maven group; the artifact is the package's name
    rows = [
        (
            "TypeScript / JavaScript",
            f"`{npm}` ([`sdk/nodejs`](../../sdk/nodejs))",
            "`make test-deps` compiles it into `sdk/nodejs/bin`; `npm install /path/to/pulumi-nuon/sdk/nodejs/bin`",
            f'`import * as nuon from "{npm}";`',
        ),
        (
            "Python: the dynamic resources (no plugin)",
            "`pulumi-nuon` (this repository's package)",
            "`pip install /path/to/pulumi-nuon`",
            "`import pulumi_nuon as nuon`",
        ),
        (
            "Python: the generated SDK (the plugin)",
            f"`{python}` ([`sdk/python`](../../sdk/python))",
            f"`make sdk-wheel`, then `pip install {wheel}`",
            f"`import {python} as nuon`",
        ),
        (
            "Go",
            f"`{GO_IMPORT_BASE}` ([`sdk/go`](../../sdk/go))",
            f"in go.mod: `require {module} v{__version__}` and `replace {module} => /path/to/pulumi-nuon/sdk`",
            f'`import "{GO_IMPORT_BASE}"`',
        ),
        (
            "C# (generated, not compiled here)",
            f"`{dotnet}` ([`sdk/dotnet`](../../sdk/dotnet))",
            f"`dotnet add reference /path/to/pulumi-nuon/sdk/dotnet/{dotnet}.csproj`",
            f'`new {dotnet}.DeployGate("gate", new() {{ ... }})`',
        ),
        (
            "Java (compiled here, not run)",
            f"`{java}:nuon` ([`sdk/java`](../../sdk/java))",
            "`gradle publishToMavenLocal` in `sdk/java` (not run here: these machines have no Gradle), then "
            f"depend on `{java}:nuon:{__version__}`",
            f"`import {java}.nuon.DeployGate;`",
        ),
        (
            "YAML",
            "none: YAML reads the types from the plugin's schema",
            "the plugin only",
            "`type: nuon:index:DeployGate`",
        ),
    ]
    lines = ["| language | SDK | install (from a checkout) | in a program |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines)


def render_registry_config() -> str:
    """Every provider config key with its environment variable, from :data:`SETTINGS`, and the commands that set
    them both ways."""
    lines = ["| config key | environment variable | type | default | what |", "|---|---|---|---|---|"]
    for setting in SETTINGS:
        secret = " (secret)" if setting.secret else ""
        default = (
            "required"
            if setting.default is None
            else f"`{setting.default:g}`"
            if isinstance(setting.default, float)
            else f"`{setting.default}`"
        )
        doc = f"{setting.doc.rstrip('.')} ({setting.bounds_text()})."
        lines.append(f"| `{setting.config_key}`{secret} | `{setting.env}` | {setting.type} | {default} | {doc} |")

    def value(setting: SettingSpec) -> str:  # the default, else what an id looks like
        if setting.default is None:
            return "org..."
        return f"{setting.default:g}" if isinstance(setting.default, float) else str(setting.default)

    sets = [
        f"pulumi config set --secret {s.config_key}    # prompts for the value"
        if s.secret
        else f"pulumi config set {s.config_key} {value(s)}"
        for s in SETTINGS
    ]
    exports = [
        f"read -rs {s.env} && export {s.env}    # typed without echo, kept out of the shell's history"
        if s.secret
        else f"export {s.env}={value(s)}"
        for s in SETTINGS
    ]
    lines += ["", "With stack config:", "", "```sh", *sets, "```", "", "Or with environment variables:", "", "```sh"]
    lines += [*exports, "```"]
    return "\n".join(lines)


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
