"""The `zhili` command: Django's management commands under friendlier names.

    zhili serve            web server and background worker together (embedded default)
    zhili migrate          create or upgrade the database
    zhili seed-demo        load the demo organisation (idempotent)
    zhili createsuperuser  ...and every other Django management command

Hyphens in command names are accepted for underscores (seed-demo = seed_demo).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "zhili"
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhili.settings")

    from zhili.config import ConfigError

    try:
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - imports and validates the settings now
    except ConfigError as exc:
        print(f"zhili: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None

    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
