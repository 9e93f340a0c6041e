# Two commands for a fresh machine: `make demo` and `make test`. Everything they need is
# installed here, into .venv (Python packages) and through apt (Suricata 7).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SIGMAHQ_DATA ?= $(HOME)/.cache/misp-attack-pack/sigmahq
STAMP := $(VENV)/.installed

export MISP_ATTACK_PACK_SIGMAHQ_DATA := $(SIGMAHQ_DATA)

.PHONY: demo test bench install sigmahq-data suricata clean

demo: install sigmahq-data
	$(BIN)/python tools/demo.py

test: install sigmahq-data suricata
	$(BIN)/python -m pytest

bench: install sigmahq-data
	$(BIN)/python -m pytest benchmarks --benchmark-columns=min,median,mean,rounds

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# pySigma's SigmaHQ validators download their reference data at run time; build it locally.
sigmahq-data: $(SIGMAHQ_DATA)/sigmahq_taxonomy.json

$(SIGMAHQ_DATA)/sigmahq_taxonomy.json: tools/build_sigmahq_data.py $(STAMP)
	$(BIN)/python tools/build_sigmahq_data.py --wheel-dir .cache/wheels --out $(SIGMAHQ_DATA)

suricata:
	bash scripts/install-suricata.sh

clean:
	rm -rf $(VENV) out .cache .pytest_cache .benchmarks $(SIGMAHQ_DATA)
