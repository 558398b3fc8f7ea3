"""Passenger names as travel documents use them: a name is written given names first,
the last word is the surname (what "last name" means at check-in and on a boarding
pass)."""
import unicodedata


def name_parts(full_name):
    """``"Ada King Lovelace"`` -> ``("Lovelace", "Ada King")``; a one-word name is a surname."""
    words = " ".join((full_name or "").split()).split(" ")
    return words[-1], " ".join(words[:-1])


def same_name(a, b):
    """Whether two spellings of a name are the same, ignoring case, accents and spacing."""
    return folded(a) == folded(b)


def folded(text):
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii")
    return " ".join(ascii_text.split()).casefold()


def has_last_name(full_name, last_name):
    return bool(folded(last_name)) and same_name(name_parts(full_name)[0], last_name)
