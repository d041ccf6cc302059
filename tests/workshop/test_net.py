"""Finding the address to host on, without sending anything."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from vsm_app.workshop import net


class FakeSocket:
    """Records what the probe does; any send would fail the test."""

    calls: list[tuple[str, Any]] = []
    address = "192.168.1.23"

    def __init__(self, family: int, kind: int) -> None:
        assert (family, kind) == (socket.AF_INET, socket.SOCK_DGRAM)

    def __enter__(self) -> FakeSocket:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def connect(self, addr: tuple[str, int]) -> None:
        FakeSocket.calls.append(("connect", addr))

    def getsockname(self) -> tuple[str, int]:
        return (FakeSocket.address, 40000)

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the probe must not call {name}")


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> type[FakeSocket]:
    FakeSocket.calls = []
    monkeypatch.setattr(net.socket, "socket", FakeSocket)
    return FakeSocket


def test_the_lan_address_comes_from_the_routing_table_only(fake: type[FakeSocket]) -> None:
    assert net.lan_address() == "192.168.1.23"
    # a UDP connect (routing only) to a private address; nothing sent, nothing else asked
    assert fake.calls == [("connect", ("10.255.255.255", 9))]
    assert net.default_host() == "192.168.1.23"
    choices = net.host_choices()
    assert [c.address for c in choices] == ["192.168.1.23", "127.0.0.1", "0.0.0.0"]
    assert choices[0].label == "Local network (192.168.1.23)"


def test_no_network_falls_back_to_loopback(fake: type[FakeSocket],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable(self: FakeSocket, addr: tuple[str, int]) -> None:
        raise OSError(101, "Network is unreachable")

    monkeypatch.setattr(FakeSocket, "connect", unreachable)
    assert net.lan_address() is None
    assert net.default_host() == "127.0.0.1"
    assert [c.address for c in net.host_choices()] == ["127.0.0.1", "0.0.0.0"]


def test_a_loopback_route_is_no_lan_address(fake: type[FakeSocket]) -> None:
    fake.address = "127.0.0.1"
    try:
        assert net.lan_address() is None
    finally:
        fake.address = "192.168.1.23"
