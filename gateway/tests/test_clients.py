"""The client-address rule: X-Forwarded-For only from trusted proxies, right-most untrusted hop."""
import pytest

from gateway.clients import client_address, trusted_networks

PROXIES = trusted_networks("10.0.0.0/8, 192.168.1.7, ::1")


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says():
    assert client_address("203.0.113.9", "198.51.100.1", ()) == "203.0.113.9"
    assert client_address("10.0.0.5", "198.51.100.1", trusted_networks("")) == "10.0.0.5"


def test_a_peer_that_is_not_a_trusted_proxy_is_the_client():
    assert client_address("203.0.113.9", "198.51.100.1", PROXIES) == "203.0.113.9"


def test_from_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client():
    assert client_address("10.0.0.5", "198.51.100.1", PROXIES) == "198.51.100.1"
    # the client wrote the left part itself: a forged "1.2.3.4" must not become its address
    assert client_address("10.0.0.5", "1.2.3.4, 198.51.100.1", PROXIES) == "198.51.100.1"
    # two trusted proxies in a row are both skipped
    assert client_address("10.0.0.5", "1.2.3.4, 198.51.100.1, 192.168.1.7", PROXIES) == "198.51.100.1"
    assert client_address("::1", "2001:db8::7", PROXIES) == "2001:db8::7"


def test_a_trusted_proxy_without_a_header_or_with_only_trusted_hops():
    assert client_address("10.0.0.5", "", PROXIES) == "10.0.0.5"
    assert client_address("10.0.0.5", "10.1.1.1, 10.2.2.2", PROXIES) == "10.1.1.1"


def test_an_unreadable_hop_ends_the_walk_at_the_last_trusted_address():
    assert client_address("10.0.0.5", "junk, 10.9.9.9", PROXIES) == "10.9.9.9"
    assert client_address("10.0.0.5", "198.51.100.1, not-an-ip", PROXIES) == "10.0.0.5"
    assert client_address("10.0.0.5", " [2001:db8::7] ", PROXIES) == "2001:db8::7"


def test_trusted_proxies_must_be_addresses_or_cidrs():
    assert trusted_networks(" 10.0.0.0/8 ,, 127.0.0.1 ") == trusted_networks("10.0.0.0/8,127.0.0.1")
    with pytest.raises(ValueError, match="proxy.example"):
        trusted_networks("10.0.0.0/8, proxy.example")
