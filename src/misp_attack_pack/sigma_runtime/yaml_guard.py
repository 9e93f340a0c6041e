"""A bound on the YAML a MISP user may hand over as a Sigma rule.

YAML aliases let a few hundred bytes expand into gigabytes (nested ``&a [*a, *a]`` anchors),
and a ``sigma`` attribute comes from whoever contributed to a shared event. Sigma rules never
need aliases, so any alias is refused, and the number of parse events is capped, before
anything is built from the text. Parse events are streamed and aliases are not expanded at
that stage, so the check itself stays cheap.
"""

from __future__ import annotations

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# A large SigmaHQ rule has a few thousand parse events; this leaves room for long IOC lists.
MAX_EVENTS = 200_000


def yaml_problem(text: str) -> str:
    """Why ``text`` must not be loaded (an alias, or too many nodes); ``""`` when it is safe.

    Syntax errors are left for the loader to report with their line.
    """
    try:
        for count, event in enumerate(yaml.parse(text, Loader=_Loader), start=1):
            if isinstance(event, yaml.AliasEvent):
                line = event.start_mark.line + 1 if event.start_mark else 0
                return f"YAML aliases are not accepted in Sigma rules (alias at line {line})"
            if count > MAX_EVENTS:
                return f"the YAML holds more than {MAX_EVENTS} nodes"
    except yaml.YAMLError:
        return ""
    return ""
