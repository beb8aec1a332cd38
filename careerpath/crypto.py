"""Secrets stored in the database (a Slack webhook URL), encrypted with Fernet.

The key is FIELD_ENCRYPTION_KEY when set (a Fernet key: 32 url-safe base64 bytes), else
one derived from SECRET_KEY, so that a database dump alone does not reveal the secrets.
Rotating the key makes stored secrets unreadable: HR enters them again.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class SecretUnreadable(Exception):
    """The stored secret was encrypted with another key."""


def _fernet() -> Fernet:
    key = settings.FIELD_ENCRYPTION_KEY
    if not key:
        digest = hashlib.sha256(b"careerpath-field-encryption:" + settings.SECRET_KEY.encode())
        key = base64.urlsafe_b64encode(digest.digest()).decode()
    return Fernet(key)


def secret_encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def secret_decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "The stored secret cannot be read with the current key (was SECRET_KEY or "
            "FIELD_ENCRYPTION_KEY changed?); enter it again."
        ) from None
