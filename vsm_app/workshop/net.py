"""Which address to host a workshop on, found without sending anything.

The default is the LAN address: the address of the interface the system would use to reach
a private-range address. A UDP socket ``connect`` only asks the routing table and sends no
packet, so this works offline and leaves nothing on the network. Without such a route (no
network at all) it falls back to loopback, which only this computer can reach.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

LOOPBACK = "127.0.0.1"
ALL_INTERFACES = "0.0.0.0"
#: addresses used only to ask the routing table which interface leads to a private network
#: (a UDP connect sends nothing)
_PROBES = ("10.255.255.255", "192.168.255.255", "172.31.255.255")


@dataclass(frozen=True)
class HostChoice:
    """An address to bind to, and how to describe it to the facilitator."""

    address: str
    label: str


def lan_address() -> str | None:
    """The IPv4 address of the interface that leads to the local network, or None."""
    for probe in _PROBES:
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect((probe, 9))  # routing only: UDP connect sends no packet
                addr = s.getsockname()[0]
        except OSError:
            continue
        try:
            ip = ipaddress.ip_address(addr)
        except ValueError:
            continue
        if not ip.is_loopback and not ip.is_unspecified and not ip.is_link_local:
            return str(ip)
    return None


def host_choices() -> list[HostChoice]:
    """The addresses to offer, the default first: the LAN address when there is one, then
    loopback (this computer only), then all interfaces (only when the user picks it)."""
    out: list[HostChoice] = []
    lan = lan_address()
    if lan is not None:
        out.append(HostChoice(lan, f"Local network ({lan})"))
    out.append(HostChoice(LOOPBACK, f"This computer only ({LOOPBACK})"))
    out.append(HostChoice(ALL_INTERFACES, "All network interfaces (0.0.0.0)"))
    return out


def default_host() -> str:
    """The LAN address, or loopback when there is no network."""
    return lan_address() or LOOPBACK
