"""Backup and restore of a whole installation: the database and the uploaded files.

A backup is a directory:

- `database.dump` (PostgreSQL: `pg_dump --format=custom`) or `database.sqlite3` (SQLite:
  the backup API, a consistent copy while the app runs);
- `media.tar.gz`: everything under MEDIA_ROOT;
- `manifest.json`: the format, when, the database engine, the latest migration of each
  app, row counts of the main tables (checked again after a restore) and each file's
  SHA-256 (checked before a restore).

A restore goes into an empty database (a fresh one, migrated by nothing) unless told to
replace what is there (`force`), and refuses a backup whose files do not match their
manifest or whose engine differs from the target's.
"""

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA_ARCHIVE = "media.tar.gz"
# The tables whose row counts the manifest keeps and a restore checks.
COUNTED_TABLES = (
    "auth_user",
    "people_employee",
    "frameworks_framework",
    "frameworks_level",
    "people_levelhistory",
    "assessments_evidence",
    "promotions_promotioncase",
)


class BackupError(Exception):
    """A clear reason the backup or restore did not happen (nothing was changed)."""


@dataclass(frozen=True)
class Target:
    """A database as Django's DATABASES entry describes it."""

    engine: str  # "postgresql" or "sqlite"
    name: str
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""

    @classmethod
    def from_settings(cls, entry: dict) -> "Target":
        engine = entry["ENGINE"].rsplit(".", 1)[-1]
        if engine not in ("postgresql", "sqlite3"):
            raise BackupError(f"Backups support PostgreSQL and SQLite, not {entry['ENGINE']}.")
        return cls(
            engine="sqlite" if engine == "sqlite3" else engine,
            name=str(entry["NAME"]),
            user=entry.get("USER") or "",
            password=entry.get("PASSWORD") or "",
            host=entry.get("HOST") or "",
            port=str(entry.get("PORT") or ""),
        )

    def pg_args(self) -> list[str]:
        args = ["--dbname", self.name]
        for flag, value in (
            ("--host", self.host),
            ("--port", self.port),
            ("--username", self.user),
        ):
            if value:
                args += [flag, value]
        return args + ["--no-password"]

    def pg_env(self) -> dict:
        env = dict(os.environ)
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def connect(self):
        """A DB-API connection of its own (never Django's, which a restore replaces)."""
        if self.engine == "sqlite":
            # A "file:" name is a URI (the test runner's shared in-memory database).
            return sqlite3.connect(self.name, uri=self.name.startswith("file:"))
        import psycopg2

        return psycopg2.connect(
            dbname=self.name,
            user=self.user or None,
            password=self.password or None,
            host=self.host or None,
            port=self.port or None,
            connect_timeout=10,
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _tables(connection, engine: str) -> set[str]:
    cursor = connection.cursor()
    if engine == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    else:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
    return {row[0] for row in cursor.fetchall()}


def database_summary(target: Target) -> dict:
    """Row counts of COUNTED_TABLES and the latest migration of each app."""
    connection = target.connect()
    try:
        tables = _tables(connection, target.engine)
        cursor = connection.cursor()
        counts = {}
        for table in COUNTED_TABLES:
            if table in tables:
                cursor.execute(f"SELECT COUNT(*) FROM {table}")  # names from the constant
                counts[table] = cursor.fetchone()[0]
        migrations = {}
        if "django_migrations" in tables:
            cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
            for app, name in cursor.fetchall():
                migrations[app] = name
        return {"counts": counts, "migrations": migrations}
    finally:
        connection.close()


def backup_create(destination: Path, *, database: dict, media_root: Path) -> dict:
    """Write a backup of `database` and `media_root` into `destination` (created; it must
    not exist, or be empty). Returns the manifest."""
    destination = Path(destination)
    if destination.exists() and any(destination.iterdir()):
        raise BackupError(f"{destination} is not empty; give a new directory.")
    target = Target.from_settings(database)
    destination.mkdir(parents=True, exist_ok=True)
    try:
        if target.engine == "postgresql":
            dump = destination / "database.dump"
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                  "--file", str(dump), *target.pg_args()], target)  # fmt: skip
        else:
            dump = destination / "database.sqlite3"
            source = target.connect()
            copy = sqlite3.connect(dump)
            try:
                source.backup(copy)
            finally:
                copy.close()
                source.close()
        media_files = 0
        media_root = Path(media_root)
        with tarfile.open(destination / MEDIA_ARCHIVE, "w:gz") as archive:
            if media_root.is_dir():
                for path in sorted(media_root.rglob("*")):
                    if path.is_file() and not path.is_symlink():
                        archive.add(path, arcname=str(path.relative_to(media_root)))
                        media_files += 1
        manifest = {
            "format": FORMAT,
            "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "engine": target.engine,
            "database": dump.name,
            "media": MEDIA_ARCHIVE,
            "media_files": media_files,
            **database_summary(target),
            "sha256": {name: _sha256(destination / name) for name in (dump.name, MEDIA_ARCHIVE)},
        }
    except BaseException:
        shutil.rmtree(destination, ignore_errors=True)  # no half backup left to trust
        raise
    (destination / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def manifest_read(source: Path) -> dict:
    """The backup's manifest, after checking every file against its SHA-256."""
    source = Path(source)
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{source} holds no {MANIFEST}: not a CareerPath backup.") from None
    except ValueError:
        raise BackupError(f"{source / MANIFEST} is not valid JSON.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{source / MANIFEST} is not a format {FORMAT} backup manifest.")
    for name, expected in manifest.get("sha256", {}).items():
        path = source / Path(name).name
        if not path.is_file():
            raise BackupError(f"{path} is missing.")
        if _sha256(path) != expected:
            raise BackupError(f"{path} does not match its checksum: damaged or changed.")
    return manifest


def backup_restore(source: Path, *, database: dict, media_root: Path, force: bool = False) -> dict:
    """Bring a backup back into `database` and `media_root`. Refuses a database that has
    tables, or a media directory with files, unless `force` (then they are replaced).
    Returns the restored database's summary, checked against the manifest."""
    source = Path(source)
    manifest = manifest_read(source)
    target = Target.from_settings(database)
    if manifest["engine"] != target.engine:
        raise BackupError(
            f"The backup is of a {manifest['engine']} database; the target is {target.engine}."
        )
    connection = target.connect()
    try:
        existing = _tables(connection, target.engine)
    finally:
        connection.close()
    media_root = Path(media_root)
    media_present = media_root.is_dir() and any(p.is_file() for p in media_root.rglob("*"))
    if not force and (existing or media_present):
        what = "the database has tables" if existing else f"{media_root} holds files"
        raise BackupError(f"Refusing to restore: {what}. Use a fresh one, or --force to replace.")

    dump = source / manifest["database"]
    if target.engine == "postgresql":
        args = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                "--single-transaction"]  # fmt: skip
        if existing:
            args += ["--clean", "--if-exists"]
        _run([*args, *target.pg_args(), str(dump)], target)
    else:
        backup = sqlite3.connect(dump)
        live = target.connect()
        try:
            backup.backup(live)  # replaces the whole database, page by page
        finally:
            live.close()
            backup.close()

    if media_present:
        shutil.rmtree(media_root)
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / manifest["media"], "r:gz") as archive:
        archive.extractall(media_root, filter="data")  # no absolute paths, no escapes

    summary = database_summary(target)
    if summary["counts"] != manifest["counts"]:
        raise BackupError(
            f"The restored database's row counts {summary['counts']} differ from the "
            f"backup's {manifest['counts']}."
        )
    return summary


def _run(command: list[str], target: Target) -> None:
    try:
        result = subprocess.run(
            command, env=target.pg_env(), capture_output=True, text=True, timeout=3600
        )
    except FileNotFoundError:
        raise BackupError(
            f"{command[0]} is not installed (Debian: apt-get install postgresql-client)."
        ) from None
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")
