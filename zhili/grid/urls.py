from django.urls import path

from zhili.grid import views

app_name = "grid"
urlpatterns = [
    path("", views.home, name="home"),
    path("report/", views.report, name="report"),
    path("report/suggest/", views.suggest, name="suggest"),
    path("report/<int:pk>/", views.ReportedView.as_view(), name="reported"),
    path("matters/<int:pk>/", views.GridMatterView.as_view(), name="matter"),
    path("matters/<int:pk>/resolve/", views.resolve, name="resolve"),
]
