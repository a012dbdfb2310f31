"""Create a staff account with a role and a key pair wrapped by its password."""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.keys import staff_member_create
from accounts.models import Role
from accounts.security import username_normalise


class Command(BaseCommand):
    help = "Create a staff account. The password is read from $TIPLINE_NEW_PASSWORD or prompted for."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--email", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        # Stored as the login compares it (NFKC, case-folded), so every spelling typed finds this account.
        username = username_normalise(options["username"])
        if not username:
            raise CommandError("the user name is empty")
        password = os.environ.get("TIPLINE_NEW_PASSWORD") or getpass.getpass("Password: ")
        user_model = get_user_model()
        if user_model.objects.filter(username=username).exists():
            raise CommandError(f"{username!r} exists")
        user = user_model(username=username, email=options["email"])
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        with transaction.atomic():
            user.set_password(password)
            user.save()
            staff_member_create(user=user, role=options["role"], password=password)
        self.stdout.write(
            f"Created {user.username} ({options['role']}). Next: manage.py enrol_totp --username {user.username} "
            "(no login without an authenticator), then a supervisor adds them to their unit."
        )
