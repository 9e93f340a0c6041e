#!/usr/bin/env python3
"""Build offline reference data for pySigma-validators-sigmahq >= 0.20.

From 0.20 on, the SigmaHQ validators download their reference data (taxonomy,
filename prefixes, Windows provider names and EventID categories) from GitHub the
first time a validator touches it.  On a machine without internet access that
download fails, so the data has to come from local files instead.

Release 0.12.2 still shipped the very same data, embedded as Python dicts in
``sigma/validators/sigmahq/sigmahq_data.py`` (taxonomy version 20251103).  This
script takes that module out of the 0.12.2 wheel (without installing the wheel),
evaluates it and writes one JSON file per 0.2x data loader, in the shape that the
loader's ``_parse`` expects.  Point the loaders at the files with::

    from sigma.validators.sigmahq.data import (
        data_filename, data_taxonomy, data_windows_eventid, data_windows_provider)
    data_taxonomy.set_url("OUT/sigmahq_taxonomy.json")
    data_filename.set_url("OUT/sigmahq_filename.json")
    data_windows_provider.set_url("OUT/sigmahq_windows_provider.json")
    data_windows_eventid.set_url("OUT/sigmahq_windows_eventid.json")

(``set_cache_dir()`` may be called as well to keep the parsed-data cache out of
``~/.cache/pysigma/sigmahq``.)

Usage::

    python tools/build_sigmahq_data.py --wheel-dir .cache/wheels --out data/sigmahq

Only the standard library and pySigma are needed.  If pySigma-validators-sigmahq
(>= 0.20) is installed too, the written files are fed through its loaders and the
result is compared with the 0.12.2 data, so a format drift fails the build.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import importlib
import json
import logging
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any, Dict, List, Optional

try:
    from sigma.rule import SigmaLogSource
except ImportError:  # pragma: no cover - environment problem, not a code path
    sys.exit("build_sigmahq_data: pySigma is required (pip install 'pySigma>=1,<2')")

LOG = logging.getLogger("build_sigmahq_data")

WHEEL_PROJECT = "pysigma-validators-sigmahq"
WHEEL_VERSION = "0.12.2"
WHEEL_PREFIX = f"pysigma_validators_sigmahq-{WHEEL_VERSION}-"
# PyPI files are immutable; pinning the hash guards against a tampered cache/mirror.
WHEEL_SHA256 = "14a28d89a2f0c142d15c4d769b0ae93cd668c3288b4abc8ab505f0687cf98e21"
DATA_MEMBER = "sigma/validators/sigmahq/sigmahq_data.py"

# Names the data module must define; anything else means the module is not the
# one this script was written against.
EXPECTED_NAMES = {
    "file_pattern_version",
    "ref_sigmahq_logsource_filepattern",
    "taxonomy_version",
    "ref_sigmahq_fieldsname",
    "ref_sigmahq_redundant_field",
    "ref_sigmahq_logsource_definition",
    "windows_version",
    "ref_windows_provider_name",
    "ref_windows_no_eventid",
}
ALLOWED_IMPORTS = {"typing": {"Dict", "List", "Optional"}, "sigma.rule": {"SigmaLogSource"}}
ALLOWED_CALLS = {"SigmaLogSource"}
ALLOWED_NAMES = {"SigmaLogSource", "Dict", "List", "Optional"}
ALLOWED_NODES = (
    ast.Module, ast.ImportFrom, ast.alias, ast.Assign, ast.Name, ast.Load, ast.Store,
    ast.Constant, ast.Dict, ast.List, ast.Call, ast.keyword,
)

# Output file name -> loader module (in sigma.validators.sigmahq.data) and its class.
LOADERS = {
    "sigmahq_taxonomy.json": ("data_taxonomy", "_TaxonomyLoader"),
    "sigmahq_filename.json": ("data_filename", "_FilenameLoader"),
    "sigmahq_windows_provider.json": ("data_windows_provider", "_ProviderLoader"),
    "sigmahq_windows_eventid.json": ("data_windows_eventid", "_EventIdLoader"),
}
SOURCE_NOTE = f"converted from {WHEEL_PROJECT} {WHEEL_VERSION} {DATA_MEMBER}"


class BuildError(Exception):
    """A failure the user can act on; reported as one line, exit status 1."""


# --------------------------------------------------------------------------- wheel


def find_wheel(wheel_dir: Path) -> Optional[Path]:
    """Return a cached 0.12.2 wheel, so that reruns need no network at all."""
    if not wheel_dir.is_dir():
        return None
    for path in sorted(wheel_dir.iterdir()):
        name = path.name.lower()
        if name.startswith(WHEEL_PREFIX) and name.endswith(".whl"):
            return path
    return None


def download_wheel(wheel_dir: Path) -> Path:
    """Fetch the wheel with pip so that the user's index/proxy settings apply."""
    wheel_dir.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", f"{WHEEL_PROJECT}=={WHEEL_VERSION}",
        "-d", str(wheel_dir),
    ]
    LOG.info("downloading wheel: %s", " ".join(cmd))
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise BuildError(f"pip download failed ({proc.returncode}): " + " | ".join(tail))
    wheel = find_wheel(wheel_dir)
    if wheel is None:
        raise BuildError(f"pip reported success but no {WHEEL_PREFIX}*.whl in {wheel_dir}")
    return wheel


def check_sha256(wheel: Path) -> None:
    """Refuse a wheel whose bytes differ from the release this script was checked on."""
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise BuildError(
            f"{wheel} has sha256 {digest}, expected {WHEEL_SHA256}; delete it and rerun"
        )


def obtain_wheel(wheel_dir: Path) -> Path:
    """Use the cached wheel if present, download it otherwise; always verify it."""
    wheel = find_wheel(wheel_dir)
    if wheel is None:
        wheel = download_wheel(wheel_dir)
    else:
        LOG.info("using cached wheel %s", wheel)
    check_sha256(wheel)
    return wheel


def read_data_source(wheel: Path) -> str:
    """Read the data module straight from the zip: installing 0.12.2 would clash."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            return archive.read(DATA_MEMBER).decode("utf-8")
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError) as exc:
        raise BuildError(f"cannot read {DATA_MEMBER} from {wheel}: {exc}") from exc


# --------------------------------------------------------------- evaluating data


def drop_annotations(tree: ast.Module) -> None:
    """Turn ``x: T = v`` into ``x = v``: the type hints are not data and need builtins."""
    for index, stmt in enumerate(tree.body):
        if isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            plain = ast.Assign(targets=[stmt.target], value=stmt.value)
            tree.body[index] = ast.copy_location(plain, stmt)


def check_node(node: ast.AST) -> None:
    """Reject any construct a pure data module has no reason to contain."""
    where = f"line {getattr(node, 'lineno', '?')}"
    if not isinstance(node, ALLOWED_NODES):
        raise BuildError(f"unexpected {type(node).__name__} at {where}")
    if isinstance(node, ast.ImportFrom):
        allowed = ALLOWED_IMPORTS.get(node.module or "", set())
        if node.level or any(a.name not in allowed or a.asname for a in node.names):
            raise BuildError(f"unexpected import at {where}")
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in ALLOWED_CALLS:
            raise BuildError(f"unexpected call at {where}")
        if node.args or any(k.arg is None for k in node.keywords):
            raise BuildError(f"unexpected call arguments at {where}")
    elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
        if node.id not in ALLOWED_NAMES:
            raise BuildError(f"unexpected name {node.id!r} at {where}")


def evaluate_data_module(source: str) -> Dict[str, Any]:
    """Run the module after an AST whitelist check, with no builtins available.

    The imports are dropped and their names supplied directly, so the code can
    neither import nor call anything except SigmaLogSource and the typing aliases.
    """
    try:
        tree = ast.parse(source, filename=DATA_MEMBER)
    except SyntaxError as exc:
        raise BuildError(f"cannot parse {DATA_MEMBER}: {exc}") from exc
    drop_annotations(tree)
    for node in ast.walk(tree):
        check_node(node)
    tree.body = [stmt for stmt in tree.body if not isinstance(stmt, ast.ImportFrom)]
    namespace: Dict[str, Any] = {
        "__builtins__": {}, "SigmaLogSource": SigmaLogSource,
        "Dict": Dict, "List": List, "Optional": Optional,
    }
    code = compile(tree, DATA_MEMBER, "exec", dont_inherit=True)
    exec(code, namespace)  # noqa: S102 - whitelisted above, no builtins
    data = {k: v for k, v in namespace.items() if k in EXPECTED_NAMES}
    missing = EXPECTED_NAMES - data.keys()
    if missing:
        raise BuildError(f"{DATA_MEMBER} lacks {sorted(missing)}")
    return data


# ------------------------------------------------------------------ JSON shaping


def loader_key(logsource: SigmaLogSource) -> str:
    """The lookup key the 0.2x validators build: product_category_service, None kept."""
    return f"{logsource.product}_{logsource.category}_{logsource.service}"


def entry_key(logsource: SigmaLogSource) -> str:
    """Entry name in the style of SigmaHQ's own JSON files (only a label, never read)."""
    parts = (logsource.product, logsource.category, logsource.service)
    return "_".join(part or "none" for part in parts)


def logsource_json(logsource: SigmaLogSource, definition: Optional[str]) -> Dict[str, Any]:
    """Logsource dict for SigmaLogSource.from_dict; definition kept so _parse sees it."""
    return {
        "product": logsource.product,
        "category": logsource.category,
        "service": logsource.service,
        "definition": definition,
    }


def unique_by_key(mapping: Dict[SigmaLogSource, Any], what: str) -> None:
    """Two logsources with one loader key would silently overwrite each other."""
    keys = [loader_key(ls) for ls in mapping]
    if len(set(keys)) != len(keys):
        raise BuildError(f"{what}: several logsources share one product_category_service")


def build_taxonomy(data: Dict[str, Any]) -> Dict[str, Any]:
    """Merge the three logsource-keyed 0.12.2 tables into taxonomy entries.

    0.12.2 did not keep native and custom fields apart, so all go to "native";
    _parse concatenates both lists anyway.
    """
    fields = data["ref_sigmahq_fieldsname"]
    redundant = data["ref_sigmahq_redundant_field"]
    definitions = data["ref_sigmahq_logsource_definition"]
    unique_by_key(fields, "ref_sigmahq_fieldsname")
    if set(fields) != set(redundant) or set(fields) != set(definitions):
        raise BuildError("taxonomy tables do not cover the same logsources")
    entries = {}
    for logsource in sorted(fields, key=entry_key):
        entries[entry_key(logsource)] = {
            "logsource": logsource_json(logsource, definitions[logsource]),
            "field": {
                "native": list(fields[logsource]),
                "custom": [],
                "redundant": list(redundant[logsource]),
            },
        }
    return {
        "title": "Sigma taxonomy", "version": data["taxonomy_version"],
        "source": SOURCE_NOTE, "taxonomy": entries,
    }


def build_filename(data: Dict[str, Any]) -> Dict[str, Any]:
    """Filename prefix per logsource, as the "pattern" table of sigmahq_filename.json."""
    prefixes = data["ref_sigmahq_logsource_filepattern"]
    unique_by_key(prefixes, "ref_sigmahq_logsource_filepattern")
    pattern = {
        entry_key(ls): {"logsource": logsource_json(ls, ls.definition), "prefix": prefixes[ls]}
        for ls in sorted(prefixes, key=entry_key)
    }
    return {
        "title": "SigmaHQ rule filename prefix", "version": data["file_pattern_version"],
        "source": SOURCE_NOTE, "pattern": pattern,
    }


def build_windows_provider(data: Dict[str, Any]) -> Dict[str, Any]:
    """Provider names per Windows category: the 0.2x loader keys them by category only."""
    providers = data["ref_windows_provider_name"]
    if any(ls.product != "windows" or ls.service or not ls.category for ls in providers):
        raise BuildError("ref_windows_provider_name holds a non-windows-category logsource")
    table = {ls.category: list(providers[ls]) for ls in providers}
    if len(table) != len(providers):
        raise BuildError("ref_windows_provider_name repeats a category")
    return {
        "title": "Windows provider names per category", "version": data["windows_version"],
        "source": SOURCE_NOTE, "category_provider_name": dict(sorted(table.items())),
    }


def build_windows_eventid(data: Dict[str, Any]) -> Dict[str, Any]:
    """Categories whose rules must not filter on EventID (0.12.2 shared windows_version)."""
    return {
        "title": "Windows categories without EventID", "version": data["windows_version"],
        "source": SOURCE_NOTE, "category_no_eventid": list(data["ref_windows_no_eventid"]),
    }


BUILDERS = {
    "sigmahq_taxonomy.json": build_taxonomy,
    "sigmahq_filename.json": build_filename,
    "sigmahq_windows_provider.json": build_windows_provider,
    "sigmahq_windows_eventid.json": build_windows_eventid,
}


# ------------------------------------------------------------- expected contents


def expected_parse_results(data: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    """What each 0.2x loader's _parse must return, computed from the 0.12.2 tables."""
    def by_key(table: Dict[SigmaLogSource, Any]) -> Dict[str, Any]:
        return {loader_key(ls): value for ls, value in table.items()}

    # _parse sorts native + custom case-insensitively; 0.12.2 already stored them so.
    fields = by_key(data["ref_sigmahq_fieldsname"])
    fields = {key: sorted(names, key=str.casefold) for key, names in fields.items()}
    return {
        "sigmahq_taxonomy.json": {
            "sigmahq_taxonomy_version": data["taxonomy_version"],
            "sigmahq_taxonomy_fieldsname": fields,
            "sigmahq_taxonomy_redundant_fields": by_key(data["ref_sigmahq_redundant_field"]),
            "sigmahq_taxonomy_logsource_definition": by_key(
                data["ref_sigmahq_logsource_definition"]),
        },
        "sigmahq_filename.json": {
            "sigmahq_filename_version": data["file_pattern_version"],
            "sigmahq_filename_pattern": by_key(data["ref_sigmahq_logsource_filepattern"]),
        },
        "sigmahq_windows_provider.json": {
            "sigmahq_provider_version": data["windows_version"],
            "sigmahq_provider_name": {
                ls.category: v for ls, v in data["ref_windows_provider_name"].items()},
        },
        "sigmahq_windows_eventid.json": {
            "sigmahq_category_no_eventid_version": data["windows_version"],
            "sigmahq_category_no_eventid": data["ref_windows_no_eventid"],
        },
    }


def parse_with_installed_loader(name: str, document: Dict[str, Any]) -> Optional[Dict]:
    """Run the installed 0.2x loader's own _parse (no cache, no network) if available."""
    module_name, class_name = LOADERS[name]
    try:
        module = importlib.import_module(f"sigma.validators.sigmahq.data.{module_name}")
    except ImportError:
        return None
    try:
        return getattr(module, class_name)()._parse(document)
    except Exception as exc:  # noqa: BLE001 - any crash means the format drifted
        raise BuildError(f"{name}: {module_name} cannot parse it: {exc!r}") from exc


def verify_payloads(data: Dict[str, Any], payloads: Dict[str, bytes]) -> None:
    """Fail if a loader would read anything other than the 0.12.2 content."""
    expected = expected_parse_results(data)
    for name, payload in payloads.items():
        parsed = parse_with_installed_loader(name, json.loads(payload))
        if parsed is None:
            LOG.warning("pySigma-validators-sigmahq >= 0.20 not importable; %s unchecked",
                        name)
            continue
        if parsed != expected[name]:
            diff = [k for k in expected[name] if parsed.get(k) != expected[name][k]]
            raise BuildError(f"{name}: installed loader reads different data for {diff}")
        LOG.info("%s: installed loader yields the 0.12.2 content", name)


# ---------------------------------------------------------------------- writing


def render(document: Dict[str, Any]) -> bytes:
    """Deterministic serialisation, so identical input gives byte-identical files."""
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_if_changed(path: Path, payload: bytes) -> bool:
    """Atomic replace, skipped when unchanged, so reruns leave mtimes alone."""
    if path.is_file() and path.read_bytes() == payload:
        return False
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(payload)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return True


def write_payloads(out_dir: Path, payloads: Dict[str, bytes]) -> List[str]:
    """Write every JSON file and return one summary line per file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = []
    for name, payload in payloads.items():
        path = out_dir / name
        state = "written" if write_if_changed(path, payload) else "unchanged"
        module_name = LOADERS[name][0]
        lines.append(f"{state:9} {path}  -> sigma.validators.sigmahq.data."
                     f"{module_name}.set_url()")
    return lines


# ------------------------------------------------------------------------- main


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    """Command line: where the wheel is cached and where the JSON files go."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel-dir", required=True, type=Path,
                        help=f"directory holding (or receiving) the {WHEEL_VERSION} wheel")
    parser.add_argument("--out", required=True, type=Path,
                        help="directory to write the JSON files into")
    return parser.parse_args(argv)


def build(wheel_dir: Path, out_dir: Path) -> List[str]:
    """The whole pipeline: wheel -> evaluated tables -> verified JSON files."""
    wheel = obtain_wheel(wheel_dir)
    data = evaluate_data_module(read_data_source(wheel))
    LOG.info("taxonomy %s, filename %s, windows %s", data["taxonomy_version"],
             data["file_pattern_version"], data["windows_version"])
    payloads = {name: render(builder(data)) for name, builder in BUILDERS.items()}
    verify_payloads(data, payloads)
    return write_payloads(out_dir, payloads)


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point; maps every expected failure to a message and exit status 1."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    started = time.monotonic()
    try:
        lines = build(args.wheel_dir, args.out)
    except (BuildError, OSError) as exc:
        LOG.error("build failed: %s", exc)
        return 1
    print("\n".join(lines))
    print(f"done in {time.monotonic() - started:.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
