from django.urls import path

from zhili.matters import views

app_name = "matters"
urlpatterns = [
    path("", views.MatterInboxView.as_view(), name="inbox"),
    path("new/", views.MatterIntakeView.as_view(), name="intake"),
    path("new/triage/", views.triage_preview, name="triage_preview"),
    path("<int:pk>/", views.MatterDetailView.as_view(), name="detail"),
    path("<int:pk>/steps/", views.MatterStepView.as_view(), name="step"),
]
