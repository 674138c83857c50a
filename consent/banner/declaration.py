"""The cookie declaration: what each purpose stores, by whom and for how long, from Purpose.cookies.

An entry is a name or pattern (`"_ga_*"`, as before) or an object
`{"name", "provider"?, "duration"?, "party"?: "first"|"third", "description"?}`.

And the vendors a purpose names (Purpose.vendors): a name or `{"slug", "name"}`; a purpose with
per-vendor choices records each vendor's decision under the key `purpose:vendor`.
"""

import re
from collections.abc import Mapping
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


# A vendor's slug is recorded in the ledger as `purpose:vendor`, a key of at most 64 characters.
VENDOR_SLUG_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
VENDOR_NAME_MAX = 200
DECISION_KEY_MAX = 64


def vendor_slug(name: str) -> str:
    """Return the slug a bare vendor name is given: lower-case letters and digits joined by dashes."""
    return "-".join(re.findall(r"[a-z0-9]+", name.lower()))[:32].strip("-")


def vendor_entries(entries: list[Any]) -> list[dict[str, str]]:
    """Return a purpose's vendors as {"slug", "name"} objects, a bare name given its derived slug."""
    rows = []
    for entry in entries:
        if isinstance(entry, str):
            rows.append({"slug": vendor_slug(entry), "name": entry})
        else:
            rows.append({"slug": entry.get("slug") or vendor_slug(entry["name"]), "name": entry["name"]})
    return rows


def vendor_names(entries: list[Any]) -> list[str]:
    """Return the vendors' display names (what versions have always listed)."""
    return [entry if isinstance(entry, str) else entry["name"] for entry in entries]


def vendors_validate(entries: Any, *, purpose: str, per_vendor: bool) -> None:
    """Refuse a vendors value that is not a list of names or {"slug", "name"} objects.

    A purpose with per-vendor choices needs at least one vendor, and every slug unique and short
    enough that `purpose:vendor` fits the ledger's decision key.
    """
    if not isinstance(entries, list):
        raise ValidationError({"vendors": "a list of vendor names or objects"})
    for index, entry in enumerate(entries):
        where = f"entry {index + 1}"
        if isinstance(entry, dict):
            if unknown := sorted(set(entry) - {"slug", "name"}):
                raise ValidationError({"vendors": f"{where}: unknown keys {unknown}; allowed: ['name', 'slug']"})
            name, slug = entry.get("name"), entry.get("slug", "")
            if not isinstance(slug, str) or (slug and not VENDOR_SLUG_RE.fullmatch(slug)):
                raise ValidationError(
                    {"vendors": f"{where}: slug is 1 to 32 lower-case letters, digits, - or _ (not first)"}
                )
        elif isinstance(entry, str):
            name = entry
        else:
            raise ValidationError({"vendors": f"{where}: a name or an object"})
        if not isinstance(name, str) or not name.strip() or len(name) > VENDOR_NAME_MAX:
            raise ValidationError({"vendors": f"{where}: a name of 1 to {VENDOR_NAME_MAX} characters"})
    if not per_vendor:
        return
    if not entries:
        raise ValidationError({"vendors": "per-vendor choices need at least one vendor"})
    seen: set[str] = set()
    for index, row in enumerate(vendor_entries(entries)):
        where = f"entry {index + 1}"
        if not VENDOR_SLUG_RE.fullmatch(row["slug"]):
            raise ValidationError({"vendors": f"{where}: no slug can be derived from {row['name']!r}; give one"})
        if row["slug"] in seen:
            raise ValidationError({"vendors": f"{where}: slug {row['slug']!r} is taken by another vendor"})
        seen.add(row["slug"])
        if len(purpose) + 1 + len(row["slug"]) > DECISION_KEY_MAX:
            raise ValidationError(
                {"vendors": f"{where}: {purpose}:{row['slug']} is longer than {DECISION_KEY_MAX} characters"}
            )


def decision_purpose(key: str) -> str:
    """Return the purpose a decision key names: `analytics` for both `analytics` and `analytics:ga`."""
    return key.partition(":")[0]


def states_nest(states: Mapping[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Nest rendered `purpose:vendor` states under their purpose as `vendors`, keyed by vendor slug.

    A vendor's `granted` is what may be done with it: its purpose granted and the vendor itself not
    refused. A vendor whose purpose was never decided is left out: it is not granted either way.
    """
    nested = {key: dict(state) for key, state in sorted(states.items()) if ":" not in key}
    for key, state in sorted(states.items()):
        purpose, _, vendor = key.partition(":")
        if vendor and purpose in nested:
            row = dict(state, granted=bool(state["granted"] and nested[purpose]["granted"]))
            nested[purpose].setdefault("vendors", {})[vendor] = row
    return nested
