"""Which pySigma backends convert a rule, with which processing pipeline, and how.

The module option ``backends`` lists backends by their pySigma identifier, each optionally with
a pipeline: ``splunk:splunk_windows, lucene:ecs_windows, esql, sqlite`` (the default).
``name:none`` converts without a pipeline. A backend alone gets the pipeline of
:data:`DEFAULT_PIPELINES` when one is installed and declares itself for that backend; the
Windows pipelines map Sysmon and Security log sources to the backend's data model, and leave
rules for other products as they are.

Each backend works on its own parse of the rules: a processing pipeline rewrites the rule it
is applied to, so a rule converted for Elasticsearch would otherwise reach SQLite with ECS
field names.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass

import orjson

from misp_attack_pack.expansions.contract import ExpansionError
from misp_attack_pack.expansions.sigma_source import SigmaSource

LOG = logging.getLogger(__name__)

CONFIG_FIELD = "config.backends"
DEFAULT_BACKENDS = "splunk:splunk_windows, lucene:ecs_windows, esql, sqlite"
NO_PIPELINE = "none"

# pySigma appends "(while converting rule <source>)"; rules from MISP have no source file.
_NO_SOURCE = re.compile(r" \(while [a-z ]+ rule None\)$")

# The ES|QL backend has no pipeline here: the ECS pipelines of pySigma-backend-elasticsearch
# declare themselves for lucene, eql and elasticsearch only, so ES|QL queries keep the rule's
# field names. Naming ``esql:ecs_windows`` in the option would need that declaration changed.
DEFAULT_PIPELINES = {
    "splunk": "splunk_windows",
    "splunk_spl2": "splunk_windows",
    "lucene": "ecs_windows",
    "eql": "ecs_windows",
    "elastalert": "ecs_windows",
}

BACKEND_LABELS = {
    "splunk": "Splunk SPL",
    "splunk_spl2": "Splunk SPL2",
    "lucene": "Elasticsearch Lucene",
    "eql": "Elasticsearch EQL",
    "esql": "Elasticsearch ES|QL",
    "elastalert": "ElastAlert",
    "sqlite": "SQLite",
}


@dataclass(frozen=True, slots=True)
class BackendChoice:
    """One backend to convert with, and the pipeline (empty for none) in front of it."""

    backend: str
    pipeline: str = ""

    @property
    def label(self) -> str:
        return BACKEND_LABELS.get(self.backend, self.backend)

    def describe(self) -> str:
        """``Splunk SPL (pySigma backend splunk, pipeline splunk_windows)``."""
        pipeline = f"pipeline {self.pipeline}" if self.pipeline else "no pipeline"
        return f"{self.label} (pySigma backend {self.backend}, {pipeline})"


@dataclass(frozen=True, slots=True)
class RuleConversion:
    """One backend's answer for one rule: its queries, or why it could not convert it."""

    choice: BackendChoice
    rule_key: str
    queries: tuple[str, ...] = ()
    problem: str = ""


def backend_choices(option: str) -> list[BackendChoice]:
    """Read the ``backends`` option; :class:`ExpansionError` names what is not installed."""
    entries = [entry.strip() for entry in (option or DEFAULT_BACKENDS).split(",")]
    choices = [_choice(entry) for entry in entries if entry]
    if not choices:
        raise ExpansionError(CONFIG_FIELD, "names no backend")
    return list(dict.fromkeys(choices))


def convert(source: SigmaSource, choice: BackendChoice,
            rule_keys: list[str]) -> list[RuleConversion]:
    """Convert every rule with one backend; a rule it cannot handle becomes a problem.

    ``rule_keys`` name the rules in collection order.
    """
    collection = source.collection()
    backend = _backend(choice)
    backend.init_processing_pipeline(None)
    return [_convert_rule(backend, choice, rule, rule_key)
            for rule, rule_key in zip(collection.rules, rule_keys)]


def _convert_rule(backend, choice: BackendChoice, rule, rule_key: str) -> RuleConversion:
    from sigma.rule import SigmaRule

    try:
        if isinstance(rule, SigmaRule):
            queries = backend.convert_rule(rule, backend.default_format)
        else:
            queries = backend.convert_correlation_rule(rule, backend.default_format)
        queries = backend.finalize(queries, backend.default_format)
    except Exception as error:  # pySigma backends raise SigmaError, NotImplementedError, ...
        LOG.info("rule %s: %s cannot convert it: %s", rule_key, choice.backend, error)
        message = _NO_SOURCE.sub("", str(error))
        return RuleConversion(choice, rule_key, problem=f"{type(error).__name__}: {message}")
    texts = tuple(_query_text(query) for query in queries)
    return RuleConversion(choice, rule_key, queries=texts)


def _query_text(query) -> str:
    """Default output formats give strings; a structured one is kept as JSON text."""
    return query if isinstance(query, str) else orjson.dumps(query).decode("utf-8")


def _choice(entry: str) -> BackendChoice:
    backend, _, pipeline = (part.strip() for part in entry.partition(":"))
    backends = installed_backends()
    if backend not in backends:
        raise ExpansionError(CONFIG_FIELD, f"no pySigma backend {backend!r} is installed; "
                             f"installed: {', '.join(sorted(backends))}")
    return BackendChoice(backend, _pipeline_for(backend, pipeline))


def _pipeline_for(backend: str, written: str) -> str:
    """The pipeline the option names for ``backend``, its default one, or none ("")."""
    if not written:
        default = DEFAULT_PIPELINES.get(backend, "")
        return default if default and _pipeline_allows(default, backend) else ""
    if written.lower() == NO_PIPELINE:
        return ""
    pipelines = installed_pipelines()
    if written not in pipelines:
        raise ExpansionError(CONFIG_FIELD, f"no pySigma pipeline {written!r} is installed; "
                             f"installed: {', '.join(sorted(pipelines))}")
    if not _pipeline_allows(written, backend):
        raise ExpansionError(CONFIG_FIELD, f"pipeline {written!r} is not made for backend "
                             f"{backend!r}; it declares "
                             f"{', '.join(sorted(_allowed_backends(written)))}")
    return written


def _pipeline_allows(pipeline: str, backend: str) -> bool:
    if pipeline not in installed_pipelines():
        return False
    allowed = _allowed_backends(pipeline)
    return not allowed or backend in allowed


@functools.lru_cache(maxsize=None)
def _allowed_backends(pipeline: str) -> frozenset[str]:
    return frozenset(getattr(installed_pipelines()[pipeline](), "allowed_backends", ()) or ())


def _backend(choice: BackendChoice):
    backend_class = installed_backends()[choice.backend]
    pipeline = installed_pipelines()[choice.pipeline]() if choice.pipeline else None
    return backend_class(processing_pipeline=pipeline)


@functools.lru_cache(maxsize=1)
def _plugins():
    """pySigma's plugin discovery imports every backend, pipeline and validator once."""
    from sigma.plugins import InstalledSigmaPlugins

    return InstalledSigmaPlugins.autodiscover()


def installed_backends() -> dict:
    return dict(_plugins().backends)


def installed_pipelines() -> dict:
    return dict(_plugins().pipelines)
