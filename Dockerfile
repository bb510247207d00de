# The platform's image for every process in docker-compose.yml: the code location (the default
# command), the Dagster webserver and daemon. Built from the repo root. Target `runtime` holds the
# product alone; target `local-api` adds the developer tools, for compose's local Fake Store API.
FROM python:3.11-slim-bookworm AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false \
    DAGSTER_HOME=/opt/dagster/home \
    FAKESTORE_HOME=/opt/dagster/fakestore

# A fixed uid, so volumes the containers share have one owner and USER can name it by number.
RUN groupadd --system --gid 10001 dagster \
    && useradd --system --uid 10001 --gid dagster --create-home --home-dir /home/dagster dagster

WORKDIR /opt/dagster/app

# The dependencies alone, read from pyproject.toml: this layer is rebuilt when they change, not on
# every code edit. EXTRAS names optional ones: `--build-arg EXTRAS=k8s` for Kubernetes (dagster-k8s,
# which the run pods need to load the chart's instance).
ARG EXTRAS=""
COPY pyproject.toml ./
RUN python -c "import os, tomllib; project = tomllib.load(open('pyproject.toml', 'rb'))['project']; extras = [e for e in os.environ['EXTRAS'].split(',') if e]; print('\n'.join(project['dependencies'] + [r for e in extras for r in project['optional-dependencies'][e]]))" \
        > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# Dagster's instance: the repo's dagster.yaml (storage URL from FAKESTORE_DAGSTER_STORAGE_URL) and
# the workspace the webserver and daemon load. storage/ holds compute logs, a volume in compose.
# FAKESTORE_HOME/dashboard holds the dashboard's refresh token, a volume in compose.
RUN mkdir -p "$DAGSTER_HOME/storage" "$FAKESTORE_HOME/dashboard" \
    && chown dagster:dagster "$DAGSTER_HOME" "$DAGSTER_HOME/storage" "$FAKESTORE_HOME" \
        "$FAKESTORE_HOME/dashboard"
COPY dagster.yaml /opt/dagster/home/dagster.yaml
COPY deploy/workspace.yaml /opt/dagster/home/workspace.yaml

# The package and the dbt project, last: they change most. The package is installed in place
# (editable), so defs/transform/project.py finds dbt_project beside the package, as in the repo.
# dagster-dbt prepares the project as `make manifest` does (dbt parse: the profile's defaults name
# the warehouse, nothing connects), so loading the definitions never parses. dbt writes target/
# and logs/ beside the project at run time, so the runs' user owns it.
COPY README.md ./
COPY dbt_project ./dbt_project
COPY fakestore_platform ./fakestore_platform
RUN pip install --no-cache-dir --no-deps --editable . \
    && dagster-dbt project prepare-and-package --file fakestore_platform/defs/transform/project.py \
    && chown -R dagster:dagster /opt/dagster/app/dbt_project

USER 10001:10001

# Loading the definitions as the runs' user fails the build if the manifest or an import is missing.
RUN dagster definitions validate -m fakestore_platform.definitions

# 4000: the code location's gRPC (this default command); 3000: the webserver; 8501: the dashboard.
EXPOSE 4000 3000 8501
# The code server answers over gRPC (compose gives its other services checks of their own;
# Kubernetes ignores this and uses the chart's probes).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["dagster", "api", "grpc-health-check", "-p", "4000"]
CMD ["dagster", "code-server", "start", "-h", "0.0.0.0", "-p", "4000", "-m", "fakestore_platform.definitions", "--location-name", "fakestore_platform"]

# The local Fake Store API (`docker compose --profile local-api`): the runtime plus the developer
# tools, which the runtime image never ships.
FROM runtime AS local-api
USER root
COPY fakestore_devtools ./fakestore_devtools
RUN pip install --no-cache-dir --no-deps --editable .
USER 10001:10001
EXPOSE 8765
HEALTHCHECK --interval=30s --timeout=10s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8765/products/categories', timeout=5)"]
CMD ["fakestore-platform", "api", "--host", "0.0.0.0", "--port", "8765"]
