import io
import os

from django.core.management import call_command

IN_CI = bool(os.environ.get("CI"))


def install_seed_data() -> None:
    """What migrations and `seed_frameworks` give a fresh database: the seed frameworks and
    the default approval steps. Transactional tests flush both; this puts them back."""
    from promotions.services import approval_steps_ensure_defaults

    call_command("seed_frameworks", stdout=io.StringIO())
    approval_steps_ensure_defaults()
