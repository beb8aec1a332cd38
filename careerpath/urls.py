from django.contrib import admin
from django.urls import include, path

from promotions import views as promotion_views

admin.site.site_header = "CareerPath administration"
admin.site.site_title = "CareerPath"
admin.site.index_title = "Frameworks, people and evidence"

urlpatterns = [
    path("", promotion_views.home, name="home"),
    path("frameworks/", include("frameworks.urls")),
    path("", include("assessments.urls")),
    path("", include("promotions.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("_nested_admin/", include("nested_admin.urls")),
]
