"""The Nuon core: settings, the API client, models, status rules, waiting and the option table.

Nothing in this package imports Pulumi (a test imports each module in a fresh interpreter to prove it); only
``client`` and ``protocol`` import httpx. The Pulumi front ends (:mod:`pulumi_nuon.dynamic`, the native plugin),
the CLI and :mod:`pulumi_nuon.testing` are built on it; it depends on none of them.

    constants   every default and shared marker          errors     the exception family
    settings    where URL, org id and token come from     ids        what can be a Nuon id
    options     the option table (inputs and outputs)     status     the status rules (GATE_RULES)
    models      typed Nuon payloads (pydantic)            protocol   request building, retries, parsing, paging
    client      NuonClient / AsyncNuonClient (httpx)      wait       waiting for deploys (the gate's engine)
    views       the flat values every front end shows     operations  what each resource and function does (ids,
                                                                      reads, the gate's wait) on the async client
"""
