"""The cookie declaration: what each purpose stores, by whom and for how long, from Purpose.cookies.

An entry is a name or pattern (`"_ga_*"`, as before) or an object
`{"name", "provider"?, "duration"?, "party"?: "first"|"third", "description"?}`.
"""

from typing import Any

from django.core.exceptions import ValidationError

FIELDS = {"name": 200, "provider": 200, "duration": 100, "party": 5, "description": 500}
PARTIES = ("first", "third")


def cookies_validate(entries: Any) -> None:
    """Refuse a cookies value that is not a list of names or declaration objects."""
    if not isinstance(entries, list):
        raise ValidationError({"cookies": "a list of cookie names or objects"})
    for index, entry in enumerate(entries):
        where = f"entry {index + 1}"
        if isinstance(entry, str):
            if not entry.strip() or len(entry) > FIELDS["name"]:
                raise ValidationError({"cookies": f"{where}: a name of 1 to {FIELDS['name']} characters"})
            continue
        if not isinstance(entry, dict):
            raise ValidationError({"cookies": f"{where}: a name or an object"})
        if unknown := sorted(set(entry) - set(FIELDS)):
            raise ValidationError({"cookies": f"{where}: unknown keys {unknown}; allowed: {sorted(FIELDS)}"})
        if not isinstance(entry.get("name"), str) or not entry["name"].strip():
            raise ValidationError({"cookies": f"{where}: needs a name"})
        for key, limit in FIELDS.items():
            value = entry.get(key, "")
            if not isinstance(value, str) or len(value) > limit:
                raise ValidationError({"cookies": f"{where}: {key} must be text of at most {limit} characters"})
        if entry.get("party", "first") not in PARTIES:
            raise ValidationError({"cookies": f"{where}: party is 'first' or 'third'"})


def cookie_names(entries: list[Any]) -> list[str]:
    """Return the names (patterns) of a purpose's cookies: what the banner deletes on withdrawal."""
    return [entry if isinstance(entry, str) else entry["name"] for entry in entries]


def cookie_declaration(entries: list[Any]) -> list[dict[str, str]] | None:
    """Return the full declaration rows, or None when every entry is a bare name (older versions' shape)."""
    if all(isinstance(entry, str) for entry in entries):
        return None
    rows = []
    for entry in entries:
        row = {"name": entry} if isinstance(entry, str) else dict(entry)
        rows.append({key: row.get(key, "first" if key == "party" else "") for key in FIELDS})
    return rows
