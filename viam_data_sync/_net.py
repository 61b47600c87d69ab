"""Small network facts shared by the client and the local server."""

from __future__ import annotations

import ipaddress


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` (a name or an address, IPv6 in brackets or not) names this
    machine's loopback: ``localhost`` (and ``*.localhost``), ``127.0.0.0/8``, ``::1``.

    Example::

        is_loopback_host("[::1]")        # True
        is_loopback_host("example.com")  # False
    """
    name = host.strip().strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
