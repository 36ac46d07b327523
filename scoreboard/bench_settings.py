"""Settings of the page benchmark's server: the project's, plus the floor's URLs."""

from scoreboard.settings import *  # noqa: F403

ROOT_URLCONF = "scoreboard.bench_urls"
