FROM python:3.12-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 OPMODEL_ENV=production OPMODEL_VAR_DIR=/var/lib/opmodel
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY opmodel opmodel
COPY canvas canvas
COPY teams teams
COPY journeys journeys
COPY workshops workshops
RUN pip install --no-cache-dir .
COPY . .
RUN SECRET_KEY=build-only-not-secret-build-only-not-secret-build-only python manage.py collectstatic --noinput
# media/ exists in the image so the named volume mounted there starts owned by opmodel (the
# workers write the PDFs there).
RUN useradd --system --home /app opmodel && mkdir -p /var/lib/opmodel/media && chown opmodel /var/lib/opmodel /var/lib/opmodel/media
USER opmodel
EXPOSE 8000
CMD ["uvicorn", "opmodel.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--workers", "4", "--proxy-headers"]
