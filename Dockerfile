# hedgectl in a container: `reach serve` by default (the exporter on :9731), any command with
# `command:`/`args:` (Kubernetes) or `docker run IMAGE reach --format json ...`.
# Build: docker build -t hedgectl:$(python3 -c 'import hedgectl; print(hedgectl.__version__)') .
# The base is pinned to an exact Python and Debian release; bump both on purpose.
FROM python:3.12.8-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY hedgectl ./hedgectl
# [all]: every command (the image runs reach serve by default, and any command on demand).
RUN pip install --no-cache-dir --root-user-action=ignore --prefix=/install '/src[all]'

FROM python:3.12.8-slim-bookworm
COPY --from=build /install /usr/local
# A fixed non-root UID/GID, so Kubernetes runAsUser/fsGroup and volume ownership line up.
RUN groupadd --system --gid 10001 hedgectl \
    && useradd --system --uid 10001 --gid hedgectl --home-dir /var/lib/hedgectl --create-home \
       --shell /usr/sbin/nologin hedgectl
ENV XDG_STATE_HOME=/var/lib/hedgectl \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
WORKDIR /var/lib/hedgectl
USER 10001:10001
EXPOSE 9731
ENTRYPOINT ["/usr/local/bin/hedgectl"]
CMD ["reach", "serve", "--listen", "0.0.0.0:9731"]
