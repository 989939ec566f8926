from django.urls import path

from zhili.org import views, views_manage

app_name = "org"
urlpatterns = [
    path("units/", views.UnitListView.as_view(), name="unit_list"),
    path("units/<int:pk>/", views.UnitDetailView.as_view(), name="unit_detail"),
    # 单位管理: form pages for administrators; each posts back to itself.
    path("units/<int:pk>/add-child/", views_manage.UnitCreateView.as_view(), name="unit_create"),
    path("units/<int:pk>/edit/", views_manage.UnitUpdateView.as_view(), name="unit_update"),
    path("units/<int:pk>/move/", views_manage.UnitMoveView.as_view(), name="unit_move"),
    path("units/<int:pk>/delete/", views_manage.UnitDeleteView.as_view(), name="unit_delete"),
]
