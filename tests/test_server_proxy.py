"""The public self-paced server behind a TLS reverse proxy (issue #12): whom the caps count.

Pure tests with plain strings: the right-most-untrusted rule of
``forwarded_client``, ``parse_trusted_proxy``'s validation, and the wiring of
``--trusted-proxy`` into the server's command line. The test with a real nginx
in front of a real server is still to come.
"""
from __future__ import annotations

import ipaddress
from types import SimpleNamespace

import pytest
from tornado.httputil import HTTPHeaders

from advocacy_lab.cli import main
from advocacy_lab.core.catalogue import text
from advocacy_lab.server.caps import (
    MAX_FORWARDED_HOPS,
    KernelCapsMixin,
    RoomFull,
    client_address,
    forwarded_client,
    parse_trusted_proxy,
    trusted_networks,
)
from advocacy_lab.server.launch import build_argv, serve

LOOPBACK = trusted_networks(["127.0.0.1"])
LOOPBACK_BOTH = trusted_networks(["127.0.0.1", "::1"])
CHAIN = trusted_networks(["127.0.0.1", "10.0.0.0/8"])


# -- parse_trusted_proxy -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, network",
    [
        ("127.0.0.1", "127.0.0.1/32"),
        (" 127.0.0.1 ", "127.0.0.1/32"),
        ("10.0.0.0/8", "10.0.0.0/8"),
        ("::1", "::1/128"),
        ("[::1]", "::1/128"),
        ("fd00::/8", "fd00::/8"),
        ("::ffff:127.0.0.1", "127.0.0.1/32"),
        ("192.168.1.0/24", "192.168.1.0/24"),
    ],
)
def test_a_trusted_proxy_is_an_address_or_a_network(value, network):
    assert parse_trusted_proxy(value) == ipaddress.ip_network(network)


@pytest.mark.parametrize("lang", ["en", "vi"])
@pytest.mark.parametrize(
    "value", ["", "nginx", "localhost", "127.0.0.256", "10.0.0.1/8", "10.0.0.0/33", "1.2.3.4:80", None, "1.2.3.4,5.6.7.8"]
)
def test_a_bad_trusted_proxy_is_named_in_the_trainers_language(value, lang):
    with pytest.raises(ValueError) as raised:
        parse_trusted_proxy(value, lang)
    assert str(raised.value) == text("serve.proxy.invalid", lang, value=value)
    assert f"--trusted-proxy {value}" in str(raised.value)


@pytest.mark.parametrize("value", ["0.0.0.0/0", "::/0"])
def test_trusting_every_address_is_refused(value):
    with pytest.raises(ValueError) as raised:
        parse_trusted_proxy(value, "vi")
    assert str(raised.value) == text("serve.proxy.everyone", "vi", value=value)


# -- forwarded_client: the right-most address that is not a trusted proxy ------------------------


@pytest.mark.parametrize(
    "peer, header, trusted, client",
    [
        # No trusted proxy configured: the peer, whatever the header says.
        ("203.0.113.5", "198.51.100.7", (), "203.0.113.5"),
        # A direct client forging the header: ignored.
        ("203.0.113.5", "198.51.100.7", LOOPBACK, "203.0.113.5"),
        ("203.0.113.5", "127.0.0.1", LOOPBACK, "203.0.113.5"),
        # nginx on this machine forwarding for one learner.
        ("127.0.0.1", "198.51.100.7", LOOPBACK, "198.51.100.7"),
        ("::ffff:127.0.0.1", "198.51.100.7", LOOPBACK, "198.51.100.7"),
        ("::1", "2001:db8::7", LOOPBACK_BOTH, "2001:db8::7"),
        ("::1", "2001:db8::7", LOOPBACK, "::1"),  # ::1 not trusted: the peer
        # A learner who sends a forged header to nginx: nginx appends the real peer; the forgery is left of it.
        ("127.0.0.1", "6.6.6.6, 198.51.100.7", LOOPBACK, "198.51.100.7"),
        ("127.0.0.1", "127.0.0.1, 198.51.100.7", LOOPBACK, "198.51.100.7"),
        # Spaces, IPv6 forms, IPv4-mapped, zone, brackets.
        ("127.0.0.1", "   198.51.100.7   ", LOOPBACK, "198.51.100.7"),
        ("127.0.0.1", "6.6.6.6,198.51.100.7", LOOPBACK, "198.51.100.7"),
        ("127.0.0.1", "2001:DB8:0:0::7", LOOPBACK, "2001:db8::7"),
        ("127.0.0.1", "[2001:db8::7]", LOOPBACK, "2001:db8::7"),
        ("127.0.0.1", "::ffff:198.51.100.7", LOOPBACK, "198.51.100.7"),
        ("127.0.0.1", "fe80::1%eth0", LOOPBACK, "fe80::1"),
        # A chain of proxies: a load balancer in 10.0.0.0/8 in front of nginx on this machine.
        ("127.0.0.1", "198.51.100.7, 10.1.2.3", CHAIN, "198.51.100.7"),
        ("127.0.0.1", "6.6.6.6, 198.51.100.7, 10.9.9.9, 10.1.2.3", CHAIN, "198.51.100.7"),
        ("10.1.2.3", "198.51.100.7", CHAIN, "198.51.100.7"),
        # ... but an address of the chain's network that is only in the header of an untrusted peer counts nothing.
        ("198.51.100.8", "10.1.2.3", CHAIN, "198.51.100.8"),
        # Every address a trusted proxy: the left-most (the furthest the chain knows).
        ("127.0.0.1", "10.1.2.3, 10.4.5.6", CHAIN, "10.1.2.3"),
        ("127.0.0.1", "127.0.0.1", LOOPBACK, "127.0.0.1"),
        # Empty or missing header from the proxy: the proxy itself.
        ("127.0.0.1", None, LOOPBACK, "127.0.0.1"),
        ("127.0.0.1", "", LOOPBACK, "127.0.0.1"),
        # Malformed from a trusted proxy: the proxy's own address, never a crash.
        ("127.0.0.1", "   ", LOOPBACK, "127.0.0.1"),
        ("127.0.0.1", ",", LOOPBACK, "127.0.0.1"),
        ("127.0.0.1", "unknown", LOOPBACK, "127.0.0.1"),
        ("127.0.0.1", "198.51.100.7:5555", LOOPBACK, "127.0.0.1"),
        ("127.0.0.1", "198.51.100.7, garbage", LOOPBACK, "127.0.0.1"),
        ("127.0.0.1", "<script>", LOOPBACK, "127.0.0.1"),
        ("127.0.0.1", "198.51.100.7\x00", LOOPBACK, "127.0.0.1"),
        ("127.0.0.1", "１９８.51.100.7", LOOPBACK, "127.0.0.1"),
        # ... but garbage left of the first untrusted address is never reached.
        ("127.0.0.1", "garbage, 198.51.100.7", LOOPBACK, "198.51.100.7"),
        # A peer that is not an address at all (a Unix socket): kept as it is.
        ("", "198.51.100.7", LOOPBACK, ""),
    ],
)
def test_the_client_is_the_right_most_address_not_a_trusted_proxy(peer, header, trusted, client):
    assert forwarded_client(peer, header, trusted) == client


def test_a_huge_header_from_the_proxy_is_the_proxys_own_address_quickly():
    chain = ", ".join(f"10.0.{i // 256 % 256}.{i % 256}" for i in range(20_000))
    assert forwarded_client("127.0.0.1", chain + ", 198.51.100.7", LOOPBACK) == "127.0.0.1"
    # One address longer than any: the same.
    assert forwarded_client("127.0.0.1", "1" * 100_000, LOOPBACK) == "127.0.0.1"
    # Up to MAX_FORWARDED_HOPS entries are walked.
    chain = ", ".join(["10.1.1.1"] * (MAX_FORWARDED_HOPS - 1))
    assert forwarded_client("127.0.0.1", "198.51.100.7, " + chain, CHAIN) == "198.51.100.7"


def test_a_forged_header_from_a_direct_client_is_ignored_whatever_its_shape():
    for forged in ("127.0.0.1", "198.51.100.7", "1" * 100_000, "a, b, c", ", ".join(["10.0.0.1"] * 1000)):
        assert forwarded_client("203.0.113.5", forged, CHAIN) == "203.0.113.5"


# -- client_address on a request -----------------------------------------------------------------


def request_from(peer: str, *forwarded: str):
    headers = HTTPHeaders()
    for value in forwarded:
        headers.add("X-Forwarded-For", value)
    context = SimpleNamespace(address=(peer, 5555), remote_ip=peer)
    # remote_ip as Tornado's xheaders would set it from the header: never read.
    return SimpleNamespace(connection=SimpleNamespace(context=context), remote_ip=forwarded[-1] if forwarded else peer,
                           headers=headers)


def test_client_address_believes_the_header_only_from_a_trusted_peer():
    assert client_address(request_from("127.0.0.1", "198.51.100.7"), LOOPBACK) == "198.51.100.7"
    assert client_address(request_from("203.0.113.5", "198.51.100.7"), LOOPBACK) == "203.0.113.5"
    # Without trusted proxies, as before issue #12: the peer.
    assert client_address(request_from("127.0.0.1", "198.51.100.7")) == "127.0.0.1"
    # Two X-Forwarded-For lines are one list (RFC 9110): the right-most still wins.
    assert client_address(request_from("127.0.0.1", "6.6.6.6", "198.51.100.7"), LOOPBACK) == "198.51.100.7"
    assert client_address(request_from("127.0.0.1"), LOOPBACK) == "127.0.0.1"


def test_the_caps_count_forwarded_clients_apart_and_forgers_under_their_peer():
    caps = type("Caps", (KernelCapsMixin,), {
        "max_kernels": 100, "max_kernels_per_client": 2, "trusted_proxies": LOOPBACK, "_pools": {},
    })()
    # Page loads under way are what the ledger counts here; no kernel is started.
    for header in ("198.51.100.7", "198.51.100.7", "198.51.100.8", "198.51.100.8"):
        caps.admit(client_address(request_from("127.0.0.1", header), caps.trusted_proxies))
    assert caps.kernels_of("198.51.100.7") == 2 and caps.kernels_of("198.51.100.8") == 2
    # A direct client forging a fresh address each time is still one client.
    caps.admit(client_address(request_from("203.0.113.5", "1.1.1.1"), caps.trusted_proxies))
    caps.admit(client_address(request_from("203.0.113.5", "2.2.2.2"), caps.trusted_proxies))
    assert caps.kernels_of("203.0.113.5") == 2
    with pytest.raises(RoomFull) as full:
        caps.admit(client_address(request_from("203.0.113.5", "3.3.3.3"), caps.trusted_proxies))
    assert full.value.which == "client"
    # The forwarded learners were counted apart from the proxy: it is uncapped, they are not.
    with pytest.raises(RoomFull):
        caps.admit(client_address(request_from("127.0.0.1", "198.51.100.7"), caps.trusted_proxies))


# -- the wiring: advocacy-lab serve --trusted-proxy ----------------------------------------------


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_the_command_line_takes_repeatable_trusted_proxies(tmp_path, capsys, lang):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "nbgrader_config.py").write_text("")  # what makes a folder a course (course.py)
    argv = ["serve", "--course", str(tmp_path), "--no-browser", "--lang", lang, "--trusted-proxy", "127.0.0.1"]
    # The second value is checked too, and named in the trainer's language.
    assert main(argv + ["--trusted-proxy", "proxy.lan"]) == 2
    err = capsys.readouterr().err
    assert text("serve.proxy.invalid", lang, value="proxy.lan") in err
    assert "Traceback" not in err
    assert text("serve.proxy.help", "en") and "--trusted-proxy" in _help(capsys)


def _help(capsys) -> str:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    return capsys.readouterr().out


def test_the_trusted_proxies_reach_the_apps_configuration(tmp_path):
    argv = build_argv(8866, False, tmp_path, hostnames=["lab.example.org"], trusted_proxies=["127.0.0.1", "::1"])
    assert "--AdvocacyVoila.trusted_proxies=127.0.0.1/32" in argv
    assert "--AdvocacyVoila.trusted_proxies=::1/128" in argv
    assert "--AdvocacyVoila.hostnames=lab.example.org" in argv
    assert not any(a.startswith("--AdvocacyVoila.trusted_proxies") for a in build_argv(8866, False, tmp_path))


def test_the_app_keeps_its_trusted_proxies_as_networks():
    from advocacy_lab.server.app import AdvocacyVoila

    app = AdvocacyVoila()
    app.trusted_proxies = ["127.0.0.1", "10.0.0.0/8"]
    assert app.trusted_proxies == ["127.0.0.1/32", "10.0.0.0/8"]
    assert trusted_networks(app.trusted_proxies) == CHAIN
    with pytest.raises(ValueError, match="--trusted-proxy nginx"):
        app.trusted_proxies = ["nginx"]
    assert AdvocacyVoila().trusted_proxies == []


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_serve_names_a_bad_trusted_proxy_and_starts_nothing(tmp_path, capsys, lang):
    (tmp_path / "notebooks").mkdir()
    status = serve(8866, False, tmp_path, trusted_proxies=["10.0.0.1/8"], lang=lang)
    assert status == 2
    err = capsys.readouterr().err
    assert text("serve.proxy.invalid", lang, value="10.0.0.1/8") in err
    assert "Traceback" not in err


def test_behind_a_proxy_the_public_name_needs_no_ip(tmp_path, capsys):
    # Without a proxy, --hostname on loopback is refused as before ...
    assert serve(0, False, tmp_path / "absent", hostnames=["lab.example.org"]) == 2
    assert text("serve.hostname_needs_ip", "en") in capsys.readouterr().err
    # ... with one, the check passes and the next problem (no course here) is the one named.
    assert serve(0, False, tmp_path / "absent", hostnames=["lab.example.org"], trusted_proxies=["127.0.0.1"]) == 2
    err = capsys.readouterr().err
    assert "no notebooks/ folder" in err
