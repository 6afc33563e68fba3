"""The client's address behind the reverse proxy (portal/proxy.py): X-Forwarded-For is read
only from trusted proxies, from the right, and never past the first address that is not a
proxy."""

import pytest

from portal.auth import throttle
from portal.models import LoginThrottle
from portal.proxy import client_address, parse_trusted

LOOPBACK = parse_trusted("127.0.0.1,::1")


@pytest.mark.parametrize("peer, forwarded, trusted, expected", [
    # nginx on the same host appends the browser's address
    ("127.0.0.1", "198.51.100.7", LOOPBACK, "198.51.100.7"),
    # what the client wrote itself, left of that, is not believed
    ("127.0.0.1", "10.0.0.1, 198.51.100.7", LOOPBACK, "198.51.100.7"),
    ("127.0.0.1", "evil, 198.51.100.7", LOOPBACK, "198.51.100.7"),
    # a load balancer in front of nginx, both trusted: the address the balancer saw
    ("10.1.2.3", "198.51.100.7, 10.1.0.5", parse_trusted("10.1.0.0/16"), "198.51.100.7"),
    # ... but the balancer not trusted: the balancer is the client
    ("127.0.0.1", "198.51.100.7, 10.1.0.5", LOOPBACK, "10.1.0.5"),
    # a peer that is not a trusted proxy keeps its own address whatever it sends
    ("203.0.113.9", "198.51.100.7", LOOPBACK, "203.0.113.9"),
    ("203.0.113.9", "127.0.0.1", LOOPBACK, "203.0.113.9"),
    # every hop a proxy: the leftmost is as far as the chain goes
    ("127.0.0.1", "127.0.0.1", LOOPBACK, "127.0.0.1"),
    # not an address where the proxy wrote one: keep the proxy's
    ("127.0.0.1", "unknown", LOOPBACK, "127.0.0.1"),
    ("127.0.0.1", "", LOOPBACK, "127.0.0.1"),
    # IPv6, and IPv4 mapped into IPv6 (read as IPv4)
    ("::1", "2001:db8::7", LOOPBACK, "2001:db8::7"),
    ("::ffff:127.0.0.1", "198.51.100.7", LOOPBACK, "198.51.100.7"),
    ("127.0.0.1", "::ffff:198.51.100.7", LOOPBACK, "198.51.100.7"),
    # ports and brackets, as some load balancers write them; an empty entry carries nothing
    ("127.0.0.1", "198.51.100.7:5678", LOOPBACK, "198.51.100.7"),
    ("127.0.0.1", "[2001:db8::7]:443", LOOPBACK, "2001:db8::7"),
    ("127.0.0.1", "[2001:db8::7]", LOOPBACK, "2001:db8::7"),
    ("127.0.0.1", "198.51.100.7, ", LOOPBACK, "198.51.100.7"),
    # "*": the peer is a proxy (gunicorn reachable only through one), and only what it wrote,
    # the rightmost entry, is believed
    ("192.0.2.50", "198.51.100.7", parse_trusted("*"), "198.51.100.7"),
    ("192.0.2.50", "6.6.6.6, 198.51.100.7", parse_trusted("*"), "198.51.100.7"),
    # gunicorn on a unix socket: no peer address, and only the proxy can connect
    ("", "198.51.100.7", LOOPBACK, "198.51.100.7"),
    ("", "6.6.6.6, 198.51.100.7", LOOPBACK, "198.51.100.7"),
    ("", "unknown", LOOPBACK, ""),
])
def test_client_address(peer, forwarded, trusted, expected):
    assert client_address(peer, forwarded, trusted) == expected


def test_a_wrong_trusted_proxy_setting_stops_start_up():
    with pytest.raises(ValueError, match="FORWARDED_ALLOW_IPS"):
        parse_trusted("127.0.0.1,nginx.local")


def _address_keys():
    return sorted(r.key.split("@")[0] for r in LoginThrottle.select()
                  if r.key.startswith("ip:"))


def test_login_failures_are_counted_for_the_client_behind_the_proxy(client, auth, school):
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.66, 198.51.100.7"
    assert auth.login("elev1", "wrong").status_code == 401
    assert _address_keys() == ["ip:198.51.100.7"]


def test_an_untrusted_peer_is_counted_by_its_own_address(app, client, auth, school):
    client.environ_base.update(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert auth.login("elev1", "wrong").status_code == 401
    assert _address_keys() == ["ip:203.0.113.9"]


def test_the_throttle_key_names_the_address(db):
    assert throttle.keys("Elev1 ", "198.51.100.7")[1].startswith("ip:198.51.100.7@")
