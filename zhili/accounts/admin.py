"""People, roles, sign-in lockouts, second factors and API tokens are managed on the people pages
(accounts.views), within the administrator's units and through accounts.services, which write the
audit log. The Django admin would edit the same rows past both, so the entries that the auth, axes,
knox and django-otp apps register are taken out of it. (Zhili's roles are memberships of units;
Django's groups are not used.)"""

from __future__ import annotations

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

MANAGED_ELSEWHERE = [Group, AccessAttempt, AccessFailureLog, AccessLog, AuthToken, StaticDevice, TOTPDevice]

for model in MANAGED_ELSEWHERE:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
