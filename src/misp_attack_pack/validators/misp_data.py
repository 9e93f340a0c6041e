"""MISP's own reference data as PyMISP ships it: the event schema, describeTypes, templates.

Read lazily and once per process; the files live in ``pymisp/data`` so the pack needs no copy
of the MISP repositories at run time.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pymisp

LOG = logging.getLogger(__name__)

PYMISP_DATA = Path(pymisp.__file__).resolve().parent / "data"
SCHEMA_FILES = {"lax": "schema-lax.json", "strict": "schema.json"}


@dataclass(frozen=True, slots=True)
class DescribeTypes:
    """Attribute types, categories and which categories each type may be filed under."""

    types: frozenset[str]
    categories: frozenset[str]
    categories_of_type: dict[str, frozenset[str]]
    default_category: dict[str, str]


@functools.lru_cache(maxsize=2)
def schema_validator(variant: str) -> Any:
    """A compiled validator for the MISP core event schema (``lax`` or ``strict``)."""
    schema = orjson.loads((PYMISP_DATA / SCHEMA_FILES[variant]).read_bytes())
    validator_class = jsonschema.validators.validator_for(schema)
    return validator_class(schema)


@functools.lru_cache(maxsize=1)
def describe_types() -> DescribeTypes:
    result = orjson.loads((PYMISP_DATA / "describeTypes.json").read_bytes())["result"]
    by_type: dict[str, set[str]] = {}
    for category, types in result["category_type_mappings"].items():
        for kind in types:
            by_type.setdefault(kind, set()).add(category)
    return DescribeTypes(
        types=frozenset(result["types"]),
        categories=frozenset(result["categories"]),
        categories_of_type={kind: frozenset(cats) for kind, cats in by_type.items()},
        default_category={kind: meta.get("default_category", "")
                          for kind, meta in result["sane_defaults"].items()},
    )


@functools.lru_cache(maxsize=512)
def object_template(name: str) -> dict | None:
    """The misp-objects template named ``name``, or ``None`` when PyMISP has none."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    path = PYMISP_DATA / "misp-objects" / "objects" / name / "definition.json"
    try:
        return orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except orjson.JSONDecodeError:
        LOG.warning("object template %s is not valid JSON; treated as unknown", path)
        return None
