from django.urls import path

from . import views

app_name = "assessments"
urlpatterns = [
    path("evidence/", views.evidence_list, name="evidence_list"),
    path("evidence/new/", views.evidence_create, name="evidence_create"),
    path("evidence/<int:pk>/", views.evidence_detail, name="evidence_detail"),
    path("evidence/<int:pk>/resubmit/", views.evidence_resubmit, name="evidence_resubmit"),
    path("evidence/<int:pk>/withdraw/", views.evidence_withdraw, name="evidence_withdraw"),
    path("evidence/<int:pk>/attachment/", views.evidence_attachment, name="evidence_attachment"),
    path("evidence/<int:pk>/review/", views.evidence_review, name="evidence_review"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/bulk/", views.evidence_review_bulk, name="evidence_review_bulk"),
    path("ratings/", views.rate_self, name="rate_self"),
    path("people/<int:employee_pk>/ratings/", views.rate_report, name="rate_report"),
    path("people/<int:employee_pk>/attest/", views.attest_report, name="attest_report"),
    path("imports/", views.import_list, name="import_list"),
    path("imports/new/", views.import_new, name="import_new"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/apply/", views.import_apply, name="import_apply"),
]
