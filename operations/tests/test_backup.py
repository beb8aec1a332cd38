"""Backup and restore: a backup brought back into a fresh database finds the same people,
levels and evidence, and the uploaded file; a restore refuses what it must not overwrite
and a backup that was damaged."""

import json
import sqlite3
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from assessments.models import Evidence
from assessments.tests.factories import EvidenceFactory
from operations.backup import BackupError, backup_create, backup_restore
from people.tests.factories import EmployeeFactory

PEOPLE = """SELECT u.email, l.code, e.hire_date FROM people_employee e
    JOIN auth_user u ON u.id = e.user_id JOIN frameworks_level l ON l.id = e.level_id
    ORDER BY u.email"""
EVIDENCE = """SELECT u.email, v.title, v.status, v.attachment FROM assessments_evidence v
    JOIN people_employee e ON e.id = v.employee_id JOIN auth_user u ON u.id = e.user_id
    ORDER BY v.title"""
LEVELS = "SELECT framework_id, code, rank FROM frameworks_level ORDER BY id"


def rows(conn, sql):
    cursor = conn.cursor()
    cursor.execute(sql)
    return [tuple(str(value) for value in row) for row in cursor.fetchall()]


def make_company(media_root: Path):
    manager = EmployeeFactory(level_code="superhero", user__username="boss@example.com")
    person = EmployeeFactory(manager=manager, user__username="ana@example.com")
    EvidenceFactory(
        employee=person,
        title="Salesforce sync fixed",
        attachment=SimpleUploadedFile("proof.pdf", b"%PDF-1.4 the proof"),
    )
    EvidenceFactory(employee=person, title="Second ticket", status=Evidence.Status.APPROVED,
                    reviewed_by=manager.user)  # fmt: skip
    attachment = Evidence.objects.get(title="Salesforce sync fixed").attachment.name
    return attachment


def assert_same_company(source, restored, media_root, restored_media, attachment):
    for sql in (PEOPLE, EVIDENCE, LEVELS):
        before = rows(source, sql)
        assert before and rows(restored, sql) == before
    assert ("ana@example.com", "Salesforce sync fixed") in [r[:2] for r in rows(restored, EVIDENCE)]
    assert (restored_media / attachment).read_bytes() == b"%PDF-1.4 the proof"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_postgres_backup_restores_into_a_fresh_database(seeded, settings, tmp_path):
    import psycopg2

    settings.MEDIA_ROOT = tmp_path / "media"
    attachment = make_company(settings.MEDIA_ROOT)
    call_command("backup", str(tmp_path / "backup"))
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["engine"] == "postgresql" and manifest["media_files"] == 1
    assert manifest["counts"]["people_employee"] == 2

    source_settings = connection.settings_dict
    fresh = f"careerpath_restore_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(
        dbname="postgres", user=source_settings["USER"] or None,
        password=source_settings["PASSWORD"] or None, host=source_settings["HOST"] or None,
        port=source_settings["PORT"] or None,
    )  # fmt: skip
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{fresh}"')
    try:
        target = {**source_settings, "NAME": fresh}
        restored_media = tmp_path / "restored-media"
        summary = backup_restore(tmp_path / "backup", database=target, media_root=restored_media)
        assert summary["counts"] == manifest["counts"]
        restored = psycopg2.connect(
            dbname=fresh, user=source_settings["USER"] or None,
            password=source_settings["PASSWORD"] or None, host=source_settings["HOST"] or None,
            port=source_settings["PORT"] or None,
        )  # fmt: skip
        try:
            with connection.cursor() as live:
                assert_same_company(live.connection, restored, settings.MEDIA_ROOT,
                                    restored_media, attachment)  # fmt: skip
        finally:
            restored.close()
        # A second restore into the now full database is refused without --force.
        with pytest.raises(BackupError, match="the database has tables"):
            backup_restore(tmp_path / "backup", database=target, media_root=tmp_path / "m2")
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
        admin.close()


@pytest.mark.django_db(transaction=True)
def test_an_sqlite_backup_restores_into_a_fresh_database(seeded, settings, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the embedded database's round trip; PostgreSQL has its own test")
    settings.MEDIA_ROOT = tmp_path / "media"
    attachment = make_company(settings.MEDIA_ROOT)
    call_command("backup", str(tmp_path / "backup"))
    target = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "fresh.sqlite3")}
    restored_media = tmp_path / "restored-media"
    backup_restore(tmp_path / "backup", database=target, media_root=restored_media)
    restored = sqlite3.connect(target["NAME"])
    try:
        with connection.cursor() as live:
            assert_same_company(live.connection, restored, settings.MEDIA_ROOT, restored_media,
                                attachment)  # fmt: skip
    finally:
        restored.close()


# --- refusals, on a small SQLite database of their own -------------------------------------


@pytest.fixture
def small(tmp_path):
    """A tiny SQLite installation (one person) and its media, backed up."""
    db = tmp_path / "small.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE people_employee (id integer primary key, name text)")
    conn.execute("INSERT INTO people_employee (name) VALUES ('Ana')")
    conn.commit()
    conn.close()
    media = tmp_path / "media"
    (media / "evidence").mkdir(parents=True)
    (media / "evidence" / "proof.pdf").write_bytes(b"proof")
    database = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(db)}
    backup_create(tmp_path / "backup", database=database, media_root=media)
    return tmp_path, database


def test_a_restore_refuses_a_database_with_tables_unless_forced(small):
    tmp_path, database = small
    with pytest.raises(BackupError, match="Refusing to restore: the database has tables"):
        backup_restore(tmp_path / "backup", database=database, media_root=tmp_path / "empty")
    # Forced: the media directory is replaced by the backup's.
    (tmp_path / "media" / "stray.txt").write_text("not in the backup")
    summary = backup_restore(
        tmp_path / "backup", database=database, media_root=tmp_path / "media", force=True
    )
    assert summary["counts"] == {"people_employee": 1}
    assert sorted(p.name for p in (tmp_path / "media").rglob("*") if p.is_file()) == ["proof.pdf"]


def test_a_damaged_backup_is_refused_before_anything_changes(small):
    tmp_path, _ = small
    with (tmp_path / "backup" / "media.tar.gz").open("ab") as handle:
        handle.write(b"junk")
    fresh = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "fresh.sqlite3")}
    with pytest.raises(BackupError, match="does not match its checksum"):
        backup_restore(tmp_path / "backup", database=fresh, media_root=tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_a_backup_of_another_engine_is_refused(small):
    tmp_path, _ = small
    target = {"ENGINE": "django.db.backends.postgresql", "NAME": "nowhere"}
    with pytest.raises(BackupError, match="backup is of a sqlite database; the target is"):
        backup_restore(tmp_path / "backup", database=target, media_root=tmp_path / "m")


def test_the_commands_say_what_is_wrong(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(CommandError, match="is not empty; give a new directory"):
        call_command("backup", str(tmp_path / "full"))
    with pytest.raises(CommandError, match="holds no manifest.json"):
        call_command("restore", str(tmp_path / "full"))
