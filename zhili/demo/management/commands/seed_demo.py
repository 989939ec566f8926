"""`zhili seed-demo`: load the demo organisation (乐山市) and the demo accounts, idempotently."""

from __future__ import annotations

import time
from argparse import ArgumentParser, RawDescriptionHelpFormatter
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser, DjangoHelpFormatter

from zhili.core.errors import DomainError
from zhili.demo import loader
from zhili.demo import matters as demo_matters

PROGRESS_FROM = 10_000  # a larger seeding (minutes) says how far it has come every so many matters


class HelpFormatter(DjangoHelpFormatter, RawDescriptionHelpFormatter):
    """Keeps the line breaks of the accounts table in --help."""


class Command(BaseCommand):
    help = (
        "加载演示组织：乐山市及其11个县（市、区）、虚构的乡镇（街道）、村（社区）、网格和职能部门，"
        "以及每个角色一个演示账号。可重复运行：已有的单位（按代码）和账号（按用户名）不会重复创建或修改。"
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = HelpFormatter
        parser.epilog = loader.accounts_table()
        return parser

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="在生产部署（ZHILI_HTTPS=1）上也加载；演示账号的密码是公开的，请勿在正式系统使用。",
        )
        parser.add_argument(
            "--matters",
            type=int,
            default=demo_matters.DEFAULT_COUNT,
            metavar="N",
            help=f"生成 N 件近六个月的演示事项（默认 {demo_matters.DEFAULT_COUNT}，0 为不生成）；"
            "已有演示事项时不再生成。",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if getattr(settings, "HTTPS", False) and not options["force"]:
            raise CommandError("这是生产部署（ZHILI_HTTPS=1）：演示账号的密码是公开的。确需加载请加 --force。")
        started = time.monotonic()
        try:
            report = loader.load(source="cli")
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(report.summary()) + f" in {elapsed:.1f} s")
        if options["matters"] < 0:
            raise CommandError("--matters 须为零或正整数。")
        if options["matters"]:
            count = options["matters"]

            def progress(done: int) -> None:
                if count >= PROGRESS_FROM and (done % PROGRESS_FROM == 0 or done == count):
                    self.stdout.write(f"  {done:,} / {count:,} demo matters")

            matters = demo_matters.load_matters(count, source="cli", progress=progress)
            self.stdout.write(self.style.SUCCESS(matters.summary()))
        self.stdout.write("")
        self.stdout.write(loader.accounts_table())
