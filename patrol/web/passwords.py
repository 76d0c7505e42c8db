"""The one password policy of the console's accounts, used by every path that
sets a password (``patrol users add``/``passwd``) and whose length limit every
path that reads one accepts (the login form, ``POST /api/token``).

Strength is judged by zxcvbn (Dropbox's estimator, maintained in Python as
``zxcvbn``): its 30,000 most common passwords, keyboard walks, repeats,
sequences, dates and the user's own name count against a password, so
``12345678``, ``aaaaaaaaaa`` and ``ann2026ann`` are refused without a
hand-typed list.
"""

from __future__ import annotations

from patrol.errors import PatrolError

MIN_PASSWORD = 10
# Every path accepts this many characters (argon2 hashes any length; zxcvbn
# refuses more than 72 unless told, and its matching grows with the length).
MAX_PASSWORD = 128
MIN_SCORE = 2  # zxcvbn 0-4: 2 is "somewhat guessable", safe from online guessing behind the login limit


class WeakPassword(PatrolError):
    """The password breaks the policy; the message says how."""


def check_password(password: str, username: str = "") -> str:
    """``password`` if it meets the policy, else WeakPassword saying why."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise WeakPassword(f"password: must be at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise WeakPassword(f"password: must be at most {MAX_PASSWORD} characters")
    from zxcvbn import zxcvbn
    result = zxcvbn(password, user_inputs=[username] if username else [], max_length=MAX_PASSWORD)
    if result["score"] < MIN_SCORE:
        feedback = result.get("feedback") or {}
        why = feedback.get("warning") or "it is too easy to guess"
        hint = " ".join(feedback.get("suggestions") or ())
        raise WeakPassword(f"password: too easy to guess ({why.rstrip('.')}). {hint}".strip())
    return password
