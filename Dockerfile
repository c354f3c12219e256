# The archive's own image: web, workers and beat all run it (docker-compose.yml).
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      tesseract-ocr tesseract-ocr-rus tesseract-ocr-eng tesseract-ocr-osd fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 archive
WORKDIR /app
COPY pyproject.toml README.md ./
COPY archive_service ./archive_service
COPY intake ./intake
COPY search ./search
COPY workers ./workers
COPY retention ./retention
COPY web ./web
RUN pip install --no-cache-dir .

USER archive
ENV ARCHIVE_DATA_DIR=/data
VOLUME /data
EXPOSE 8000
CMD ["archive", "serve", "--host", "0.0.0.0", "--no-worker"]
