from django.urls import path

from zhili.matters import views, views_intake, views_reveal, views_search

app_name = "matters"
urlpatterns = [
    path("", views.MatterInboxView.as_view(), name="inbox"),
    path("search/", views_search.MatterSearchView.as_view(), name="search"),
    path("new/", views_intake.MatterIntakeView.as_view(), name="intake"),
    path("new/triage/", views_intake.triage_preview, name="triage_preview"),
    path("new/duplicates/", views_intake.possible_duplicates, name="duplicates"),
    path("<int:pk>/", views.MatterDetailView.as_view(), name="detail"),
    path("<int:pk>/steps/", views.MatterStepView.as_view(), name="step"),
    path("<int:pk>/reveal/", views_reveal.MatterRevealView.as_view(), name="reveal"),
    path("<int:pk>/attachments/", views_reveal.MatterAttachView.as_view(), name="attach"),
]
