"""The sample mobile client of ruqi (扫码入企): a typed HTTP client and a CLI playing two phones.

- the inspector's phone: log in, list today's visits, show a visit's code, scan the enterprise's code to
  check in, check out — every write queued in a local outbox first and sent by ``sync``;
- the enterprise's phone: verify a visit code online or offline (cached JWK Set and revocations), follow
  the visit live, rate it, complain.

It talks to the server over its public HTTP API only (``clients.sample_mobile.api_client``); the code
format is re-implemented in ``tokens`` from its documentation, as a phone app would.
"""

__version__ = "0.1.0"
