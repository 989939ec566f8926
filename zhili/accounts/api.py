"""REST API for people and their roles: /api/v1/people/, /api/v1/memberships/, /api/v1/me/."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action, api_view
from rest_framework.request import Request
from rest_framework.response import Response

from zhili.accounts import services
from zhili.accounts.filtersets import MembershipFilterSet, PersonFilterSet
from zhili.accounts.models import Membership, User, UserQuerySet
from zhili.accounts.roles import PERMISSIONS, Role, permissions_of
from zhili.core import pii
from zhili.core.api import ScopedModelViewSet
from zhili.core.errors import DomainError
from zhili.core.scope import scope_for
from zhili.org.models import Unit


class MembershipSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "unit", "unit_name", "role", "title", "created_at"]
        read_only_fields = ["created_at"]
        validators: list = []  # grant_role reports a duplicate role as a 409 with its own message

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "user" in self.fields:
            # Ids outside the caller's reach are "not found", exactly like ids that do not exist.
            self.fields["user"].queryset = User.objects.restrict(request.user, "view")  # type: ignore[attr-defined]
            self.fields["unit"].queryset = Unit.objects.restrict(request.user, "view")  # type: ignore[attr-defined]


class PersonSerializer(serializers.ModelSerializer):
    """A person. Phone and ID number are masked; POST /people/{id}/reveal/ shows them, logged."""

    phone = serializers.SerializerMethodField()
    id_number = serializers.SerializerMethodField()
    memberships = MembershipSerializer(many=True, read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "phone", "id_number", "email", "is_active", "is_demo", "memberships"]

    def get_phone(self, user: User) -> str:
        return pii.mask_phone(user.phone)

    def get_id_number(self, user: User) -> str:
        return pii.mask_id_number(user.id_number)


class PersonWriteSerializer(serializers.ModelSerializer):
    password = serializers.CharField(write_only=True, required=False, style={"input_type": "password"})
    phone = serializers.CharField(required=False, allow_blank=True, max_length=20)
    id_number = serializers.CharField(required=False, allow_blank=True, max_length=18)
    unit = serializers.IntegerField(write_only=True, required=False, help_text="Unit of the first role (create).")
    role = serializers.ChoiceField(choices=Role.choices, write_only=True, required=False)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "phone", "id_number", "email", "is_active", "password", "unit", "role"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None and ("unit" not in attrs or "role" not in attrs):
            raise serializers.ValidationError({"unit": [_("新建人员须同时指定任职单位和角色。")]}, code="required")
        if self.instance is not None and {"unit", "role", "username"} & set(attrs):
            raise serializers.ValidationError({"role": [_("账号与任职请通过 /memberships/ 修改。")]}, code="read_only")
        return attrs

    def to_representation(self, instance: User) -> dict[str, Any]:
        return PersonSerializer(instance, context=self.context).data


class RevealSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=sorted(User.pii_fields))
    reason = serializers.CharField(min_length=2, max_length=500)


class RevealedSerializer(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField()


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(min_length=2, max_length=500, help_text="Why; recorded in the audit log.")


class AccountSecuritySerializer(serializers.Serializer):
    second_factor = serializers.BooleanField(help_text="A confirmed authenticator (TOTP) is set up.")
    locked_out = serializers.BooleanField(help_text="Sign-ins are refused for now after repeated failures.")
    tokens = serializers.IntegerField(help_text="API tokens that still work.")


class PersonViewSet(ScopedModelViewSet):
    """People within the caller's jurisdiction (those holding a role in a unit of it).

    Changing the account itself (its details, password, deactivation, second factor, lockout,
    tokens) needs people.manage over every unit where the person holds a role."""

    queryset = User.objects.order_by("username")
    filterset_class = PersonFilterSet
    scope_actions = {
        "reveal": "view",
        "security": "change",
        "reset_second_factor": "change",
        "unlock": "change",
        "revoke_tokens": "change",
    }

    def get_queryset(self) -> Any:
        return cast(UserQuerySet, super().get_queryset()).with_memberships_for(self.request.user)

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action in {"create", "update", "partial_update"}:
            return PersonWriteSerializer
        if self.action == "reveal":
            return RevealSerializer
        return PersonSerializer

    def create_object(self, serializer: serializers.BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        unit = Unit.objects.restrict(self.request.user, "view").filter(pk=data.pop("unit")).first()
        if unit is None:
            raise DomainError("unit_not_found", _("单位不存在或不在您的管辖范围内。"), field="unit")
        role = data.pop("role")
        with transaction.atomic():
            person = services.create_person(**data)
            services.grant_role(person, unit, role)
        serializer.instance = person

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        password = data.pop("password", None)
        with transaction.atomic():
            person = services.update_person(cast(User, serializer.instance), **data)
            if password:
                services.set_password(person, password)
        serializer.instance = person

    def perform_destroy(self, instance: User) -> None:
        # People are never deleted (the audit log refers to them): they are deactivated.
        services.update_person(instance, is_active=False)

    @extend_schema(request=RevealSerializer, responses=RevealedSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def reveal(self, request: Request, pk: str | None = None) -> Response:
        """Show a masked field in full. Needs the reveal permission and a reason; logged."""
        person = self.get_object()
        serializer = RevealSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        field = serializer.validated_data["field"]
        value = services.reveal(request.user, person, field, reason=serializer.validated_data["reason"])
        return Response({"field": field, "value": value})

    @extend_schema(responses=AccountSecuritySerializer)
    @action(detail=True, methods=["get"], filterset_class=None)
    def security(self, request: Request, pk: str | None = None) -> Response:
        """What an administrator needs to help someone who cannot sign in."""
        return Response(AccountSecuritySerializer(services.account_security(self.get_object())).data)

    @extend_schema(request=ReasonSerializer, responses=AccountSecuritySerializer)
    @action(detail=True, methods=["post"], url_path="reset-second-factor", filterset_class=None)
    def reset_second_factor(self, request: Request, pk: str | None = None) -> Response:
        """Remove the person's authenticators: they set one up again at their next sign-in."""
        return self._secure(request, services.reset_second_factor)

    @extend_schema(request=ReasonSerializer, responses=AccountSecuritySerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def unlock(self, request: Request, pk: str | None = None) -> Response:
        """Lift a lockout after repeated failed sign-ins now, not after the cool-off."""
        return self._secure(request, services.unlock)

    @extend_schema(request=ReasonSerializer, responses=AccountSecuritySerializer)
    @action(detail=True, methods=["post"], url_path="revoke-tokens", filterset_class=None)
    def revoke_tokens(self, request: Request, pk: str | None = None) -> Response:
        """Revoke every API token of the person."""
        return self._secure(request, services.revoke_tokens)

    def _secure(self, request: Request, change: Callable[..., Any]) -> Response:
        person = self.get_object()
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        change(person, reason=serializer.validated_data["reason"])
        return Response(AccountSecuritySerializer(services.account_security(person)).data)


class MembershipViewSet(ScopedModelViewSet):
    """Roles people hold in units of the caller's jurisdiction. Every change is logged as a
    permission change."""

    queryset = Membership.objects.select_related("unit").order_by("id")
    serializer_class = MembershipSerializer
    filterset_class = MembershipFilterSet
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def create_object(self, serializer: serializers.BaseSerializer) -> None:
        data = serializer.validated_data
        if not Unit.objects.restrict(self.request.user, "view").filter(pk=data["unit"].pk).exists():
            raise DomainError("unit_not_found", _("单位不存在或不在您的管辖范围内。"), field="unit")
        if not User.objects.restrict(self.request.user, "view").filter(pk=data["user"].pk).exists():
            raise DomainError("person_not_found", _("人员不存在或不在您的管辖范围内。"), field="user")
        serializer.instance = services.grant_role(data["user"], data["unit"], data["role"], title=data.get("title", ""))

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        if set(serializer.validated_data) - {"title"}:
            raise DomainError("membership_immutable", _("任职只能修改职务；变更角色或单位请新增后撤销。"), field="role")
        membership = cast(Membership, serializer.instance)
        title = serializer.validated_data.get("title", membership.title)
        serializer.instance = services.retitle_role(membership, title)

    def perform_destroy(self, instance: Membership) -> None:
        services.revoke_role(instance)


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField()
    memberships = MembershipSerializer(many=True)
    permissions = serializers.DictField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text="For each permission, the ids of the units whose subtrees it reaches.",
    )
    role_permissions = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="For each role the caller holds, the permissions it grants.",
    )


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
def me(request: Request) -> Response:
    """The caller, their roles, and for each permission the units whose subtree it reaches."""
    user = cast(User, request.user)
    memberships = Membership.objects.filter(user=user).select_related("unit").order_by("id")
    reach: dict[str, list[int]] = {}
    for permission in PERMISSIONS:
        scope = scope_for(user, permission)
        reach[permission] = list(Unit.objects.filter(path__in=scope.paths).values_list("pk", flat=True))
    return Response(
        {
            "id": user.pk,
            "username": user.get_username(),
            "full_name": getattr(user, "full_name", ""),
            "memberships": MembershipSerializer(memberships, many=True).data,
            "permissions": reach,
            "role_permissions": {m.role: permissions_of(m.role) for m in memberships},
        }
    )
