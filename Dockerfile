# syntax=docker/dockerfile:1
# Build stage: install the project and its runtime dependencies into a virtualenv.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY pyproject.toml README.md ./
COPY forecast ./forecast
COPY features ./features
COPY training ./training
COPY api ./api
RUN /opt/venv/bin/pip install .

# Runtime stage: only the virtualenv and a non-root user.
FROM python:3.11-slim
# LightGBM needs the OpenMP runtime.
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 forecast
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH FORECAST_HOME=/data PYTHONUNBUFFERED=1
RUN mkdir -p /data && chown forecast /data
USER forecast
WORKDIR /home/forecast
VOLUME ["/data"]
# Build the demo world inside the image's volume with: docker run IMAGE forecast demo
CMD ["forecast", "status"]
