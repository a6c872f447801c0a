"""The vocabulary and configuration every other part builds on: the bottom layer of the package.

    constants   every default and shared marker           errors     the exception family
    settings    where URL, org id and token come from      ids        what can be a Nuon id
    options     the option table (inputs and outputs)      status     Nuon's status vocabulary (STATUSES, classify)
    redaction   keeping the token out of every text

The package's layers, each importing only from those below it (``tests/layout`` enforces it)::

    front ends  pulumi_nuon.dynamic, pulumi_nuon.native, pulumi_nuon.cli, pulumi_nuon.testing
    gate        pulumi_nuon.gate   waiting on deploys, the gate's rules, what each resource and function does
    api         pulumi_nuon.api    talking to Nuon: the client, requests and retries, the typed payloads
    core        pulumi_nuon.core   this package

Nothing under core, api or gate imports Pulumi (a test imports each module in a fresh interpreter to prove it); only
``api.client`` and ``api.protocol`` import httpx.
"""
