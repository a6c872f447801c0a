"""Every tunable default and shared marker of the package in one place; no logic lives here.

The gate's options and their defaults are declared in :mod:`pulumi_nuon.core.options` (the option table); the
status rules in :mod:`pulumi_nuon.core.status`. Everything else that more than one module needs is here.
"""

from __future__ import annotations

DEFAULT_API_URL = "https://api.nuon.co"
# The connection settings (name, stack config key, environment variable, CLI flag, bounds) are the rows of
# pulumi_nuon.core.settings.SETTINGS; only their size limits live here.

CONFIG_NAMESPACE = "nuon"

# The longest setting values accepted (ConfigurationError beyond): Nuon's tokens are a few hundred characters at
# most, and a value far longer is a paste gone wrong. Every value is also bounded so nothing downstream (the
# redactor, httpx's URL parser, a header) ever works on an unbounded string.
MAX_TOKEN_LENGTH = 4096
MAX_URL_LENGTH = 2048

# A short connect timeout fails fast on a dead host; the read timeout allows for multi-megabyte release pages.
DEFAULT_CONNECT_TIMEOUT = 5.0
# The time limit of one attempt, from connecting to the last byte of the body (not per read: a body trickled a
# byte at a time must not outlast it).
DEFAULT_TIMEOUT = 30.0
# The time limit of one call to Nuon, every attempt and every wait between retries included: a dead API costs a
# read this long at most (not attempts x timeout). The `requestTimeout` setting changes it.
DEFAULT_REQUEST_TIMEOUT = 30.0
# An attempt is not started with less time than this left: it could not finish, and a zero timeout would make a
# socket non-blocking rather than quick.
MIN_ATTEMPT_TIME = 0.05
# Both clients wait for an attempt's exchange (the sync one on a worker thread) until the call's deadline, and this
# much longer: the attempt's own limits (httpx's per-read timeouts, the body reader's deadline) normally end it
# first; the wait is the backstop against a server that trickles its headers, and the margin keeps a busy machine's
# scheduling from turning a late but correct answer (or error) into a timeout.
DEADLINE_GRACE = 0.25
# Longer than this is no longer a time limit; a gate has its own, longer deadline (timeout_seconds).
MAX_REQUEST_TIMEOUT = 3600.0
# A body larger than this is refused (ResponseTooLargeError) rather than read into memory. A release can weigh
# several megabytes and the listing asks for 100 per page; past this the listing asks for smaller pages.
MAX_RESPONSE_BYTES = 64 * 1024 * 1024

# Retries after the first attempt: 2 retries means 3 attempts in all.
DEFAULT_MAX_RETRIES = 2
# More retries than this only hide an outage (and, with backoff, outlast any sane deadline).
MAX_RETRIES = 10
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
# A Retry-After longer than this is clamped to it: a gate has its own deadline and must not sleep for an hour.
MAX_RETRY_AFTER = 60.0

# The data-source functions share their sync clients (one per settings, so reads reuse connections); at most
# this many are kept open at once, the least recently used closed beyond that.
MAX_SHARED_CLIENTS = 8

# Paths whose joined URL a client remembers (a fleet's installs, a program's reads); beyond that it starts again.
MAX_CACHED_URLS = 4096

# Nuon caps `limit` at 100 silently; asking for more only hides the cap.
RELEASES_PAGE_SIZE = 100
# Guard against a server that never says "no next page": 1,000 pages of 100 releases is far beyond any real app.
MAX_RELEASE_PAGES = 1_000

MAX_ID_LENGTH = 128
# How much of an unparseable body an error message quotes.
ERROR_BODY_EXCERPT = 200

# Polling faster than this hammers Nuon (and the token's rate limit); a loopback API URL (a local simulator) may
# be polled faster, down to LOOPBACK_MIN_POLL_INTERVAL.
MIN_POLL_INTERVAL = 1.0
LOOPBACK_MIN_POLL_INTERVAL = 0.01
# The longest a gate may wait (and its approval and 404 limits): a week. Longer than any CI job may run (GitHub
# Actions stops self-hosted jobs after 5 days) and any rollout a Pulumi update should hold; an approval that may
# take longer is better gated again later (triggers) than held in one update. Finite, so no deadline is infinite.
MAX_WAIT_SECONDS = 7 * 24 * 3600.0

# A token shorter than this cannot be told from ordinary words: it is redacted only where it stands alone (not
# inside a word, so a 1-character token never mangles Nuon's text), and not in its escaped or base64 forms.
MIN_REDACT_LENGTH = 8

# A fleet's requests in flight (`max_concurrency`): at most MAX_CONCURRENCY when set. Unset, just enough for one
# round of polls of the whole fleet to take ROUND_SHARE of the poll interval when a read takes ASSUMED_READ_SECONDS
# (Nuon over the internet), within [AUTO_CONCURRENCY_MIN, AUTO_CONCURRENCY_MAX] (options.auto_concurrency): 8 up
# to 200 installs at the default 10 s interval, 20 for 500. Past ~24 in flight a round is bound by the CPU httpx
# spends per request (~1.3 ms on 2 shared cores, measured with `make bench`), and a larger burst is likelier to
# meet Nuon's rate limit. Clients keep up to MAX_CONCURRENCY connections alive, so a round reuses its connections.
MAX_CONCURRENCY = 64
AUTO_CONCURRENCY_MIN = 8
AUTO_CONCURRENCY_MAX = 32
ASSUMED_READ_SECONDS = 0.2
ROUND_SHARE = 0.5

# A deploy's time up to this far ahead of this machine's clock is clock skew; further ahead, it says nothing of when the
# deploy finished (the gate warns, as for a deploy older than itself).
MAX_CLOCK_SKEW = 300.0

# The waiter sleeps in slices this long at most, so cancellation and the deadline are noticed quickly.
WAIT_SLEEP_SLICE = 0.5
# Each sleep between polls is the poll interval less up to this fraction, so a fleet's polls spread out.
POLL_JITTER = 0.1

# `pulumi-nuon demo`: simulated seconds per real second, and how long the demo scenario's deploy takes in simulated
# seconds (a test checks it against the scenario): the gate waits about 16 / 1.25 = 13 s (13.2-13.6 s measured,
# the polls' granularity on top). (Here rather than in the demo module: `pulumi-nuon --help` shows it without
# importing the demo.)
DEMO_SPEED = 1.25
DEMO_DEPLOY_SECONDS = 16.0

# Exit codes of the `pulumi-nuon` CLI.
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_TIMEOUT = 2
EXIT_ERROR = 3
EXIT_INTERRUPTED = 130
# Terminated by SIGTERM (128 + 15, what a shell reports for a process killed by it).
EXIT_TERMINATED = 143
