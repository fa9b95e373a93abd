"""The follow-up code: 24 characters of Crockford's base32 (120 random bits from ``secrets``), shown once to the
sender in groups of four. Only its sha256 is kept: with 120 bits there is nothing to gain from a slow hash, and
nobody can guess a code in the tries the rate limit leaves."""

import hashlib
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # no I, L, O or U: nothing to misread on paper
CODE_LENGTH = 24
GROUP = 4
# What people type for the letters left out (Crockford's rule), so a code copied by hand still works.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def code_new():
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(code[i:i + GROUP] for i in range(0, CODE_LENGTH, GROUP))


def code_normalise(text):
    """The code's characters without spaces or dashes, upper case; None for anything that cannot be a code."""
    cleaned = "".join(ch for ch in (text or "").upper().translate(_READ_AS) if ch not in " -\t")
    if len(cleaned) != CODE_LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def code_hash(text):
    normalised = code_normalise(text)
    return hashlib.sha256(normalised.encode()).hexdigest() if normalised else None
