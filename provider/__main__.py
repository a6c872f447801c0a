"""Run this directory as the `nuon` provider plugin: `python provider <engine address>` (what Pulumi's Python
language host does for a plugin directory with `PulumiPlugin.yaml` and a `__main__.py`).

The directory is first on `sys.path`, so `pulumi_nuon` is this checkout's own; `requirements.txt` installs it
(and with it `pulumi`, `httpx`, `pydantic`) into the plugin's virtualenv.
"""

from pulumi_nuon.native import main

if __name__ == "__main__":
    main()
