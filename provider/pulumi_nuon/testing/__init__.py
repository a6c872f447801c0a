"""Test tools for programs that use pulumi-nuon: a Nuon simulator and a local engine.

Nothing here is needed at run time; it exists so this repository's tests, the demo and users' own tests can run
offline, with no Nuon account and no Pulumi CLI.
"""
