"""``misp-attack-pack validate EVENT``: the service's report on standard output, for scripts.

Exit status: 0 when the event is valid, 1 when it has errors, 2 when the input or the policy
cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import orjson

from misp_attack_pack.events.loader import EventFormatError
from misp_attack_pack.validators.engine import validate_event
from misp_attack_pack.validators.policy import PolicyError, load_policy

EXIT_VALID = 0
EXIT_INVALID = 1
EXIT_UNREADABLE = 2


def run_validate(args: argparse.Namespace) -> int:
    try:
        policy = load_policy(args.policy) if args.policy else None
        raw = _read(args.event)
        report = validate_event(raw, policy=policy, step=args.step)
    except (EventFormatError, PolicyError, OSError, RecursionError) as error:
        print(f"misp-attack-pack validate: {_reason(error)}", file=sys.stderr)
        return EXIT_UNREADABLE

    sys.stdout.buffer.write(orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2) + b"\n")
    sys.stdout.buffer.flush()
    return EXIT_VALID if report.valid else EXIT_INVALID


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    return Path(path).read_bytes()


def _reason(error: Exception) -> str:
    if isinstance(error, RecursionError):
        return "the JSON is nested too deeply to be a MISP event"
    if isinstance(error, OSError) and error.filename:
        return f"cannot read {error.filename}: {error.strerror}"
    return str(error)
