# docgen as an HTTP service: Debian slim, LibreOffice (writer, no GUI) with python3-uno for the warm PDF,
# Noto CJK fonts, and docgen with its service extra in a virtualenv.
#   docker build -t docgen .
#   docker run --rm -p 8000:8000 docgen            # then http://127.0.0.1:8000/ and /docs
FROM debian:bookworm-slim

ENV DEBIAN_FRONTEND=noninteractive \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

# Debian's python3 is the one python3-uno is built for; docgen's virtualenv is made from it too.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv python3-uno libreoffice-writer-nogui \
      fonts-noto-cjk poppler-utils ca-certificates \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/docgen/src
COPY pyproject.toml README.md ./
COPY docgen ./docgen
COPY clauses ./clauses
COPY templates ./templates
COPY samples ./samples
RUN python3 -m venv /opt/docgen/venv \
 && /opt/docgen/venv/bin/pip install '.[service]' \
 && /opt/docgen/venv/bin/docgen --version

# An unprivileged user with a home (LibreOffice writes its profile under a private temporary folder).
RUN useradd --create-home --uid 10001 docgen
USER docgen
ENV PATH=/opt/docgen/venv/bin:$PATH \
    DOCGEN_UNO_PYTHON=/usr/bin/python3
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
CMD ["docgen", "serve", "--host", "0.0.0.0", "--port", "8000"]
