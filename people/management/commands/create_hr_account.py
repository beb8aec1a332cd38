import getpass
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from people.roles import roles_ensure


class Command(BaseCommand):
    help = (
        "Create (or promote) an HR account: staff, in the HR group, not a superuser. The "
        "password is asked for, or read from standard input with --password-stdin. This is "
        "how the first HR account of a production installation is made."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--password-stdin", action="store_true")

    def handle(self, *args, email, first_name, last_name, password_stdin, **options):
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"{email!r} is not an e-mail address.") from None
        if password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords differ; nothing was changed.")
        User = get_user_model()
        user = User.objects.filter(username__iexact=email).first() or User(
            username=email.lower(), email=email.lower()
        )
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        with transaction.atomic():
            user.first_name = first_name or user.first_name
            user.last_name = last_name or user.last_name
            user.is_staff = True
            user.is_active = True
            user.set_password(password)
            user.save()
            user.groups.add(roles_ensure())
        self.stdout.write(f"{user.email}: HR account ready (staff, HR group, not a superuser).")
