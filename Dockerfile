# misp-modules with the pack's modules, listening on all interfaces of the container.
# The validation service runs from the same image:
#   docker run -p 8750:8750 -v $PWD/service.yaml:/etc/misp-attack-pack/service.yaml IMAGE \
#     misp-attack-pack serve --host 0.0.0.0 --port 8750 --config /etc/misp-attack-pack/service.yaml
FROM python:3.11-slim

ENV PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MISP_ATTACK_PACK_SIGMAHQ_DATA=/opt/misp-attack-pack/sigmahq

WORKDIR /opt/misp-attack-pack
COPY setup.cfg pyproject.toml README.md ./
COPY src ./src
COPY modules ./modules
COPY tools/build_sigmahq_data.py ./tools/

RUN python -m pip install --upgrade pip \
    && python -m pip install '.[server]' \
    && python tools/build_sigmahq_data.py --wheel-dir /tmp/wheels --out "$MISP_ATTACK_PACK_SIGMAHQ_DATA" \
    && rm -rf /tmp/wheels \
    && useradd --system --home-dir /opt/misp-attack-pack misp-modules

USER misp-modules
EXPOSE 6666 8750
CMD ["misp-modules", "-c", "/opt/misp-attack-pack/modules", "-l", "0.0.0.0", "-p", "6666"]
