"""What org announces to the layers above it, which it must not import.

``password_set_by_other``: an administrator (or an import) chose these people's passwords, in the
transaction that saved them; anxin.accounts makes each of them choose their own at first login.
Sent with ``users`` (a list of saved users) and ``reason`` (``admin_set`` or ``import``).
"""

from django.dispatch import Signal

password_set_by_other = Signal()
