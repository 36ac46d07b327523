import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _load_settings(extra_env: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    env.update(extra_env)
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='scoreboard.settings'; django.setup()"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_production_refuses_placeholder_secret():
    result = _load_settings({"SCOREBOARD_PRODUCTION": "1"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_starts_with_real_secret():
    result = _load_settings({"SCOREBOARD_PRODUCTION": "1", "SECRET_KEY": "x" * 50})
    assert result.returncode == 0, result.stderr


def test_defaults_are_embedded_and_eager():
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"}
    }
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='scoreboard.settings'; django.setup();"
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.DEBUG, s.LANGUAGE_CODE, s.TIME_ZONE)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "True",
        "False",
        "vi",
        "Asia/Ho_Chi_Minh",
    ], result.stderr
