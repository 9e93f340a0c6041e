"""The ``misp-attack-pack`` command: exports, validation and the service, for cron and pipelines.

``export`` writes the same bytes the misp-modules export module returns to MISP, so a nightly
job and a MISP download agree.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Sequence

from misp_attack_pack import __version__

LOG = logging.getLogger("misp_attack_pack.cli")

EXIT_OK = 0
EXIT_INVALID_EVENT = 1
EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if not hasattr(args, "run"):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    return args.run(args)


def _parser() -> argparse.ArgumentParser:
    from misp_attack_pack.exports.registry import FORMATS

    parser = argparse.ArgumentParser(prog="misp-attack-pack", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    commands = parser.add_subparsers(title="commands")

    export = commands.add_parser("export", help="export a MISP event to a detection format")
    export.add_argument("--format", "-f", required=True, choices=sorted(FORMATS))
    export.add_argument("event", nargs="?", default="-",
                        help="MISP event JSON file, or - for standard input (default)")
    export.add_argument("-o", "--output", default="-", help="output file (default: stdout)")
    export.add_argument("--include-non-ids", action="store_true",
                        help="also export attributes whose to_ids flag is off")
    export.add_argument("--misp-url", default="", help="MISP base URL for event references")
    export.add_argument("--attack-catalogue", action="append", default=[],
                        help="ATT&CK STIX bundle or MISP galaxy cluster file to overlay")
    export.add_argument("--set", action="append", default=[], metavar="OPTION=VALUE",
                        help="a format-specific module option, as MISP would send it")
    export.set_defaults(run=_run_export)

    validate = commands.add_parser("validate", help="check an event against the publish policy")
    validate.add_argument("event", nargs="?", default="-")
    validate.add_argument("--policy", help="policy YAML file overriding the default")
    validate.add_argument("--step", help="publication step the event is asked to move to")
    validate.set_defaults(run=_run_validate)

    serve = commands.add_parser("serve", help="run the validation service under gunicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8750)
    serve.add_argument("--workers", type=int, default=2)
    serve.add_argument("--config", help="service configuration YAML (keys, policy, limits)")
    serve.set_defaults(run=_run_serve)
    return parser


def _run_export(args: argparse.Namespace) -> int:
    from misp_attack_pack.attack.sources import CatalogueSourceError, load_catalogue
    from misp_attack_pack.events.loader import EventFormatError, load_events
    from misp_attack_pack.exports.base import ExportOptions
    from misp_attack_pack.exports.registry import export_format

    try:
        config = _module_config(args)
        events = load_events(_read_input(args.event))
        catalogue = load_catalogue(tuple(args.attack_catalogue))
    except (EventFormatError, CatalogueSourceError, OSError, ValueError) as error:
        print(f"misp-attack-pack: {error}", file=sys.stderr)
        return EXIT_USAGE

    options = ExportOptions.from_config(config)
    result = export_format(args.format).render(events, catalogue, options)
    _write_output(args.output, result.content)
    LOG.info("exported %d indicators, skipped %d", result.exported, result.skipped)
    return EXIT_OK


def _module_config(args: argparse.Namespace) -> dict[str, str]:
    config = {"include_non_ids": "1" if args.include_non_ids else "0", "misp_url": args.misp_url}
    for item in args.set:
        name, separator, value = item.partition("=")
        if not separator or not name.strip():
            raise ValueError(f"--set {item!r}: expected OPTION=VALUE")
        config[name.strip()] = value
    return config


def _run_validate(args: argparse.Namespace) -> int:
    from misp_attack_pack.validators.cli import run_validate

    return run_validate(args)


def _run_serve(args: argparse.Namespace) -> int:
    from misp_attack_pack.service.server import run_server

    return run_server(host=args.host, port=args.port, workers=args.workers, config=args.config)


def _read_input(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    return Path(path).read_bytes()


def _write_output(path: str, content: bytes) -> None:
    if path == "-":
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
        return
    Path(path).write_bytes(content)


if __name__ == "__main__":
    sys.exit(main())
