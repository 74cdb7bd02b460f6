"""Fetching cited URLs: what a fetch concluded (models.py: FetchResult, ErrorKind) and the machinery that
fetches, each module one job. Importing this package costs nothing: the models only, never requests.

client.py (Fetcher: one requests.Session, redirects, retries, the deadline) → attempts.py (one fetch's
plan, state and answers) → transport.py (the deadline watchdog, watched and pinned connections),
addresses.py (which addresses are public), resolve.py (DNS within the deadline), decoders.py (bodies within
a byte cap), failures.py (what went wrong, in words), pauses.py (hosts that asked us to wait); scheduler.py
(fetch_all: per-host slots, paused hosts, retries after an outage) → network.py (the NetworkWatch) → canary.py (is our own network up?), outages.py (when it was not).
"""

from civicheck.fetch.models import ErrorKind, FetchResult

__all__ = ["ErrorKind", "FetchResult"]
