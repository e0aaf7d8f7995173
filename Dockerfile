# syntax=docker/dockerfile:1
# One image for every Streetcare process (services, gateway, worker, beat, migrate); the command
# decides which one runs. Build: docker build -t streetcare:dev .
# The map library for the pages, from package-lock.json (npm checks each package's integrity).
FROM node:20-slim AS web
WORKDIR /web
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PATH=/app/.venv/bin:$PATH \
    HOST=0.0.0.0 \
    STREETCARE_VAR_DIR=/app/var

RUN pip install --no-cache-dir "uv==0.13.8" \
 && groupadd --system --gid 10001 streetcare \
 && useradd --system --uid 10001 --gid streetcare --home-dir /app --shell /usr/sbin/nologin streetcare

WORKDIR /app

# Dependencies first (a layer that only changes with uv.lock): the runtime ones only, none of the
# default groups (dev tools, the simulator's extras, the local supervisor and Redis). PyVRP declares
# matplotlib and tqdm (for its own plots and command line), which no Streetcare process imports:
# they and what only they need stay out too (tests/deploy derives this list from uv.lock).
ARG NOT_IN_IMAGE="--no-install-package matplotlib --no-install-package contourpy --no-install-package cycler --no-install-package fonttools --no-install-package kiwisolver --no-install-package pyparsing --no-install-package tqdm"
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-default-groups $NOT_IN_IMAGE --no-install-project

# Then the project itself.
COPY kernel ./kernel
COPY streetcare ./streetcare
COPY services ./services
COPY gateway ./gateway
COPY workers ./workers
COPY --from=web /web/node_modules/leaflet/package.json ./node_modules/leaflet/package.json
COPY --from=web /web/node_modules/leaflet/dist ./node_modules/leaflet/dist
RUN uv sync --frozen --no-default-groups $NOT_IN_IMAGE \
 && mkdir -p /app/var \
 && chown -R streetcare:streetcare /app/var

USER 10001:10001

EXPOSE 8000 8101 8102 8103 8104

# No HEALTHCHECK here: one image runs HTTP processes, the worker, beat and one-off migrations;
# docker-compose.yml and deploy/k8s define the right check for each.

CMD ["sh", "-c", "exec uvicorn gateway.app:create_app --factory --no-proxy-headers --host \"$HOST\" --port 8000"]
