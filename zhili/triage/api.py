"""POST /api/v1/triage/: a proposal for a text, as the intake screen shows it while a clerk types."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from zhili.triage import services


class TriageRequestSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=services.MAX_TEXT, trim_whitespace=True)
    address = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")
    lon = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180, default=None)
    lat = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90, default=None)


class SignalSerializer(serializers.Serializer):
    code = serializers.CharField()
    level = serializers.CharField()
    start = serializers.IntegerField(allow_null=True, help_text="null for similar_to_red: the model's, not a rule's")
    end = serializers.IntegerField(allow_null=True)
    text = serializers.CharField()
    count = serializers.IntegerField(allow_null=True)


class TriageResponseSerializer(serializers.Serializer):
    kind = serializers.CharField()
    category = serializers.CharField()
    risk = serializers.CharField()
    signals = SignalSerializer(many=True)
    lead_unit = serializers.CharField(help_text="unit type code of the category's default lead")
    co_units = serializers.ListField(child=serializers.CharField(), help_text="unit type codes")
    jurisdiction = serializers.DictField(allow_null=True)
    confidence = serializers.FloatField()
    low_confidence = serializers.BooleanField()
    alternatives = serializers.ListField(child=serializers.DictField())
    model_version = serializers.CharField()


@extend_schema(request=TriageRequestSerializer, responses=TriageResponseSerializer)
@api_view(["POST"])
def triage(request: Request) -> Response:
    """Propose kind, category, risk (with the signals behind it), lead and co-handling unit types
    and the jurisdiction for a report. Nothing is stored."""
    given = TriageRequestSerializer(data=request.data)
    given.is_valid(raise_exception=True)
    data: dict[str, Any] = given.validated_data
    text = services.check_text(data["text"])
    point = (data["lon"], data["lat"]) if data["lon"] is not None and data["lat"] is not None else None
    return Response(services.triage(text, data["address"], point).as_dict())
