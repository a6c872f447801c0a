"""Every tunable default and shared marker of the package in one place; no logic lives here.

The gate's options and their defaults are declared in :mod:`pulumi_nuon.core.options` (the option table); the
status rules in :mod:`pulumi_nuon.core.status`. Everything else that more than one module needs is here.
"""

from __future__ import annotations

DEFAULT_API_URL = "https://api.nuon.co"

ENV_API_TOKEN = "NUON_API_TOKEN"
ENV_ORG_ID = "NUON_ORG_ID"
ENV_API_URL = "NUON_API_URL"

CONFIG_NAMESPACE = "nuon"
CONFIG_API_TOKEN = "nuon:apiToken"
CONFIG_ORG_ID = "nuon:orgId"
CONFIG_API_URL = "nuon:apiUrl"

# A short connect timeout fails fast on a dead host; the read timeout allows for multi-megabyte release pages.
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_TIMEOUT = 30.0

# Retries after the first attempt: 2 retries means 3 attempts in all.
DEFAULT_MAX_RETRIES = 2
# More retries than this only hide an outage (and, with backoff, outlast any sane deadline).
MAX_RETRIES = 10
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
# A Retry-After longer than this is clamped to it: a gate has its own deadline and must not sleep for an hour.
MAX_RETRY_AFTER = 60.0

# Nuon caps `limit` at 100 silently; asking for more only hides the cap.
RELEASES_PAGE_SIZE = 100
# Guard against a server that never says "no next page": 1,000 pages of 100 releases is far beyond any real app.
MAX_RELEASE_PAGES = 1_000

MAX_ID_LENGTH = 128
# How much of an unparseable body an error message quotes.
ERROR_BODY_EXCERPT = 200

# The waiter sleeps in slices this long at most, so cancellation and the deadline are noticed quickly.
WAIT_SLEEP_SLICE = 0.5
# Each sleep between polls is the poll interval less up to this fraction, so a fleet's polls spread out.
POLL_JITTER = 0.1

# Exit codes of the `pulumi-nuon` CLI.
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_TIMEOUT = 2
EXIT_ERROR = 3
EXIT_INTERRUPTED = 130
