from django.urls import path

from . import views

app_name = "promotions"
urlpatterns = [
    path("team/", views.team, name="team"),
    path("team/<int:pk>/", views.person, name="person"),
    path("team/<int:pk>/nominate/", views.nominate, name="nominate"),
    path("promotions/", views.cases, name="cases"),
    path("promotions/<int:pk>/", views.case, name="case"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/settings/", views.notification_settings, name="notification_settings"),
    path("reports/", views.hr_reports, name="reports"),
]
