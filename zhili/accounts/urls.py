from django.contrib.auth import views as auth_views
from django.urls import path

from zhili.accounts import views

app_name = "accounts"
urlpatterns = [
    # Under /accounts/: reachable before the second factor (see RequireTwoFactorMiddleware).
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/otp/verify/", views.otp_verify, name="otp_verify"),
    path("accounts/otp/setup/", views.otp_setup, name="otp_setup"),
    # Everything else needs a fully signed-in session, so it lives outside /accounts/.
    path("people/", views.PersonListView.as_view(), name="person_list"),
    path("people/<int:pk>/", views.PersonDetailView.as_view(), name="person_detail"),
    path("people/<int:pk>/reveal/", views.PersonRevealView.as_view(), name="person_reveal"),
]
