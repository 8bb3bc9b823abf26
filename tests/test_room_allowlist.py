"""The Host allowlist itself (hosts.py), with the machine's addresses injected.

tests/test_room_hosts.py sends the spoofed requests to real servers.
"""
from __future__ import annotations

import pytest

from advocacy_lab.server.hosts import HostAllowlist, host_of


@pytest.mark.parametrize(
    "header,host",
    [
        ("127.0.0.1:8866", "127.0.0.1"),
        ("LOCALHOST", "localhost"),
        ("[::1]:8866", "::1"),
        ("[::1]", "::1"),
        ("workshop.lan.:80", "workshop.lan"),
        ("Workshop.LAN", "workshop.lan"),
        ("", None),
        (":8866", None),
        ("evil.example/x", None),
        ("user@evil.example", None),
        ("a b", None),
        ("[::1", None),
        (None, None),
    ],
)
def test_host_of(header, host):
    assert host_of(header) == host


LOOPBACK_OK = ["127.0.0.1:8866", "127.0.0.1", "localhost:8866", "LocalHost", "[::1]:8866", "127.0.0.2:8866",
               "127.255.0.9", "[::ffff:127.0.0.1]:8866"]
ALWAYS_REFUSED = ["evil.example", "evil.example:8866", "localhost.evil.example", "127.0.0.1.nip.io:8866",
                  "0.0.0.0:8866", "[::]:8866", "", "workshop.lan.evil.example", "169.254.169.254"]


@pytest.mark.parametrize("header", LOOPBACK_OK)
def test_loopback_names_are_always_allowed(header):
    assert HostAllowlist().allows(header)
    assert HostAllowlist(["workshop.lan"], room=True, addresses=lambda: ["192.168.1.20"]).allows(header)


@pytest.mark.parametrize("header", ALWAYS_REFUSED)
def test_other_names_are_refused(header):
    assert not HostAllowlist().allows(header)
    assert not HostAllowlist(["workshop.lan"], room=True, addresses=lambda: ["192.168.1.20"]).allows(header)


def test_a_loopback_server_refuses_the_machines_own_lan_address():
    allowlist = HostAllowlist(addresses=lambda: ["192.168.1.20"])
    assert not allowlist.allows("192.168.1.20:8866")


def test_a_room_server_answers_to_its_addresses_and_names():
    allowlist = HostAllowlist(["workshop.lan", "laptop.lan"], room=True,
                              addresses=lambda: ["192.168.1.20", "fe80::1", "2001:db8::20"])
    for header in ("192.168.1.20:8866", "192.168.1.20", "[2001:db8::20]:8866", "[fe80::1]:8866",
                   "workshop.lan:8866", "WORKSHOP.lan.", "laptop.lan"):
        assert allowlist.allows(header), header
    for header in ("192.168.1.21:8866", "workshop.lan2", "sub.workshop.lan", "[2001:db8::21]"):
        assert not allowlist.allows(header), header


def test_a_new_address_of_the_laptop_is_looked_up_but_not_on_every_request(monkeypatch):
    """The room's router may give the laptop a new address during the session."""
    clock = [1000.0]
    monkeypatch.setattr("advocacy_lab.server.hosts.time.monotonic", lambda: clock[0])
    current = ["192.168.1.20"]
    lookups = []

    def addresses():
        lookups.append(clock[0])
        return list(current)

    allowlist = HostAllowlist(room=True, addresses=addresses, refresh_s=5)
    assert lookups == [1000.0]
    current[:] = ["192.168.1.77"]
    assert allowlist.allows("192.168.1.20")  # known, no look-up
    assert not allowlist.allows("192.168.1.77")  # unknown, but looked up less than 5 s ago
    assert lookups == [1000.0]
    clock[0] += 6
    assert allowlist.allows("192.168.1.77:8866")  # looked up again
    assert lookups == [1000.0, 1006.0]
    assert not allowlist.allows("192.168.1.20")  # the old address went away
    assert not allowlist.allows("evil.example")  # names never trigger a look-up
    assert lookups == [1000.0, 1006.0]


def test_a_loopback_server_never_looks_up_addresses():
    def addresses():
        raise AssertionError("looked up")

    allowlist = HostAllowlist(addresses=addresses)
    assert not allowlist.allows("192.168.1.20")
