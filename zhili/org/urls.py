from django.urls import path

from zhili.org import views

app_name = "org"
urlpatterns = [
    path("units/", views.UnitListView.as_view(), name="unit_list"),
    path("units/<int:pk>/", views.UnitDetailView.as_view(), name="unit_detail"),
]
