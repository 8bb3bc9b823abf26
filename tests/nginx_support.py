"""A real nginx in front of the course server, its site built from the committed recipe.

* :func:`site_for_test` turns ``deploy/self-paced/nginx-advocacy-lab.conf`` into
  the test's site by substituting only the domain, the listen ports (on loopback),
  the upstream port and the certificate paths; each substitution must find what it
  replaces, so a recipe the test no longer understands fails here instead of
  being tested half.
* :func:`start_nginx` writes a main configuration like Debian's
  ``/etc/nginx/nginx.conf`` (its ``http`` settings, without its includes) with its
  own pid, logs and temporary folders under a prefix of its own, makes a
  self-signed certificate for the test domain with ``openssl req``, checks it all
  with ``nginx -t``, and runs ``nginx -p PREFIX -c PREFIX/nginx.conf -g 'daemon
  off;'`` on free loopback ports. :func:`stop_nginx` stops it (twice is harmless).
* :class:`Nginx` speaks HTTPS to it under a name (SNI, certificate check and
  ``Host`` all that name's), from a chosen loopback source address, as a
  learner's browser would reach the public name; :class:`ProxiedPage` is
  server_support's :class:`~server_support.Page` loaded and connected (``wss://``)
  through it.
"""
from __future__ import annotations

import asyncio
import http.client
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from server_support import (
    HOST,
    KERNEL_REPLY_TIMEOUT,
    PAGE_TIMEOUT,
    ROOT,
    WS_PROTOCOL,
    Page,
    answer_of,
    free_port,
    terminate,
    wait_for,
)

SITE = ROOT / "deploy" / "self-paced" / "nginx-advocacy-lab.conf"
#: What the recipe names, which the test replaces.
RECIPE_DOMAIN = "lab.example.org"
RECIPE_UPSTREAM = "127.0.0.1:8866"
NGINX_START_TIMEOUT = 30


def nginx_binary() -> str | None:
    """Debian's nginx (in /usr/sbin, which a non-root PATH may lack), or None."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


def ipv6_loopback() -> bool:
    """Whether ``[::1]`` can be listened on here (some containers have no IPv6)."""
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


def _substitute(pattern: str, replacement, text: str, what: str, count: int | None = None) -> str:
    result, found = re.subn(pattern, replacement, text, flags=re.M)
    if not found or (count is not None and found != count):
        raise AssertionError(f"{SITE.name}: expected {count or 'some'} {what}, found {found}; "
                             "the test builds its site from the recipe, update tests/nginx_support.py")
    return result


def site_for_test(text: str, *, domain: str, http_port: int, https_port: int, upstream_port: int,
                  cert: Path, key: Path, ipv6: bool = True, address: str = HOST) -> str:
    """The recipe's site with only the domain, listen ports, upstream port and certificate paths replaced.

    ``listen 80`` / ``listen 443 ...`` become ``ADDRESS:PORT`` (and ``[::]`` becomes
    ``[::1]``, or goes when there is no IPv6 loopback); the rest stays word for word.
    """
    text = _substitute(r"^(\s*ssl_certificate)\s+\S+;", rf"\g<1> {cert};", text, "ssl_certificate", 1)
    text = _substitute(r"^(\s*ssl_certificate_key)\s+\S+;", rf"\g<1> {key};", text, "ssl_certificate_key", 1)
    text = _substitute(rf"^(\s*server\s+){re.escape(RECIPE_UPSTREAM)};", rf"\g<1>{HOST}:{upstream_port};",
                       text, "upstream server", 1)

    def listen(match: re.Match) -> str:
        indent, v6, port, rest = match.group(1), match.group(2), match.group(3), match.group(4)
        new_port = {"80": http_port, "443": https_port}[port]
        if v6 and not ipv6:
            return f"{indent}# (no IPv6 loopback here) listen [::1]:{new_port}{rest};"
        return f"{indent}listen {'[::1]' if v6 else address}:{new_port}{rest};"

    text = _substitute(r"^(\s*)listen\s+(\[::\]:)?(80|443)\b([^;]*);", listen, text, "listen 80/443")
    return _substitute(re.escape(RECIPE_DOMAIN), domain, text, f"mention of {RECIPE_DOMAIN}")


def main_config(prefix: Path) -> str:
    """The main configuration: Debian's ``http`` settings, every path under ``prefix``."""
    mime = Path("/etc/nginx/mime.types")
    # As root nginx hands its workers to "nobody", who cannot enter pytest's private temporary folders.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    temp = "\n".join(f"    {name}_temp_path {prefix}/temp/{name};" for name in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""# Written by tests/nginx_support.py: Debian's /etc/nginx/nginx.conf, its own paths, the recipe's site.
{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log info;

events {{
    worker_connections 256;
}}

http {{
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    {f"include {mime};" if mime.is_file() else "# (no /etc/nginx/mime.types here)"}
    default_type application/octet-stream;
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers on;
    access_log {prefix}/logs/access.log;
    gzip on;
{temp}

    include {prefix}/site.conf;
}}
"""


def make_certificate(folder: Path, domain: str) -> tuple[Path, Path]:
    """A self-signed certificate and key for ``domain`` (openssl req), valid two days."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2",
         "-subj", f"/CN={domain}", "-addext", f"subjectAltName=DNS:{domain}",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    return cert, key


class _Named(http.client.HTTPSConnection):
    """HTTPS to an address on loopback under a name: SNI and the certificate check use the name."""

    def __init__(self, name: str, address: str, port: int, context: ssl.SSLContext, source: str | None,
                 timeout: float):
        super().__init__(name, port, context=context, timeout=timeout,
                         source_address=(source, 0) if source else None)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout, self.source_address)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass
class Nginx:
    proc: subprocess.Popen
    prefix: Path
    domain: str
    http_port: int
    https_port: int
    cert: Path
    #: The loopback address nginx listens on (the test domain resolves to it).
    address: str = HOST

    def context(self, verify: bool = True) -> ssl.SSLContext:
        """Trusts the test's certificate; ``verify=False`` for a name it was not made for."""
        context = ssl.create_default_context(cafile=str(self.cert))
        if not verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def request(self, method: str, path: str, headers: dict | None = None, body: bytes | None = None,
                source: str | None = None, name: str | None = None, timeout: float = PAGE_TIMEOUT):
        """One HTTPS request through nginx: (status, headers, body).

        ``name`` (default the test domain) is the SNI name, the name the certificate
        is checked against (only for the test domain) and the ``Host``, unless
        ``headers`` give another; ``source`` picks the client's loopback address.
        """
        name = name or self.domain
        conn = _Named(name, self.address, self.https_port, self.context(verify=name == self.domain), source, timeout)
        return answer_of(conn, method, path, headers, body)

    def plain_request(self, method: str, path: str, headers: dict | None = None, timeout: float = 30):
        """One plain HTTP request to the port-80 server: (status, headers, body)."""
        conn = http.client.HTTPConnection(self.address, self.http_port, timeout=timeout)
        return answer_of(conn, method, path, {"Host": self.domain, **(headers or {})})

    def log(self, name: str = "error.log") -> str:
        try:
            return (self.prefix / "logs" / name).read_text(errors="replace")
        except OSError:
            return ""


def _accepts(port: int, address: str = HOST) -> bool:
    try:
        with socket.create_connection((address, port), timeout=2):
            return True
    except OSError:
        return False


def start_nginx(prefix: Path, upstream_port: int, domain: str, nginx: str | None = None, *,
                address: str = HOST, https_port: int | None = None) -> Nginx:
    """nginx with the recipe's site for ``domain`` in front of ``upstream_port``; returns once it listens.

    ``address``/``https_port``: where it takes HTTPS (default: 127.0.0.1 and a free port). A browser
    needs 443 (the recipe's ``Host $host`` carries no port, and a websocket's Origin must match it);
    on another loopback address than 127.0.0.1, IPv6 is left out (``[::1]:443`` may be taken).
    """
    nginx = nginx or nginx_binary()
    assert nginx, "no nginx (scripts/ensure-nginx installs Debian's)"
    prefix = Path(prefix)
    for folder in ("logs", "temp"):
        (prefix / folder).mkdir(parents=True, exist_ok=True)
    cert, key = make_certificate(prefix, domain)
    http_port = free_port()
    while https_port is None or https_port == http_port:
        https_port = free_port()
    (prefix / "site.conf").write_text(site_for_test(
        SITE.read_text(encoding="utf-8"), domain=domain, http_port=http_port, https_port=https_port,
        upstream_port=upstream_port, cert=cert, key=key, ipv6=address == HOST and ipv6_loopback(),
        address=address))
    conf = prefix / "nginx.conf"
    conf.write_text(main_config(prefix))
    command = [nginx, "-p", str(prefix), "-c", str(conf)]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=60)
    if checked.returncode != 0:
        raise AssertionError(f"nginx -t refused the site built from {SITE.name}:\n{checked.stderr}")
    with (prefix / "logs" / "nginx.out").open("wb") as out:
        proc = subprocess.Popen([*command, "-g", "daemon off;"], stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    front = Nginx(proc, prefix, domain, http_port, https_port, cert, address)

    def listening():
        if proc.poll() is not None:
            raise RuntimeError(f"nginx exited with {proc.returncode}:\n{front.log()[-3000:]}")
        return _accepts(https_port, address) and _accepts(http_port, address)

    try:
        wait_for(listening, "nginx listening", NGINX_START_TIMEOUT, every=0.1)
    except BaseException:
        stop_nginx(front)
        raise
    return front


def stop_nginx(front: Nginx) -> None:
    """SIGTERM (nginx's fast shutdown) to the master; SIGKILL its process group if it hangs."""
    proc = front.proc
    terminate(proc, 15)
    # A worker left behind by a killed master would keep the ports: the group goes too.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class ProxiedPage(Page):
    """A page loaded through nginx (``server`` is the :class:`Nginx`), its websocket ``wss://`` through it."""

    @classmethod
    def load(cls, front: Nginx, notebook: str, source: str | None = None, headers: dict | None = None):
        status, answer_headers, body = front.request("GET", f"/voila/render/{notebook}", headers=headers,
                                                     source=source)
        return cls.from_answer(front, notebook, status, answer_headers, body)

    async def connect(self, compression: bool = False, origin: str | None = None):
        """The kernel's websocket through nginx, to the domain's name (resolved to loopback here).

        ``origin``: the ``Origin`` header a browser sends (by default the page's own,
        ``https://DOMAIN`` as on port 443).
        """
        from tornado.httpclient import HTTPRequest
        from tornado.netutil import DefaultLoopResolver, OverrideResolver
        from tornado.websocket import websocket_connect

        front = self.server
        url = (f"wss://{front.domain}:{front.https_port}/api/kernels/{self.kernel_id}/channels"
               f"?session_id={self.session}")
        headers = {**self.cookie_header(), "Origin": origin or f"https://{front.domain}"}
        self.ws = await asyncio.wait_for(websocket_connect(
            HTTPRequest(url, headers=headers, request_timeout=KERNEL_REPLY_TIMEOUT, ssl_options=front.context()),
            subprotocols=[WS_PROTOCOL], max_message_size=64 * 1024 * 1024,
            compression_options={} if compression else None,
            resolver=OverrideResolver(DefaultLoopResolver(), {front.domain: front.address}),
        ), KERNEL_REPLY_TIMEOUT)
        assert self.ws.selected_subprotocol == WS_PROTOCOL
        return self

    def leave(self) -> int:
        """The shutdown request a closed tab sends, through nginx; the status."""
        token = self.cookies.get("_xsrf", "")
        status, _, _ = self.server.request(
            "POST", f"/voila/api/shutdown/{self.kernel_id}",
            headers={"X-XSRFToken": token, **self.cookie_header(), "Content-Type": "application/x-www-form-urlencoded"},
            body=f"_xsrf={token}".encode())
        return status


@contextmanager
def course_behind_nginx(folder: Path, domain: str, **nginx_options):
    """(server, nginx): ``advocacy-lab serve`` as the recipe starts it (trusting nginx, answering to
    ``domain``), its lessons' kernels warm, and nginx with the recipe's site in front; both stopped after."""
    from server_support import pools_warm, start_server, stop_server

    server = start_server(folder, args=["--trusted-proxy", "127.0.0.1", "--hostname", domain], ready=pools_warm)
    try:
        front = start_nginx(folder / "prefix", server.port, domain, **nginx_options)
    except BaseException:
        stop_server(server)
        raise
    try:
        yield server, front
    finally:
        stop_nginx(front)
        stop_server(server)
