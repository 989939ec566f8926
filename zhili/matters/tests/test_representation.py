"""The matter and party serialisers write their output by hand, for speed: it must equal what
DRF's generic ModelSerializer produces from Meta.fields, for matters in every state."""

from __future__ import annotations

import contextlib
import random

from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from zhili.core.errors import DomainError
from zhili.matters import actions
from zhili.matters.api import MatterSerializer, PartySerializer
from zhili.matters.models import Matter
from zhili.matters.tests.conftest import Cast
from zhili.matters.tests.test_lifecycle import _random_step


def _generic(serializer: serializers.ModelSerializer, instance: object) -> dict:
    return dict(serializers.ModelSerializer.to_representation(serializer, instance))


def test_hand_written_output_equals_drf_for_matters_in_every_state(cast: Cast) -> None:
    request = APIRequestFactory().get("/api/v1/matters/")
    request.user = cast.clerk
    rng = random.Random(7)
    matters = [
        cast.matter(
            anonymous=True,
            reporter_name="匿名者",
            reporter_phone="13900001111",
            parties=[
                {"name": "张三", "phone": "13812345678", "id_number": "11010519491231002X"},
                {"name": "某小区业主", "role": "group", "head_count": 40},
            ],
        ),
        cast.matter(lon=103.76, lat=29.55, address="市中区滨江路 8 号", risk="red", reporter_phone="13700002222"),
    ]
    statuses = set()
    for _walk in range(10):
        matter = cast.matter(reporter_name="王五", reporter_phone="13812340000")
        for _step in range(rng.randint(2, 16)):
            step = _random_step(rng, matter, cast)
            if step is None:
                break
            kind, data, reason = step
            with contextlib.suppress(DomainError):  # a refused step leaves the matter as it was
                matter = actions.perform(matter, kind, actor=None, reason=reason, data=data, system=True)
        matters.append(matter)
    for matter in Matter.objects.filter(pk__in=[m.pk for m in matters]).prefetch_related("parties"):
        statuses.add(matter.status)
        for with_steps in (False, True):
            serializer = MatterSerializer(matter, context={"request": request, "with_steps": with_steps})
            assert serializer.data == _generic(serializer, matter)
        for party in matter.parties.all():
            assert PartySerializer(party).data == _generic(PartySerializer(party), party)
    assert len(statuses) >= 4, statuses  # the walks reached several states
