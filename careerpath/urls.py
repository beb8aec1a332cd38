from django.contrib import admin
from django.urls import include, path

from careerpath.audit_trail import audit_trail_view
from careerpath.health import healthz
from promotions import views as promotion_views

from . import sso
from .forms import LoginForm
from .views import ThrottledPasswordResetView

admin.site.site_header = "CareerPath administration"
admin.site.site_title = "CareerPath"
admin.site.index_title = "Frameworks, people and evidence"

urlpatterns = [
    path("", promotion_views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("frameworks/", include("frameworks.urls")),
    path("api/", include("api.urls")),
    path("", include("assessments.urls")),
    path("", include("promotions.urls")),
    path("accounts/login/", sso.LoginView.as_view(form_class=LoginForm), name="login"),
    path("accounts/logout/", sso.LogoutView.as_view(), name="logout"),
    # Single sign-on (404 while OIDC_ENABLED is off); the names are mozilla-django-oidc's.
    path("oidc/authenticate/", sso.SignOnStartView.as_view(), name="oidc_authentication_init"),
    path("oidc/callback/", sso.SignOnCallbackView.as_view(), name="oidc_authentication_callback"),
    path(
        "accounts/password_reset/",
        ThrottledPasswordResetView.as_view(),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    # Before the admin's own URLs, which would take "audit" for an app's name.
    path("admin/audit/", admin.site.admin_view(audit_trail_view), name="audit_trail"),
    path("admin/", admin.site.urls),
    path("_nested_admin/", include("nested_admin.urls")),
]
