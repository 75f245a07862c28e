# Production image: the app with its migrations, question bank and templates; runs as non-root.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /srv/cuocthi

RUN useradd --system --uid 10001 --home-dir /srv/cuocthi cuocthi

COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install .

COPY migrations ./migrations
COPY questions ./questions
COPY templates ./templates
COPY static ./static
RUN pip install --no-deps -e . && mkdir -p /srv/cuocthi/var && chown cuocthi /srv/cuocthi/var

USER cuocthi
ENV CUOCTHI_DATA_DIR=/srv/cuocthi/var
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
CMD ["cuocthi", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "4"]
