"""`advocacy-lab serve` for a workshop room: --ip, --hostname, --learners and what the trainer reads.

No server is started here (tests/test_room_hosts.py and tests/browser/test_room.py
start real ones); addresses are injected, so nothing depends on this machine's network.
"""
from __future__ import annotations

import math
import socket

import pytest
import segno

from advocacy_lab import cli
from advocacy_lab.core.catalogue import text
from advocacy_lab.server import launch
from advocacy_lab.server.app import AdvocacyVoila

LANDING = "00-start-here.ipynb"
MODULES = ["04-campaign-message.ipynb", "09-campaign-plan.ipynb"]
#: psutil.net_if_addrs() shapes: (family, address, netmask, broadcast, ptp).
INTERFACES = {
    "lo": [(socket.AF_INET, "127.0.0.1", "255.0.0.0", None, None), (socket.AF_INET6, "::1", None, None, None)],
    "wlan0": [
        (socket.AF_INET, "169.254.10.20", "255.255.0.0", None, None),
        (socket.AF_INET, "192.168.1.20", "255.255.255.0", None, None),
        (socket.AF_INET6, "fe80::1%wlan0", None, None, None),
        (socket.AF_INET6, "2001:db8::20", None, None, None),
        (socket.AF_PACKET if hasattr(socket, "AF_PACKET") else -1, "aa:bb:cc:dd:ee:ff", None, None, None),
    ],
    "eth0": [(socket.AF_INET, "10.0.0.5", "255.255.255.0", None, None)],
    "docker0": [(socket.AF_INET, "172.17.0.1", "255.255.0.0", None, None)],
}
UP = {"lo": True, "wlan0": True, "eth0": True, "docker0": False}


# -- --ip -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value,ip", [("0.0.0.0", "0.0.0.0"), (" 192.168.1.20 ", "192.168.1.20"),
                                      ("::", "::"), ("[::1]", "::1"), ("127.0.0.1", "127.0.0.1")])
def test_parse_ip_accepts_addresses(value, ip):
    assert launch.parse_ip(value) == ip


@pytest.mark.parametrize("value", ["", "all", "localhost", "workshop.lan", "256.1.1.1", "192.168.1", "0.0.0.0:8866",
                                   "http://0.0.0.0"])
def test_parse_ip_names_the_problem(value):
    with pytest.raises(ValueError, match=r"--ip .*not an IP address.*0\.0\.0\.0"):
        launch.parse_ip(value)


def test_serve_refuses_a_bad_ip_with_exit_2(tmp_path, capsys):
    (tmp_path / "notebooks").mkdir()
    assert launch.serve(port=9, open_browser=False, root=tmp_path, ip="everywhere") == 2
    err = capsys.readouterr().err
    assert "--ip everywhere: not an IP address" in err
    assert "Traceback" not in err


def test_serve_names_an_address_this_machine_does_not_have(tmp_path, capsys):
    """Binding fails (EADDRNOTAVAIL): a plain sentence, exit 1. 203.0.113.0/24 is for documentation."""
    (tmp_path / "notebooks").mkdir()
    assert launch.serve(port=8866, open_browser=False, root=tmp_path, ip="203.0.113.7") == 1
    err = capsys.readouterr().err
    assert "this laptop has no address 203.0.113.7" in err
    assert "--ip 0.0.0.0" in err


def test_port_problem_lists_the_machines_addresses():
    problem = launch.port_problem(8866, "203.0.113.7", addresses=["192.168.1.20", "10.0.0.5"])
    assert problem == text("serve.address_not_here", host="203.0.113.7", addresses="192.168.1.20, 10.0.0.5")
    assert launch.port_problem(8866, "203.0.113.7", addresses=[]).endswith("(its addresses now: none).")


def test_port_problem_on_every_interface_and_in_vietnamese():
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert f"port {port} is already in use on 0.0.0.0" in launch.port_problem(port, "0.0.0.0")
        assert f"cổng {port} trên 0.0.0.0 đang được dùng" in launch.port_problem(port, "0.0.0.0", "vi")
    assert launch.port_problem(0, "0.0.0.0") == "port 0 is not a valid TCP port (use 1-65535)."


def test_port_problem_ipv6_loopback():
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        taken = socket.socket(socket.AF_INET6)
        taken.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    with taken:
        taken.listen()
        port = taken.getsockname()[1]
        assert f"already in use on ::1" in launch.port_problem(port, "::1")


# -- --hostname -----------------------------------------------------------------------------


@pytest.mark.parametrize("value,name", [("workshop.lan", "workshop.lan"), ("Trainer-Laptop", "trainer-laptop"),
                                        ("room-3.hanoi.example.", "room-3.hanoi.example"),
                                        ("hội-thảo.lan", "xn--hi-tho-fd8b1q.lan")])
def test_parse_hostname(value, name):
    assert launch.parse_hostname(value) == name


@pytest.mark.parametrize("value", ["", "-laptop.lan", "laptop-.lan", "work_shop.lan", "a..b", "laptop.lan/x",
                                   "evil.example:80", "a" * 64 + ".lan", "x y", "1.2.3", "*.lan"])
def test_parse_hostname_names_the_problem(value):
    with pytest.raises(ValueError, match=r"--hostname .*not a host name"):
        launch.parse_hostname(value)


@pytest.mark.parametrize("value", ["192.168.1.20", "::1", "[fe80::1]"])
def test_an_address_given_as_hostname_points_to_ip(value):
    with pytest.raises(ValueError, match=r"that is an address.*--ip"):
        launch.parse_hostname(value)


def test_hostname_without_ip_is_refused(tmp_path, capsys):
    (tmp_path / "notebooks").mkdir()
    assert launch.serve(port=9, open_browser=False, root=tmp_path, hostnames=["workshop.lan"]) == 2
    assert "--hostname needs --ip" in capsys.readouterr().err
    assert launch.serve(port=9, open_browser=False, root=tmp_path, ip="0.0.0.0", hostnames=["bad_name"]) == 2
    assert "--hostname bad_name: not a host name" in capsys.readouterr().err


# -- --learners -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, -3, 201, "many", "3.5", ""])
def test_learners_must_be_1_to_200(value, tmp_path, capsys):
    with pytest.raises(ValueError, match=r"--learners .*from 1 to 200"):
        launch.check_learners(value)
    (tmp_path / "notebooks").mkdir()
    assert launch.serve(port=9, open_browser=False, root=tmp_path, learners=value) == 2
    assert "from 1 to 200" in capsys.readouterr().err


@pytest.mark.parametrize("learners", [1, 2, 35, 200])
def test_plan_room_spread_over_the_modules_a_room_opens_first(learners):
    plan = launch.plan_room(learners, LANDING, MODULES)
    # The module the room opens together: a kernel for everyone.
    assert plan.pools["04-campaign-message.ipynb"] == learners
    # Arrivals at the landing page spread out: half the room.
    assert plan.pools[LANDING] == math.ceil(learners / 2)
    # Later modules are reached at each learner's pace: a quarter, at least one.
    assert plan.pools["09-campaign-plan.ipynb"] == max(1, math.ceil(learners / 4))
    assert plan.pool_kernels == sum(plan.pools.values())
    # Caps: every pool kernel, about 3 pages per learner, a few for the trainer; 6 tabs per device.
    assert plan.max_kernels == plan.pool_kernels + 3 * learners + 10
    assert plan.max_kernels_per_client == 6
    assert plan.memory_ready_mb == plan.pool_kernels * launch.KERNEL_RSS_MB
    assert plan.memory_working_mb == (plan.pool_kernels + learners) * launch.KERNEL_RSS_MB


def test_plan_room_for_35():
    plan = launch.plan_room(35, LANDING, MODULES)
    assert plan.pools == {LANDING: 18, "04-campaign-message.ipynb": 35, "09-campaign-plan.ipynb": 9}
    assert (plan.max_kernels, plan.max_kernels_per_client) == (62 + 105 + 10, 6)
    assert plan.memory_ready_mb == 62 * 70


def test_an_explicit_pool_size_wins_for_its_notebook():
    plan = launch.plan_room(35, LANDING, MODULES, explicit={"09-campaign-plan.ipynb": 35, "default": 2})
    assert plan.pools == {LANDING: 18, "04-campaign-message.ipynb": 35, "09-campaign-plan.ipynb": 35}
    assert plan.max_kernels == 88 + 105 + 10  # the caps follow the pools actually kept


def test_a_machine_with_room_to_spare_keeps_the_full_plan():
    plan = launch.plan_room(35, LANDING, MODULES, memory_mb=24 * 1024)
    assert launch.machine_kernels(24 * 1024) == 263
    assert plan.pools == launch.plan_room(35, LANDING, MODULES).pools
    assert plan.max_kernels == 177 and not plan.memory_limited
    assert plan.machine_kernels == 263


def test_an_8_gb_laptop_keeps_fewer_kernels_ready_and_caps_what_fits():
    # 35 learners would need 62 preheated + 35 working kernels of 70 MB: 6.6 GB of 8.
    fit = launch.machine_kernels(8 * 1024)
    assert fit == 87
    plan = launch.plan_room(35, LANDING, MODULES, memory_mb=8 * 1024)
    assert plan.memory_limited
    assert plan.pool_kernels + 35 <= fit
    # What the room reaches last gives up its kernels first; the first module keeps everyone's.
    assert plan.pools["04-campaign-message.ipynb"] == 35
    assert plan.pools["09-campaign-plan.ipynb"] == 1
    assert plan.pools[LANDING] == fit - 35 - 35 - 1  # every learner working, 04 and 09 pools kept
    assert plan.max_kernels == fit  # never more pages at once than the memory holds
    assert plan.max_kernels_per_client == 6


def test_a_very_small_machine_still_plans_one_kernel_per_notebook():
    plan = launch.plan_room(35, LANDING, MODULES, memory_mb=2 * 1024)
    assert plan.machine_kernels == 21
    assert set(plan.pools.values()) == {1} or plan.pools["04-campaign-message.ipynb"] < 35
    assert all(n >= 1 for n in plan.pools.values())
    assert plan.max_kernels == max(21, plan.pool_kernels + 1)
    assert plan.memory_limited


def test_an_explicit_pool_size_is_never_cut_for_memory():
    plan = launch.plan_room(35, LANDING, MODULES, explicit={"09-campaign-plan.ipynb": 20}, memory_mb=8 * 1024)
    assert plan.pools["09-campaign-plan.ipynb"] == 20
    assert plan.memory_limited


def test_welcome_says_when_the_memory_limits_the_room(tmp_path):
    plan = launch.plan_room(35, LANDING, MODULES, memory_mb=8 * 1024)
    out = launch.welcome(tmp_path, 8866, "0.0.0.0", (), plan, INTERFACES, UP, qr=False)
    expected = text("serve.learners_memory_limited", fit=87, max_kernels=87, memory_gb="8.0")
    assert expected in out
    vi = launch.welcome(tmp_path, 8866, "0.0.0.0", (), plan, INTERFACES, UP, lang="vi", qr=False)
    assert text("serve.learners_memory_limited", "vi", fit=87, max_kernels=87, memory_gb="8,0") in vi
    roomy = launch.plan_room(35, LANDING, MODULES, memory_mb=24 * 1024)
    assert "87" not in launch.welcome(tmp_path, 8866, "0.0.0.0", (), roomy, INTERFACES, UP, qr=False)


def test_serve_plans_the_room_with_this_machines_memory(tmp_path, monkeypatch):
    seen = {}
    real = launch.plan_room

    def spy(*args, **kwargs):
        seen.update(kwargs)
        raise SystemExit(0)  # stop before starting a server

    monkeypatch.setattr(launch, "plan_room", spy)
    monkeypatch.setattr(launch, "machine_memory_mb", lambda: 8192)
    (tmp_path / "notebooks").mkdir()
    with pytest.raises(SystemExit):
        launch.serve(port=free_port_for_plan(), open_browser=False, root=tmp_path, learners=35)
    assert seen["memory_mb"] == 8192
    assert real is not spy


def free_port_for_plan() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_course_notebooks_come_from_the_course_and_the_folder(repo_root, tmp_path):
    assert launch.course_notebooks(repo_root) == (LANDING, ["03-campaign-data.ipynb", *MODULES])
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "09-campaign-plan.ipynb").write_text("{}")
    assert launch.course_notebooks(tmp_path) == ("", ["09-campaign-plan.ipynb"])


def test_learners_help_computes_the_memory(monkeypatch, repo_root):
    landing, modules = launch.course_notebooks(repo_root)
    plan = launch.plan_room(35, landing, modules)
    helptext = launch.learners_help()
    assert "about 70 MB" in helptext and f"{launch.kernel_mb(modules[0])} MB on {modules[0]}" in helptext
    assert f"35 participants keep {plan.pool_kernels} kernels ready" in helptext
    assert f"about {plan.memory_ready_mb / 1024:.1f} GB" in helptext
    assert f"about {plan.memory_working_mb / 1024:.1f} GB once everyone is working" in helptext
    assert "1-200" in helptext
    # Computed from the per-kernel figures, not quoted.
    monkeypatch.setattr(launch, "KERNEL_RSS_MB", 100)
    expected = sum(n * max(100, launch._heavier_lessons().get(nb, 100)) for nb, n in plan.pools.items())
    assert f"about {expected / 1024:.1f} GB" in launch.learners_help()


def test_each_lesson_s_kernels_count_at_their_own_size():
    heavy = "03-campaign-data.ipynb"
    assert launch.kernel_mb(heavy) == 150 and launch.kernel_mb("04-campaign-message.ipynb") == launch.KERNEL_RSS_MB
    assert launch.kernel_mb("never-measured.ipynb") == launch.KERNEL_RSS_MB
    plan = launch.plan_room(35, LANDING, [heavy, *MODULES])
    assert plan.first == heavy and plan.pools[heavy] == 35
    assert plan.memory_ready_mb == 35 * 150 + (18 + 9 + 9) * 70
    assert plan.memory_working_mb == plan.memory_ready_mb + 35 * 150  # every learner on the first module
    # On an 8 GB laptop the heavier first module leaves less for the rest, and the cap counts heavy kernels.
    small = launch.plan_room(35, LANDING, [heavy, *MODULES], memory_mb=8 * 1024)
    assert small.memory_limited and small.memory_working_mb <= 8 * 1024 * launch.ROOM_MEMORY_SHARE
    # 35 working kernels of 150 MB leave room for one kernel ready on each other page and a few on 03.
    budget = 8 * 1024 * launch.ROOM_MEMORY_SHARE
    assert small.pools == {LANDING: 1, heavy: int((budget - 35 * 150 - 3 * 70) // 150), **{m: 1 for m in MODULES}}
    assert small.pools[heavy] == 4 and small.machine_kernels == launch.machine_kernels(8 * 1024, 150) == 40
    assert small.max_kernels == 40


def test_serve_help_shows_the_room_options(capsys):
    with pytest.raises(SystemExit):
        cli.main(["serve", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    for option in ("--ip ADDRESS", "--hostname NAME", "--learners N", "0.0.0.0", "MB of memory"):
        assert option in out


# -- the app's arguments ----------------------------------------------------------------------


def test_build_argv_for_a_room(tmp_path):
    plan = launch.plan_room(35, LANDING, MODULES)
    argv = launch.build_argv(8866, False, tmp_path, ip="0.0.0.0", hostnames=["workshop.lan", "laptop.lan"], plan=plan)
    assert "--Voila.ip=0.0.0.0" in argv
    assert "--AdvocacyVoila.hostnames=workshop.lan" in argv and "--AdvocacyVoila.hostnames=laptop.lan" in argv
    assert f"--AdvocacyVoila.max_kernels={plan.max_kernels}" in argv
    assert "--AdvocacyVoila.max_kernels_per_client=6" in argv
    # Voila would log http://<computer name>:8866/, which the Host check refuses.
    assert "--Voila.custom_display_url=http://127.0.0.1:8866/" in argv


def test_build_argv_without_room_options_stays_on_loopback(tmp_path):
    argv = launch.build_argv(8866, False, tmp_path)
    assert not any(a.startswith(("--Voila.ip", "--AdvocacyVoila.hostnames", "--AdvocacyVoila.max_kernels"))
                   for a in argv)


def test_room_arguments_reach_the_app(tmp_path, monkeypatch):
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path)
    app = AdvocacyVoila()
    plan = launch.plan_room(2, LANDING, MODULES)
    try:
        app.initialize(launch.build_argv(8866, False, tmp_path, ip="0.0.0.0", hostnames=["workshop.lan"], plan=plan)
                       + ["--VoilaConfiguration.preheat_kernel=False"])
        assert app.ip == "0.0.0.0"
        assert app.hostnames == ["workshop.lan"]
        allowlist = app.host_allowlist()
        assert allowlist.room and allowlist.allows("workshop.lan:8866")
        assert not allowlist.allows("evil.example:8866")
        # The browser opened on this laptop goes through loopback, not http://0.0.0.0:8866/.
        assert app.connection_url == "http://127.0.0.1:8866/"
        # The kernel caps for the room (the app's traits, caps.py).
        assert app.max_kernels == plan.max_kernels == plan.pool_kernels + 3 * 2 + 10
        assert app.max_kernels_per_client == 6
    finally:
        AdvocacyVoila.clear_instance()


def test_a_loopback_app_allows_loopback_only(tmp_path, monkeypatch):
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path)
    app = AdvocacyVoila()
    try:
        app.initialize(launch.build_argv(8866, False, tmp_path) + ["--VoilaConfiguration.preheat_kernel=False"])
        # Without --learners the app keeps its own default caps.
        assert app.max_kernels == AdvocacyVoila().max_kernels
        allowlist = app.host_allowlist()
        assert not allowlist.room
        assert allowlist.allows("127.0.0.1:8866") and allowlist.allows("localhost:8866")
        assert not allowlist.allows("evil.example:8866")
    finally:
        AdvocacyVoila.clear_instance()


def test_cli_passes_the_room_options(monkeypatch):
    seen = {}
    monkeypatch.setattr(launch, "serve", lambda **kw: seen.update(kw) or 0)
    assert cli.main(["serve", "--no-browser", "--ip", "0.0.0.0", "--hostname", "workshop.lan",
                     "--hostname", "laptop.lan", "--learners", "35", "--lang", "vi"]) == 0
    assert seen["ip"] == "0.0.0.0"
    assert seen["hostnames"] == ["workshop.lan", "laptop.lan"]
    assert seen["learners"] == "35"
    assert seen["lang"] == "vi"
    seen.clear()
    assert cli.main(["serve", "--no-browser"]) == 0
    assert seen["ip"] is None and seen["hostnames"] is None and seen["learners"] is None and seen["lang"] == "en"


# -- what participants type ---------------------------------------------------------------------


def test_room_addresses_are_the_non_loopback_ipv4_of_interfaces_that_are_up():
    assert launch.room_addresses(INTERFACES, UP) == ["192.168.1.20", "10.0.0.5", "169.254.10.20"]
    # Without interface states every address counts.
    assert "172.17.0.1" in launch.room_addresses(INTERFACES)
    assert launch.room_addresses(INTERFACES, UP, version=6) == ["2001:db8::20", "fe80::1"]
    assert launch.room_addresses({"lo": INTERFACES["lo"]}) == []


def test_participant_urls():
    assert launch.participant_urls("0.0.0.0", 8866, ["workshop.lan"], INTERFACES, UP) == [
        "http://192.168.1.20:8866/", "http://10.0.0.5:8866/", "http://169.254.10.20:8866/",
        "http://workshop.lan:8866/",
    ]
    assert launch.participant_urls("10.0.0.5", 9000, (), INTERFACES, UP) == ["http://10.0.0.5:9000/"]
    assert launch.participant_urls("::", 8866, (), INTERFACES, UP) == ["http://[2001:db8::20]:8866/"]
    assert launch.participant_urls(None, 8866) == []
    assert launch.participant_urls("127.0.0.1", 8866, ["workshop.lan"]) == []


def test_welcome_on_loopback_is_as_before(tmp_path):
    out = launch.welcome(tmp_path / "notebooks", 8866)
    assert out == f"Advocacy Lab: serving {tmp_path / 'notebooks'} at http://127.0.0.1:8866/  (press Ctrl+C to stop)"


def test_welcome_for_a_room_lists_addresses_and_draws_a_qr_code_of_the_first(tmp_path):
    plan = launch.plan_room(35, LANDING, MODULES)
    out = launch.welcome(tmp_path, 8866, "0.0.0.0", ["workshop.lan"], plan, INTERFACES, UP)
    lines = out.splitlines()
    assert text("serve.participants_type") in lines
    first = lines.index(text("serve.participants_type")) + 1
    assert lines[first:first + 4] == ["  http://192.168.1.20:8866/", "  http://10.0.0.5:8866/",
                                      "  http://169.254.10.20:8866/", "  http://workshop.lan:8866/"]
    assert "http://172.17.0.1" not in out  # an interface that is down
    assert "127.0.0.1:8866/" in text("serve.trainer_url", url="http://127.0.0.1:8866/") in out
    # The QR code is segno's drawing of the first address (and not of another one).
    qr = launch.qr_code("http://192.168.1.20:8866/").rstrip("\n")
    assert qr in out
    assert launch.qr_code("http://10.0.0.5:8866/").rstrip("\n") not in out
    assert segno.make("http://192.168.1.20:8866/", micro=False).version >= 1
    assert text("serve.room_risk") in out
    assert "Ready for 35 participants: 62 kernels kept ready (about 4.2 GB of memory, about 6.6 GB" in out


def test_welcome_without_qr_and_in_vietnamese(tmp_path):
    out = launch.welcome(tmp_path, 8866, "192.168.1.20", (), None, INTERFACES, UP, lang="vi", qr=False)
    assert "Học viên mở một trong các địa chỉ sau" in out
    assert "  http://192.168.1.20:8866/" in out.splitlines()
    assert "█" not in out and "▀" not in out
    assert "Trên máy tính này" not in out  # bound to one address: not reachable through loopback


def test_welcome_when_the_laptop_has_no_network_yet(tmp_path):
    out = launch.welcome(tmp_path, 8866, "0.0.0.0", (), None, {"lo": INTERFACES["lo"]}, {"lo": True})
    assert text("serve.no_room_address") in out
    assert "█" not in out


def test_readme_room_sizing_agrees_with_the_launcher(repo_root):
    """The README's sizing table is what `--learners N` keeps ready and needs."""
    import re

    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Running a workshop room", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d+) \| (\d+) \| about ([\d.]+) GB \| about ([\d.]+) GB \|$", section, re.M)
    assert len(rows) >= 3
    landing, modules = launch.course_notebooks(repo_root)
    for learners, kernels, ready, working in rows:
        plan = launch.plan_room(int(learners), landing, modules)
        assert int(kernels) == plan.pool_kernels, learners
        assert ready == launch.megabytes_as_gb(plan.memory_ready_mb), learners
        assert working == launch.megabytes_as_gb(plan.memory_working_mb), learners
    assert f"about {launch.KERNEL_RSS_MB} MB" in section
    assert ".venv/bin/advocacy-lab serve --ip 0.0.0.0 --learners 35" in section
