# In Beeld production image: `inbeeld run` as a non-root user, translations compiled at build.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    INBEELD_ADMIN_HOST=0.0.0.0 \
    INBEELD_ADMIN_PORT=8080

RUN groupadd --system inbeeld && useradd --system --gid inbeeld --home-dir /app inbeeld

# The invitation cards' font, with Arabic and Cyrillic (slim images have no fonts).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY flows ./flows
COPY admin ./admin
COPY locales ./locales
RUN pip install . \
    && python -m bot.i18n_build compile \
    && mkdir -p /data && chown inbeeld:inbeeld /data

USER inbeeld
ENV INBEELD_DATABASE_URL=sqlite:////data/inbeeld.db
VOLUME ["/data"]
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status == 200 else 1)"

CMD ["inbeeld", "run"]
