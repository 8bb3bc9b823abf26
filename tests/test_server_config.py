"""The Voila configuration behind ``advocacy-lab serve`` (no browser, no kernel).

The browser suite (tests/browser) checks the same properties against a running
server; these tests pin down where each setting lives and that the launcher
builds the right application from it.
"""
from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest
import tornado.web
from traitlets.config import Config

from advocacy_lab.server import launch
from advocacy_lab.server import app as app_module
from advocacy_lab.server.app import (
    BASE_TEMPLATE,
    CONFIG_FILE,
    TEMPLATE_DIR,
    AdvocacyVoila,
    SafeRenderHandler,
    SafeTemplateStaticFileHandler,
    is_plain_relative_path,
)

CONFIG = json.loads(CONFIG_FILE.read_text(encoding="utf-8"))
VOILA_CONF = CONFIG["VoilaConfiguration"]


def voila_serves_file(path: str) -> bool:
    """Voila's own rule for /voila/files/<path> (voila.static_file_handler.AllowListFileHandler)."""
    allowed = any(re.fullmatch(p, path, re.IGNORECASE) for p in VOILA_CONF["file_allowlist"])
    denied = any(re.fullmatch(p, path, re.IGNORECASE) for p in VOILA_CONF["file_denylist"])
    return allowed and not denied


def test_config_file_ships_inside_the_package():
    assert CONFIG_FILE.name == "voila.json"
    assert CONFIG_FILE.parent.name == "server"
    assert CONFIG_FILE.parent.parent.name == "advocacy_lab"


def test_security_settings_are_in_the_config_file():
    assert VOILA_CONF["strip_sources"] is True
    assert VOILA_CONF["show_tracebacks"] is False
    # The page must not pick another template or theme by query string.
    assert VOILA_CONF["allow_template_override"] == "NO"
    assert VOILA_CONF["allow_theme_override"] == "NO"
    # Progressive rendering adds an execution endpoint; keep it off.
    assert VOILA_CONF["progressive_rendering"] is False
    assert VOILA_CONF["http_header_envs"] == []
    assert CONFIG["Voila"]["ip"] == "127.0.0.1"
    # Never silently move to another port.
    assert CONFIG["Voila"]["port_retries"] == 0


def test_only_the_lab_extensions_the_apps_need_are_loaded():
    allow = VOILA_CONF["extension_allowlist"]
    assert "@voila-dashboards/widgets-manager8" in allow
    assert "anywidget" in allow
    assert not any("nbgrader" in name for name in allow)


@pytest.mark.parametrize("path", ["logo.png", "images/logo.png", "img/chart-1.SVG", "a_b/c-d/e.jpeg"])
def test_file_allowlist_serves_images_in_the_notebooks_folder(path):
    assert voila_serves_file(path)


@pytest.mark.parametrize(
    "path",
    [
        "../pyproject.toml",
        "../solutions/x.png",
        "images/../../x.png",
        "..",
        "./x.png",
        ".git/config",
        ".hidden.png",
        "images/.hidden.png",
        ".ipynb_checkpoints/a.png",
        "00-start-here.ipynb",
        "helpers.py",
        "data.json",
        "pyproject.toml",
        "notes.md",
        "x.png/../../y.png",
        "/etc/passwd",
        "images\\..\\x.png",
    ],
)
def test_file_allowlist_refuses_everything_else(path):
    assert not voila_serves_file(path)


def test_kernels_are_preheated_and_culled():
    assert VOILA_CONF["preheat_kernel"] is True
    assert VOILA_CONF["default_pool_size"] >= 1
    mkm = CONFIG["MappingKernelManager"]
    assert mkm["cull_idle_timeout"] > 0
    assert 0 < mkm["cull_interval"] <= mkm["cull_idle_timeout"]
    # A learner whose connection dropped holds no kernel for ever.
    assert mkm["cull_connected"] is False


def test_compression_is_configured():
    assert CONFIG["Voila"]["tornado_settings"]["compress_response"] is True


@pytest.mark.parametrize(
    "path,ok",
    [
        ("04-campaign-message.ipynb", True),
        ("sub/module.ipynb", True),
        ("../solutions/x.ipynb", False),
        ("a/../b.ipynb", False),
        (".ipynb_checkpoints/x.ipynb", False),
        ("/etc/passwd", False),
        ("a//b.ipynb", False),
        ("a\\..\\b.ipynb", False),
        ("", False),
        (None, False),
    ],
)
def test_plain_relative_path(path, ok):
    assert is_plain_relative_path(path) is ok


def test_build_argv_serves_only_the_notebooks_folder(tmp_path):
    argv = launch.build_argv(9123, False, tmp_path)
    assert f"--Voila.root_dir={(tmp_path / 'notebooks').resolve()}" in argv
    assert "--Voila.port=9123" in argv
    assert "--Voila.open_browser=False" in argv
    assert "--Voila.open_browser=True" in launch.build_argv(9123, True, tmp_path)


@pytest.fixture
def voila_app(tmp_path, monkeypatch):
    """An AdvocacyVoila initialised (not started) over tmp_path/notebooks.

    The working directory holds a hostile voila.json: it must be ignored.
    """
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "voila.json").write_text(
        json.dumps({"VoilaConfiguration": {"show_tracebacks": True, "strip_sources": False}})
    )
    monkeypatch.chdir(tmp_path)
    app = AdvocacyVoila()
    # No kernel pool here: the kernel manager would start kernels as soon as it exists.
    app.initialize(launch.build_argv(9123, False, tmp_path) + ["--VoilaConfiguration.preheat_kernel=False"])
    yield app
    AdvocacyVoila.clear_instance()


def test_config_comes_from_the_package_not_the_working_directory(voila_app, tmp_path):
    assert voila_app.config_file_paths == [str(CONFIG_FILE.parent)]
    conf = voila_app.voila_configuration
    assert conf.show_tracebacks is False
    assert conf.strip_sources is True
    assert conf.file_allowlist == VOILA_CONF["file_allowlist"]
    assert voila_app.root_dir == str((tmp_path / "notebooks").resolve())
    assert voila_app.port_retries == 0
    assert voila_app.ip == "127.0.0.1"


def test_culling_config_reaches_the_kernel_manager(voila_app):
    voila_app.init_settings()
    km = voila_app.kernel_manager
    assert km.cull_idle_timeout == CONFIG["MappingKernelManager"]["cull_idle_timeout"]
    assert km.cull_connected is False
    # Standalone Voila only lets widget traffic through the websocket.
    assert "execute_request" not in km.allowed_message_types
    assert set(km.allowed_message_types) <= {
        "comm_open", "comm_close", "comm_msg", "comm_info_request", "kernel_info_request", "shutdown_request",
    }


def test_compression_reaches_the_tornado_application(voila_app):
    """Voila applies tornado_settings after building the Application, too late for gzip."""
    settings = voila_app.init_settings()
    app = tornado.web.Application(**settings)
    assert tornado.web.GZipContentEncoding in app.transforms


def test_routes_landing_redirect_and_no_listing(voila_app):
    voila_app.init_settings()
    routes = {spec[0]: spec for spec in voila_app.init_handlers()}
    landing = routes["/"]
    assert landing[1] is tornado.web.RedirectHandler
    assert landing[2]["url"] == "/voila/render/00-start-here.ipynb"
    assert not any(p.startswith("/voila/tree") or p.startswith("/voila/api/contents") for p in routes)
    assert not any(p.startswith("/api/contents") or p == "/api/kernels" for p in routes)
    handler_classes = {spec[1] for spec in routes.values()}
    assert SafeRenderHandler in handler_classes
    assert SafeTemplateStaticFileHandler in handler_classes
    # No execution endpoint (progressive rendering) is registered.
    assert not any("/voila/execution" in p for p in routes)
    # No login here: /login and /logout are not served (Jupyter Server's /logout answered 500).
    assert not any(p.startswith(("/login", "/logout")) for p in routes)
    # The kernel websocket refuses plain GETs before they reach the kernel (routes.py).
    from advocacy_lab.server.routes import KernelWebsocketEntry

    assert routes[next(p for p in routes if p.endswith("/channels"))][1] is KernelWebsocketEntry


# -- what one learner can make the server hold or send (issue #7, section 4) --------------


def test_websocket_messages_are_capped_at_one_mebibyte(voila_app):
    """Tornado's default is 10 MiB: one 9.5 MB widget update kept a kernel busy 8.4 s."""
    assert CONFIG["Voila"]["tornado_settings"]["websocket_max_message_size"] == 1024 * 1024
    app = tornado.web.Application(**voila_app.init_settings())
    # Where the kernel websocket handler reads it (WebSocketHandler.max_message_size).
    assert app.settings["websocket_max_message_size"] == 1024 * 1024


def test_kernel_output_goes_through_the_iopub_filter(voila_app):
    from advocacy_lab.server.iopub import PageIopubConnection

    settings = voila_app.init_settings()
    assert settings["kernel_websocket_connection_class"] is PageIopubConnection


def test_kernel_caps_reach_the_kernel_manager(tmp_path, monkeypatch):
    from advocacy_lab.server.caps import KernelCapsMixin, default_max_kernels

    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path)
    app = AdvocacyVoila()
    try:
        app.initialize(launch.build_argv(9123, False, tmp_path) + [
            "--AdvocacyVoila.max_kernels=12", "--AdvocacyVoila.max_kernels_per_client=3",
            "--AdvocacyVoila.unconnected_timeout=45"])
        app.init_settings()
        km = app.kernel_manager
        assert isinstance(km, KernelCapsMixin)
        assert (km.max_kernels, km.max_kernels_per_client, km.unconnected_timeout) == (12, 3, 45.0)
        # Pools are still paced, and pool kernels count in the total at their full size.
        assert hasattr(km, "note_activity")
        assert km.pool_target() == 0  # no notebook in the folder, so no pool
    finally:
        AdvocacyVoila.clear_instance()
    defaults = AdvocacyVoila()
    try:
        assert defaults.max_kernels == default_max_kernels()
        assert defaults.max_kernels_per_client == 6
        assert 0 < defaults.unconnected_timeout < CONFIG["MappingKernelManager"]["cull_idle_timeout"]
        assert set(defaults.uncapped_clients) == {"127.0.0.1", "::1"}
    finally:
        AdvocacyVoila.clear_instance()


@pytest.mark.parametrize("arg", ["--AdvocacyVoila.max_kernels=0", "--AdvocacyVoila.max_kernels_per_client=0",
                                 "--AdvocacyVoila.unconnected_timeout=0"])
def test_kernel_caps_refuse_nonsense(tmp_path, monkeypatch, arg):
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path)
    app = AdvocacyVoila()
    try:
        with pytest.raises(Exception, match="at least 1|above 0"):
            app.initialize(launch.build_argv(9123, False, tmp_path) + [arg])
    finally:
        AdvocacyVoila.clear_instance()


# -- the course's template: Voila's "lab" without requests to other hosts ------------------


def test_template_ships_inside_the_package():
    assert TEMPLATE_DIR.parent.parent == CONFIG_FILE.parent
    assert (TEMPLATE_DIR / "index.html.j2").is_file()
    assert (TEMPLATE_DIR / "page.html").is_file()
    # Voila resolves asset URLs by template name in the Jupyter data folders, so
    # the page stays "lab" to Voila; ours only comes first in the search path.
    assert VOILA_CONF["template"] == BASE_TEMPLATE == "lab"


def test_our_templates_are_found_before_voilas(voila_app):
    assert voila_app.template_paths[0] == str(TEMPLATE_DIR)
    # Voila's own folders follow, so its templates and assets are still found.
    assert any(p.replace("\\", "/").endswith("voila/templates/lab") for p in voila_app.template_paths[1:])
    env = voila_app.init_settings()["voila_jinja2_env"]
    assert env.get_template("page.html").filename == str(TEMPLATE_DIR / "page.html")

    from voila.exporter import VoilaExporter

    exporter = VoilaExporter(template_paths=voila_app.template_paths, template_name="lab")
    assert exporter.environment.get_template("index.html.j2").filename == str(TEMPLATE_DIR / "index.html.j2")


def test_error_page_links_nothing_on_another_host(voila_app):
    """The 404 page, rendered as Voila's handlers render it, keeps the theme and drops the CDN."""
    from voila.utils import create_include_assets_functions

    env = voila_app.init_settings()["voila_jinja2_env"]
    html = env.get_template("404.html").render(
        status_code=404, status_message="Not Found", base_url="/", theme="light",
        **create_include_assets_functions("lab", "/"),
    )
    assert "404: Not Found" in html
    assert "/voila/templates/lab/static/theme-light.css" in html
    assert not re.search(r"""(?:href|src)=["']?(?:https?:)?//""", html), html


def test_a_missing_template_folder_stops_the_server(tmp_path, monkeypatch):
    """Jinja skips a missing folder: without this check Voila's CDN links would come back silently."""
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(app_module, "TEMPLATE_DIR", tmp_path / "not-installed")
    app = AdvocacyVoila()
    try:
        with pytest.raises(FileNotFoundError, match="package data"):
            app.initialize(launch.build_argv(9123, False, tmp_path) + ["--VoilaConfiguration.preheat_kernel=False"])
    finally:
        AdvocacyVoila.clear_instance()


def test_another_base_template_is_refused(tmp_path, monkeypatch):
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path)
    app = AdvocacyVoila()
    try:
        with pytest.raises(ValueError, match="must be 'lab'"):
            app.initialize(
                launch.build_argv(9123, False, tmp_path)
                + ["--VoilaConfiguration.preheat_kernel=False", "--VoilaConfiguration.template=reveal"]
            )
    finally:
        AdvocacyVoila.clear_instance()


def test_serve_refuses_a_port_in_use_with_a_clear_message(tmp_path, capsys):
    (tmp_path / "notebooks").mkdir()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status = launch.serve(port=port, open_browser=False, root=tmp_path)
    assert status == 1
    err = capsys.readouterr().err
    assert f"port {port} is already in use" in err
    assert "--port" in err


def test_serve_without_notebooks_folder_fails_clearly(tmp_path, capsys):
    assert launch.serve(port=9, open_browser=False, root=tmp_path) == 2
    assert "no notebooks/ folder" in capsys.readouterr().err


def test_cli_serve_calls_launch_serve(monkeypatch):
    from advocacy_lab import cli

    seen = {}
    monkeypatch.setattr(launch, "serve", lambda **kw: seen.update(kw) or 0)
    assert cli.main(["serve", "--port", "9999", "--no-browser"]) == 0
    assert seen["port"] == 9999 and seen["open_browser"] is False
    assert Path(seen["root"]).joinpath("notebooks").is_dir()


# -- room options: pool sizes and cull timings ------------------------------------------


def test_parse_pool_sizes_default_and_per_notebook():
    assert launch.parse_pool_sizes(None) == {}
    assert launch.parse_pool_sizes(["2", "04-campaign-message.ipynb=35", "sub/a.ipynb = 3"]) == {
        "default": 2,
        "04-campaign-message.ipynb": 35,
        "sub/a.ipynb": 3,
    }


@pytest.mark.parametrize(
    "spec,problem",
    [
        ("many", "not a whole number"),
        ("-1", "from 0 to"),
        ("100000", "from 0 to"),
        ("04-campaign-message.ipynb=", "not a whole number"),
        ("../solutions/x.ipynb=3", "not a notebook path"),
        ("notes.md=3", "not a notebook path"),
        (".hidden.ipynb=3", "not a notebook path"),
    ],
)
def test_parse_pool_sizes_names_the_problem(spec, problem):
    with pytest.raises(ValueError, match=problem):
        launch.parse_pool_sizes([spec])


def test_build_argv_without_room_options_leaves_voila_json_alone(tmp_path):
    argv = launch.build_argv(9123, False, tmp_path)
    assert not any("pool" in a or "cull" in a for a in argv)


def test_build_argv_room_options(tmp_path):
    argv = launch.build_argv(
        9123, False, tmp_path,
        pool_sizes={"04-campaign-message.ipynb": 35},
        cull_timeout=20, cull_interval=5,
    )
    assert "--MappingKernelManager.cull_idle_timeout=20" in argv
    assert "--MappingKernelManager.cull_interval=5" in argv
    assert not any("pool" in a for a in argv)  # per-notebook pools go through pool_config
    assert "--VoilaConfiguration.default_pool_size=4" in launch.build_argv(
        9123, False, tmp_path, pool_sizes={"default": 4}
    )


def test_pool_config_per_notebook_keeps_the_default_pool():
    assert launch.pool_config(None) is None
    assert launch.pool_config({"default": 2}) is None  # that one is a plain option
    # The default pool stays the configured one when only one notebook is named.
    assert launch.pool_config({"04-campaign-message.ipynb": 35}) == {
        "VoilaKernelManager": {
            "kernel_pools_config": {
                "default": {"pool_size": VOILA_CONF["default_pool_size"]},
                "04-campaign-message.ipynb": {"pool_size": 35},
            }
        }
    }


@pytest.mark.parametrize("bad", [0, -5, float("nan")])
def test_build_argv_refuses_bad_cull_seconds(tmp_path, bad):
    with pytest.raises(ValueError, match="seconds above 0"):
        launch.build_argv(9123, False, tmp_path, cull_timeout=bad)


def test_room_options_reach_the_kernel_manager(tmp_path, monkeypatch):
    """Pools and cull timings given on the command line win over voila.json."""
    (tmp_path / "notebooks").mkdir()  # empty: the preheating manager starts no kernel
    monkeypatch.chdir(tmp_path)
    app = AdvocacyVoila()
    sizes = launch.parse_pool_sizes(["3", "04-campaign-message.ipynb=35"])
    try:
        # As launch.serve does it.
        app.initialize(launch.build_argv(9123, False, tmp_path, pool_sizes=sizes, cull_timeout=20, cull_interval=5))
        app.update_config(Config(launch.pool_config(sizes)))
        app.init_settings()
        km = app.kernel_manager
        assert app.voila_configuration.default_pool_size == 3
        assert km.cull_idle_timeout == 20
        assert km.cull_interval == 5
        assert km.kernel_pools_config["04-campaign-message.ipynb"]["pool_size"] == 35
        assert km.kernel_pools_config["default"]["pool_size"] == 3
        # The other security settings still come from voila.json.
        assert app.voila_configuration.show_tracebacks is False
    finally:
        AdvocacyVoila.clear_instance()


def test_serve_refuses_a_bad_pool_size_clearly(tmp_path, capsys):
    (tmp_path / "notebooks").mkdir()
    assert launch.serve(port=9, open_browser=False, root=tmp_path, pool_sizes=["lots"]) == 2
    assert "not a whole number" in capsys.readouterr().err


def test_cli_serve_passes_room_options(monkeypatch):
    from advocacy_lab import cli

    seen = {}
    monkeypatch.setattr(launch, "serve", lambda **kw: seen.update(kw) or 0)
    argv = ["serve", "--no-browser", "--pool-size", "2", "--pool-size", "04-campaign-message.ipynb=35",
            "--cull-timeout", "20", "--cull-interval", "5"]
    assert cli.main(argv) == 0
    assert seen["pool_sizes"] == ["2", "04-campaign-message.ipynb=35"]
    assert seen["cull_timeout"] == 20 and seen["cull_interval"] == 5
    seen.clear()
    assert cli.main(["serve", "--no-browser"]) == 0
    assert seen["pool_sizes"] is None and seen["cull_timeout"] is None and seen["cull_interval"] is None
