"""The ``advocacy-lab`` command line.

Subcommands import what they need lazily so ``advocacy-lab --help`` is instant.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _add_course_option(parser: argparse.ArgumentParser, subcommand: bool = True) -> None:
    """``--course DIR``, before the subcommand or after it; ``main`` finds the folder.

    After the subcommand, an absent option must not hide one given before it (SUPPRESS).
    """
    parser.add_argument(
        "--course", metavar="DIR", default=argparse.SUPPRESS if subcommand else None,
        help=_text("cli.help.course"),
    )
    if subcommand:
        parser.set_defaults(acts_on_course=True)


def _cmd_serve(args: argparse.Namespace) -> int:
    from advocacy_lab.server.launch import serve

    return serve(
        port=args.port,
        open_browser=not args.no_browser,
        root=args.course,
        pool_sizes=args.pool_size,
        cull_timeout=args.cull_timeout,
        cull_interval=args.cull_interval,
        ip=args.ip,
        hostnames=args.hostname,
        learners=args.learners,
        lang=args.lang,
        trusted_proxies=args.trusted_proxy,
    )


def _text(key: str) -> str:
    from advocacy_lab.core.catalogue import text

    return text(key)


def _add_room_arguments(serve: argparse.ArgumentParser) -> None:
    """``--ip``, ``--hostname``, ``--learners`` and ``--lang`` of ``serve`` (a workshop room)."""
    from advocacy_lab.core.catalogue import languages, text
    from advocacy_lab.server.launch import learners_help

    serve.add_argument("--ip", metavar="ADDRESS", help=text("serve.help.ip"))
    serve.add_argument("--hostname", action="append", metavar="NAME", help=text("serve.help.hostname"))
    serve.add_argument("--learners", metavar="N", help=learners_help())
    serve.add_argument("--lang", choices=languages(), default="en", help=text("serve.help.lang"))


def _cmd_rules(args: argparse.Namespace) -> int:
    from advocacy_lab.core.rules import rules_markdown

    sys.stdout.write(rules_markdown())
    return 0


def _add_trainer_commands(sub: argparse._SubParsersAction) -> None:
    """The trainer's commands, each added by its module of ``advocacy_lab.trainer``."""
    from importlib import import_module

    from advocacy_lab.trainer import COMMAND_MODULES

    for name in COMMAND_MODULES:
        import_module(f"advocacy_lab.trainer.{name}").add_command(sub, _add_course_option)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="advocacy-lab", description=__doc__.splitlines()[0])
    _add_course_option(parser, subcommand=False)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the course with Voila (notebooks/ only)")
    serve.add_argument("--port", type=int, default=8866)
    serve.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    _add_course_option(serve)
    _add_room_arguments(serve)
    serve.add_argument(
        "--pool-size",
        action="append",
        metavar="[NOTEBOOK=]N",
        help=_text("serve.help.pool_size"),
    )
    serve.add_argument(
        "--cull-timeout",
        type=float,
        metavar="SECONDS",
        help="shut down a kernel idle and disconnected this long (default from voila.json: 300)",
    )
    serve.add_argument(
        "--cull-interval", type=float, metavar="SECONDS", help="how often to look for such kernels (default 30)"
    )
    serve.add_argument(
        "--trusted-proxy", action="append", metavar="ADDRESS", help=_text("serve.proxy.help")
    )
    serve.set_defaults(func=_cmd_serve)

    rules = sub.add_parser("rules", help="print the table of all check rules (Markdown)")
    rules.add_argument("--markdown", action="store_true", help="Markdown output (the default)")
    rules.set_defaults(func=_cmd_rules)

    _add_trainer_commands(sub)

    args = parser.parse_args(argv)
    if getattr(args, "acts_on_course", False):
        from advocacy_lab.course import find_course

        try:
            args.course = find_course(Path.cwd(), args.course, getattr(args, "lang", "en"))
        except ValueError as exc:
            print(f"advocacy-lab: {exc}", file=sys.stderr)
            return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
