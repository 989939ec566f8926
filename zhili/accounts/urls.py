from django.contrib.auth import views as auth_views
from django.urls import path

from zhili.accounts import views, views_manage

app_name = "accounts"
urlpatterns = [
    # Under /accounts/: reachable before the second factor (see RequireTwoFactorMiddleware).
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/otp/verify/", views.otp_verify, name="otp_verify"),
    path("accounts/otp/setup/", views.otp_setup, name="otp_setup"),
    # Everything else needs a fully signed-in session, so it lives outside /accounts/.
    path("people/", views.PersonListView.as_view(), name="person_list"),
    path("people/new/", views_manage.PersonCreateView.as_view(), name="person_create"),
    path("people/<int:pk>/", views.PersonDetailView.as_view(), name="person_detail"),
    path("people/<int:pk>/reveal/", views.PersonRevealView.as_view(), name="person_reveal"),
    # Managing a person (people.manage): POST only; see views_manage.
    path("people/<int:pk>/edit/", views_manage.PersonEditView.as_view(), name="person_edit"),
    path("people/<int:pk>/password/", views_manage.PersonPasswordView.as_view(), name="person_password"),
    path("people/<int:pk>/roles/", views_manage.PersonGrantView.as_view(), name="person_grant"),
    path(
        "people/<int:pk>/roles/<int:membership>/title/",
        views_manage.MembershipRetitleView.as_view(),
        name="membership_retitle",
    ),
    path(
        "people/<int:pk>/roles/<int:membership>/revoke/",
        views_manage.MembershipRevokeView.as_view(),
        name="membership_revoke",
    ),
    path(
        "people/<int:pk>/second-factor/reset/",
        views_manage.SecondFactorResetView.as_view(),
        name="person_reset_second_factor",
    ),
    path("people/<int:pk>/unlock/", views_manage.UnlockView.as_view(), name="person_unlock"),
    path("people/<int:pk>/tokens/revoke/", views_manage.TokensRevokeView.as_view(), name="person_revoke_tokens"),
]
