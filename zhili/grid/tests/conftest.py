from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from zhili import testing
from zhili.matters import actions
from zhili.matters.models import Matter
from zhili.org.models import Unit

NOISE = "楼上邻居装修每天早上七点就开始电钻，老人睡不好觉"
THREAT = "他拿着菜刀说今晚要砍死隔壁那家人"
LAMP = "小区门口的路灯坏了一个多月，晚上老人出门很不方便"
IN_GRID = (103.05, 29.05)  # inside grid A1 (testing.tree: a 0.1° square at 103.0, 29.0)


def tiny_png(shade: int = 255) -> bytes:
    """A 1×1 grey PNG; `shade` makes pictures that differ."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes([0, shade])))
        + chunk(b"IEND", b"")
    )


def photo(name: str = "现场.png", shade: int = 255) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, tiny_png(shade), content_type="image/png")


def not_a_photo(name: str = "照片.png") -> SimpleUploadedFile:
    """Text renamed to .png and sent as an image: the bytes say what it is."""
    return SimpleUploadedFile(name, "这不是照片".encode(), content_type="image/png")


@dataclass
class Crew:
    tree: testing.Tree
    grid: Unit  # grid A1
    other_grid: Unit  # grid A1-2, beside it in the same community
    worker: Any  # grid worker of grid A1
    other_worker: Any  # grid worker of the other grid
    clerk: Any  # dispatcher at township A1's centre
    resident: Any

    def report(self, description: str = NOISE, **overrides: Any) -> Matter:
        """A matter the worker registered at their grid (as the report page does)."""
        fields: dict[str, Any] = {
            "actor": self.worker,
            "channel": "grid_worker",
            "description": description,
            "category": "neighbor",
            "intake_unit": self.grid,
        }
        fields.update(overrides)
        matter, _created = actions.receive(**fields)
        return matter


@pytest.fixture
def crew(tree: testing.Tree) -> Crew:
    other_grid = testing.unit(tree.community_a1, "grid", "甲一社区第二网格", boundary=testing.square(103.1, 29.0, 0.1))
    return Crew(
        tree=tree,
        grid=tree.grid_a1,
        other_grid=other_grid,
        worker=testing.person("grid-a1", role="grid_worker", unit_=tree.grid_a1, full_name="张网格"),
        other_worker=testing.person("grid-a1-2", role="grid_worker", unit_=other_grid),
        clerk=testing.person("clerk-a1", role="clerk", unit_=tree.township_a1),
        resident=testing.person("resident"),
    )


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    """Files land in the test's own folder, never in var/media."""
    location = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": location}},
    }
    return location


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []
