"""Talking to Nuon: the second layer, on :mod:`pulumi_nuon.core` and nothing above it.

models      typed Nuon payloads (pydantic)             protocol   request building, retries, parsing, paging
client      NuonClient / AsyncNuonClient (httpx)       shared     the clients the data-source functions share
"""
