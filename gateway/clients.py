"""Who the client is, by address: the peer, or what trusted proxies say it was.

``X-Forwarded-For`` is believed only when the peer is one of ``TRUSTED_PROXIES``,
and then only as far as trusted proxies wrote it: reading from the right, every hop
a trusted proxy added is skipped, and the first address that is not a trusted proxy
is the client. Anything left of it was written by the client itself and is ignored
(otherwise a client picks its own address, and with it its own throttle counters).
"""
import ipaddress

from nameko.extensions import DependencyProvider

from common.config import Settings


def trusted_networks(text):
    """The networks of a ``TRUSTED_PROXIES`` value ("10.0.0.0/8, 192.168.1.7, ::1")."""
    networks = []
    for item in (part.strip() for part in text.split(",")):
        if item:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ValueError(f"TRUSTED_PROXIES: {item!r} is not an address or a CIDR") from None
    return tuple(networks)


def _parse(address):
    try:
        return ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return None


def _is_trusted(address, networks):
    return any(address.version == network.version and address in network for network in networks)


def client_address(peer, forwarded_for, networks):
    """The client's address as a string: ``peer`` unless ``peer`` is a trusted proxy, else
    the right-most address of ``forwarded_for`` (the header's value) that is not one.

    An unreadable hop ends the walk at the last address a trusted proxy vouched for, so
    garbage never becomes a client key of its own.
    """
    current = _parse(peer or "")
    if current is None or not _is_trusted(current, networks) or not forwarded_for:
        return peer
    for hop in reversed(forwarded_for.split(",")):
        address = _parse(hop)
        if address is None:
            break
        current = address
        if not _is_trusted(address, networks):
            break
    return str(current)


class ClientAddress(DependencyProvider):
    """``self.client_address(request)`` in the gateway: the caller's address for every
    per-client limit (login throttle, sign-ups)."""

    def setup(self):
        self.networks = trusted_networks(Settings.from_config(self.container.config).trusted_proxies)

    def get_dependency(self, worker_ctx):
        networks = self.networks
        # several X-Forwarded-For headers are one list, in order
        return lambda request: client_address(
            request.remote_addr, ",".join(request.headers.getlist("X-Forwarded-For")), networks)
