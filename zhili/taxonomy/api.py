"""REST API for the taxonomy (global reference data, readable by every signed-in user)."""

from __future__ import annotations

from rest_framework import serializers, viewsets

from zhili.taxonomy.models import Category, CoHandlingRule, Kind, RiskLevel, UnitType

TERM_FIELDS = ["code", "name_zh", "name_en", "aliases", "builtin", "active"]


class KindSerializer(serializers.ModelSerializer):
    class Meta:
        model = Kind
        fields = TERM_FIELDS


class UnitTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = UnitType
        fields = [*TERM_FIELDS, "level"]


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = [*TERM_FIELDS, "kind", "lead"]


class RiskLevelSerializer(serializers.ModelSerializer):
    class Meta:
        model = RiskLevel
        fields = [*TERM_FIELDS, "rank", "definition"]


class CoHandlingRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = CoHandlingRule
        fields = [*TERM_FIELDS, "unit_types"]


class GlobalReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """Reference data with no jurisdiction: the same for every signed-in user."""

    pagination_class = None
    lookup_value_regex = "[a-z0-9_-]+"


class KindViewSet(GlobalReadOnlyViewSet):
    queryset = Kind.objects.all()
    serializer_class = KindSerializer


class UnitTypeViewSet(GlobalReadOnlyViewSet):
    queryset = UnitType.objects.all()
    serializer_class = UnitTypeSerializer


class CategoryViewSet(GlobalReadOnlyViewSet):
    queryset = Category.objects.all()
    serializer_class = CategorySerializer


class RiskLevelViewSet(GlobalReadOnlyViewSet):
    queryset = RiskLevel.objects.all()
    serializer_class = RiskLevelSerializer


class CoHandlingRuleViewSet(GlobalReadOnlyViewSet):
    queryset = CoHandlingRule.objects.prefetch_related("unit_types")
    serializer_class = CoHandlingRuleSerializer
