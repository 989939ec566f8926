from django.urls import path

from zhili.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("report/", views.report, name="report"),
    path("report/hint/", views.report_hint, name="report_hint"),
    path("track/", views.track, name="track"),
    path("track/code/", views.verify, name="verify"),
    path("m/<str:number>/", views.matter_page, name="matter"),
    path("m/<str:number>/steps/", views.matter_step, name="step"),
]
