"""REST API for matters: intake (POST /api/v1/matters/, honouring Idempotency-Key), lists and
details within the caller's reach, the timeline, and lifecycle steps (POST …/steps/)."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from zhili.accounts.models import User
from zhili.core import pii
from zhili.core.api import ScopedViewSetMixin
from zhili.core.scope import scope_for
from zhili.matters import actions, lifecycle, policy, timeline
from zhili.matters.choices import Channel, EventKind, PartyRole
from zhili.matters.filtersets import MatterFilterSet
from zhili.matters.models import Matter, MatterEvent, Party
from zhili.org.models import Unit


class PartySerializer(serializers.ModelSerializer):
    phone = serializers.SerializerMethodField()
    id_number = serializers.SerializerMethodField()

    class Meta:
        model = Party
        fields = ["id", "role", "name", "phone", "id_number", "head_count"]

    def get_phone(self, party: Party) -> str:
        return pii.mask_phone(party.phone)

    def get_id_number(self, party: Party) -> str:
        return pii.mask_id_number(party.id_number)

    def to_representation(self, party: Party) -> dict[str, Any]:
        # Written out for speed, as MatterSerializer.to_representation is; the same test checks it.
        return {
            "id": party.pk,
            "role": party.role,
            "name": party.name,
            "phone": pii.mask_phone(party.phone),
            "id_number": pii.mask_id_number(party.id_number),
            "head_count": party.head_count,
        }


class PartyInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=PartyRole.choices, default=PartyRole.APPLICANT)
    name = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    id_number = serializers.CharField(max_length=18, required=False, allow_blank=True)
    head_count = serializers.IntegerField(min_value=1, default=1)


class MatterSerializer(serializers.ModelSerializer):
    reporter_phone = serializers.SerializerMethodField()
    reporter_name = serializers.SerializerMethodField()
    parties = PartySerializer(many=True, read_only=True)
    allowed_steps = serializers.SerializerMethodField()

    class Meta:
        model = Matter
        fields = [
            "id",
            "number",
            "status",
            "channel",
            "kind",
            "category",
            "risk",
            "title",
            "description",
            "address",
            "lon",
            "lat",
            "anonymous",
            "reporter_name",
            "reporter_phone",
            "received_at",
            "intake_unit",
            "jurisdiction",
            "lead_unit",
            "co_units",
            "owner",
            "leader",
            "supervised",
            "supervision_due",
            "extension_pending",
            "extension_granted",
            "escalations",
            "answered_at",
            "visit_failed",
            "rating",
            "satisfied",
            "closed_at",
            "reopened",
            "merged_into",
            "due_at",
            "parties",
            "allowed_steps",
        ]

    def _hidden(self, matter: Matter) -> bool:
        return matter.anonymous

    def get_reporter_name(self, matter: Matter) -> str:
        return "" if self._hidden(matter) else matter.reporter_name

    def get_reporter_phone(self, matter: Matter) -> str:
        return "" if self._hidden(matter) else pii.mask_phone(matter.reporter_phone)

    def get_allowed_steps(self, matter: Matter) -> list[str]:
        request = self.context.get("request")
        if request is None or not self.context.get("with_steps"):
            return []
        return policy.permitted(request.user, matter, lifecycle.allowed_from(actions.state_of(matter)))

    def to_representation(self, matter: Matter) -> dict[str, Any]:
        """Meta.fields, written out. DRF would build and bind 37 field objects for every matter
        (about 5 ms, more than the rest of an intake); this is the response of every intake and
        the rows of every list. test_api checks it equals DRF's own output for matters in every
        state, so a field added to Meta.fields and not here fails that test."""
        when = _when
        hidden = self._hidden(matter)
        return {
            "id": matter.pk,
            "number": matter.number,
            "status": matter.status,
            "channel": matter.channel,
            "kind": matter.kind_id,
            "category": matter.category_id,
            "risk": matter.risk_id,
            "title": matter.title,
            "description": matter.description,
            "address": matter.address,
            "lon": matter.lon,
            "lat": matter.lat,
            "anonymous": matter.anonymous,
            "reporter_name": "" if hidden else matter.reporter_name,
            "reporter_phone": "" if hidden else pii.mask_phone(matter.reporter_phone),
            "received_at": when(matter.received_at),
            "intake_unit": matter.intake_unit_id,
            "jurisdiction": matter.jurisdiction_id,
            "lead_unit": matter.lead_unit_id,
            "co_units": matter.co_units,
            "owner": matter.owner_id,
            "leader": matter.leader_id,
            "supervised": matter.supervised,
            "supervision_due": matter.supervision_due,
            "extension_pending": matter.extension_pending,
            "extension_granted": matter.extension_granted,
            "escalations": matter.escalations,
            "answered_at": when(matter.answered_at),
            "visit_failed": matter.visit_failed,
            "rating": matter.rating,
            "satisfied": matter.satisfied,
            "closed_at": when(matter.closed_at),
            "reopened": matter.reopened,
            "merged_into": matter.merged_into,
            "due_at": when(matter.due_at),
            "parties": [_PARTY.to_representation(party) for party in matter.parties.all()],
            "allowed_steps": self.get_allowed_steps(matter),
        }


# Unbound fields that format values exactly as the generated fields would.
_DATETIME = serializers.DateTimeField()
_PARTY = PartySerializer()


def _when(value: datetime.datetime | None) -> str | None:
    return _DATETIME.to_representation(value) if value else None


class IntakeSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    kind = serializers.CharField(required=False, allow_blank=True)
    category = serializers.CharField(required=False, allow_blank=True)
    risk = serializers.CharField(required=False, default="green")
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    description = serializers.CharField(max_length=actions.MAX_DESCRIPTION)
    address = serializers.CharField(required=False, allow_blank=True, max_length=300)
    lon = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)
    lat = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    intake_unit = serializers.IntegerField(required=False, allow_null=True)
    jurisdiction = serializers.IntegerField(required=False, allow_null=True)
    reporter_name = serializers.CharField(required=False, allow_blank=True, max_length=60)
    reporter_phone = serializers.CharField(required=False, allow_blank=True, max_length=20)
    anonymous = serializers.BooleanField(required=False, default=False)
    parties = PartyInputSerializer(many=True, required=False)


class StepSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[c for c in EventKind.choices if c[0] != EventKind.CREATED and c[0] not in lifecycle.SYSTEM_ONLY]
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    data = serializers.DictField(required=False, default=dict)  # type: ignore[assignment]  # the step's data


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = MatterEvent
        fields = ["seq", "kind", "time", "actor", "actor_name", "reason", "data", "source"]


class MatterViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Matters within the caller's reach (any unit the matter is attached to), or a resident's own."""

    queryset = Matter.objects.select_related("intake_unit").prefetch_related("parties")
    serializer_class = MatterSerializer
    filterset_class = MatterFilterSet
    scope_actions = {"steps": "view", "events": "view"}

    def get_serializer_context(self) -> dict[str, Any]:
        # allowed_steps costs a policy check per step: details and steps answer it, lists and intake not.
        return {**super().get_serializer_context(), "with_steps": self.action in {"retrieve", "steps"}}

    @extend_schema(
        request=IntakeSerializer,
        responses={201: MatterSerializer, 200: MatterSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="Retries with the same key return the same matter (200).",
            )
        ],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Register a matter. The response carries its number at once."""
        intake = IntakeSerializer(data=request.data)
        intake.is_valid(raise_exception=True)
        data = dict(intake.validated_data)
        user = request.user
        staff = not scope_for(user, "matter.intake").empty
        data.setdefault("channel", Channel.API if staff else Channel.WEB)
        reach = Unit.objects.restrict(user, "view") if staff else Unit.objects.none()
        for name in ("intake_unit", "jurisdiction"):
            unit_id = data.pop(name, None)
            if unit_id is not None:
                unit = (reach if name == "intake_unit" else Unit.objects.all()).filter(pk=unit_id).first()
                if unit is None:
                    raise serializers.ValidationError({name: [_("单位不存在或不在您的管辖范围内。")]}, code="not_found")
                data[name] = unit
        matter, created = actions.receive(
            actor=user,
            reporter=None if staff else cast(User, user),
            idempotency_key=request.headers.get("Idempotency-Key", "")[:200],
            payload_fingerprint=actions.fingerprint({**intake.initial_data, "_user": user.pk}),
            **data,
        )
        body = MatterSerializer(matter, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=StepSerializer, responses=MatterSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def steps(self, request: Request, pk: str | None = None) -> Response:
        """Take one step of the matter's lifecycle. A step the state does not allow answers 409
        with `allowed`: the steps you may take now."""
        matter = self.get_object()
        step = StepSerializer(data=request.data)
        step.is_valid(raise_exception=True)
        matter = actions.perform(
            matter,
            step.validated_data["kind"],
            actor=request.user,
            reason=step.validated_data.get("reason", ""),
            data=step.validated_data.get("data") or {},
        )
        matter = get_object_or_404(self.get_queryset(), pk=matter.pk)
        return Response(MatterSerializer(matter, context=self.get_serializer_context()).data)

    @extend_schema(responses=EventSerializer(many=True))
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def events(self, request: Request, pk: str | None = None) -> Response:
        """The matter's timeline, oldest first."""
        matter = self.get_object()
        events: Any = matter.events.order_by("seq")
        if scope_for(request.user, "matter.view").empty:
            # A resident, on their own matter: what was done for them, not the centre's notes.
            events = timeline.public_events(matter)
        return Response(EventSerializer(events, many=True).data)
