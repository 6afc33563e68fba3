"""The client's address behind a reverse proxy.

Behind nginx (or a load balancer) every request reaches gunicorn from the proxy, so
`request.remote_addr` would be the proxy's address for every user, and login throttling's
count per address (portal/auth/throttle.py) would be one count for the whole county. gunicorn
trusts the proxies named in FORWARDED_ALLOW_IPS for the scheme (X-Forwarded-Proto) only; this
middleware takes the client's address from X-Forwarded-For from the same proxies.

Each proxy appends the address it was connected from to X-Forwarded-For. So the header is
read from the right: past every address that is a trusted proxy, to the first that is not,
which is the client. Entries to the left of that one were written by the client itself and
are never believed, and a request whose direct peer is not a trusted proxy keeps the peer's
address whatever its headers say. With "*" (every peer trusted) only the rightmost entry is
believed: the one proxy in front wrote it, and nothing says which entries left of it are
proxies. A peer that is not an IP address (gunicorn bound to a unix socket, which only the
proxy can reach) is trusted, as gunicorn trusts it.
"""

import ipaddress
import os

# gunicorn's own default for FORWARDED_ALLOW_IPS (gunicorn.conf.py reads the same variable)
DEFAULT_TRUSTED = "127.0.0.1,::1"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_trusted(spec: str) -> list[Network] | None:
    """The trusted proxies: addresses and networks separated by commas; None for "*" (every
    peer is trusted, for a proxy that gunicorn is only reachable through)."""
    entries = [part.strip() for part in spec.split(",") if part.strip()]
    if "*" in entries:
        return None
    try:
        return [ipaddress.ip_network(entry, strict=False) for entry in entries]
    except ValueError as error:
        raise ValueError(f"FORWARDED_ALLOW_IPS: {error}") from None


def parse_address(text: str):
    """An address as proxies write it: bare, "[v6]", "v4:port" or "[v6]:port"; an IPv4
    address mapped into IPv6 as IPv4. None when it is not one."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _is_trusted(address, trusted: list[Network] | None) -> bool:
    return trusted is None or any(address in network for network in trusted)


def client_address(peer: str | None, forwarded: str | None,
                   trusted: list[Network] | None) -> str | None:
    """The client's address: the peer's, or, when the peer is a trusted proxy, the first
    address from the right of X-Forwarded-For that is not a trusted proxy (with "*", the
    rightmost)."""
    current = parse_address(peer or "")
    if current is not None and not _is_trusted(current, trusted):
        return str(current)
    hops = [hop for hop in (forwarded or "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = parse_address(hop)
        if address is None:
            break  # not an address: believe nothing further left, keep the last proxy
        current = address
        if trusted is None or not _is_trusted(address, trusted):
            break
    return str(current) if current is not None else peer


class ForwardedFor:
    """WSGI middleware: REMOTE_ADDR becomes the client's address (the peer's is kept in
    `portal.peer_addr`)."""

    def __init__(self, wsgi_app, trusted: list[Network] | None):
        self.wsgi_app = wsgi_app
        self.trusted = trusted

    def __call__(self, environ, start_response):
        forwarded = environ.get("HTTP_X_FORWARDED_FOR")
        if forwarded:
            peer = environ.get("REMOTE_ADDR")
            environ["portal.peer_addr"] = peer
            environ["REMOTE_ADDR"] = client_address(peer, forwarded, self.trusted)
        return self.wsgi_app(environ, start_response)


def install_forwarded_for(app) -> None:
    spec = app.config.get("FORWARDED_ALLOW_IPS") or os.environ.get(
        "FORWARDED_ALLOW_IPS", DEFAULT_TRUSTED)
    app.wsgi_app = ForwardedFor(app.wsgi_app, parse_trusted(spec))
