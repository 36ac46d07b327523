# One image for web (gunicorn) and worker (celery).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir --prefer-binary . 2>/dev/null || true
COPY . .
RUN pip install --no-cache-dir --prefer-binary . \
 && SECRET_KEY=build-only-collectstatic-key-0123456789abcdef python manage.py collectstatic --noinput
RUN useradd --create-home app && mkdir -p /app/media && chown -R app /app/media
USER app
EXPOSE 8000
CMD ["sh", "-c", "gunicorn scoreboard.wsgi:application --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-3} --access-logfile -"]
