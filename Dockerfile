# syntax=docker/dockerfile:1
# One image for every part of the service: the API (default command), the weekly retraining
# job, the one-shot init and the MLflow tracking server all run `forecast ...` or `mlflow ...`
# from it. Everything the service writes goes to the /data volume (FORECAST_HOME).
#
#   docker build -t sahel-forecast .
#   docker run --rm -v forecast-data:/data sahel-forecast forecast demo      # the demo world
#   docker run --rm -v forecast-data:/data sahel-forecast forecast retrain   # train and score
#   docker run --rm -p 8000:8000 -v forecast-data:/data sahel-forecast       # the API
#
# docs/OPERATIONS.md: the compose stack, Kubernetes, and every setting.

# Build stage: a virtualenv with the locked dependencies, then the project itself.
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
RUN python -m venv /opt/venv
WORKDIR /src
# The lock alone first, so a code change does not reinstall the dependencies. Hashes in the
# lock put pip in hash-checking mode; --no-deps: nothing outside the lock comes in.
COPY requirements.lock ./
RUN /opt/venv/bin/pip install --no-deps --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY forecast ./forecast
COPY features ./features
COPY training ./training
COPY api ./api
RUN /opt/venv/bin/pip install --no-deps . \
    && /opt/venv/bin/pip check

# Runtime stage: the virtualenv, the shared libraries it loads, and a non-root user.
FROM python:3.11-slim-bookworm
# libgomp1: OpenMP for LightGBM. Pango, HarfBuzz subsetting and one font: the PDF bulletin
# (WeasyPrint). Versions come with the base image's Debian release; pinning them would break
# the build at the next Debian security update.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libgomp1 libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 forecast \
    && useradd --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin forecast \
    && mkdir -p /data/mlartifacts \
    && chown -R 10001:10001 /data
COPY --from=build /opt/venv /opt/venv
COPY --chmod=0755 docker/weekly.sh docker/init.sh /opt/forecast/bin/
# The sourced partner-force timelines (data/partners), for `forecast ingest partners`.
COPY data /opt/forecast/data
ENV PATH=/opt/venv/bin:/opt/forecast/bin:$PATH \
    FORECAST_HOME=/data \
    FORECAST_HOST=0.0.0.0 \
    FORECAST_PORT=8000 \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    MLFLOW_DISABLE_TELEMETRY=true
USER 10001:10001
WORKDIR /home/forecast
VOLUME ["/data"]
EXPOSE 8000
# Ready means forecasts are loaded (503 before): urlopen raises on any answer but 2xx.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('FORECAST_PORT', '8000') + '/readyz', timeout=4)"]
CMD ["forecast", "serve"]
