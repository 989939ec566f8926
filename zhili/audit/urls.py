from django.urls import path

from zhili.audit import views

app_name = "audit"
urlpatterns = [
    path("events/", views.AuditEventListView.as_view(), name="event_list"),
    path("events/<int:pk>/", views.AuditEventDetailView.as_view(), name="event_detail"),
]
