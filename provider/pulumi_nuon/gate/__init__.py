"""Waiting on deploys and what each resource does: the third layer, on :mod:`pulumi_nuon.api` and
:mod:`pulumi_nuon.core`. No Pulumi here: the front ends (:mod:`pulumi_nuon.dynamic`, the native plugin, the CLI) run
these.

    inputs      what a gate is asked (WaitOptions, checks)  rules      the gate's rules (GATE_RULES)
    wait        waiting for deploys (the gate's engine)     views      the flat values every front end shows
    state       a gate's outputs as state keeps them (compact) and back
    operations  what each resource and function does (ids, reads, the gate's wait) on the async client
"""
