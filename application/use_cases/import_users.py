"""Import job seekers from a CSV or JSON Lines file (UTF-8), upserting by external_id.

Columns (JSON Lines: the same keys, lists may be JSON arrays and availability a {"mon": [["09:00","17:00"]]}
object; unknown CSV columns are a file error):

| column | | meaning |
|---|---|---|
| external_id | required | the person's id in the source system; the upsert key |
| email | required | basic syntax; carrier forms ("a..b@docomo.ne.jp", "ab.@…") pass with a warning (sent quoted) |
| | | so do Japanese local parts (sent only through a relay with SMTPUTF8); a Japanese domain is kept as IDNA |
| full_name | optional | |
| postal_code | optional | "150-0002", "１５０－０００２", "1500002"; must exist; gives the home point |
| job_types | optional | "カフェ|コンビニ" (NFKC-normalised) |
| industries | optional | "7671|5631": JSIC rev. 14 codes that exist |
| max_commute_minutes | optional | 5..240 |
| min_hourly_wage | optional | whole yen |
| availability | optional | "mon 09:00-17:00; sat-sun 10:00-22:00; 水 18:00-21:00,22:00-23:00" |
| email_opt_in | optional | true/false, 1/0, yes/no, はい/いいえ; default true |

Rules: a bad row is reported as RowError(line, field, message) and skipped; valid rows are kept and committed.
Importing the same file again changes nothing; a changed row updates the user (and address and preferences) in
place. A column absent from the file leaves that part of an existing user alone; an empty postal_code removes
the home address. An email already used by another user is an error on that row.
"""

import re
import uuid
from datetime import datetime

from application.parsing import (
    Columns,
    ImportFile,
    ImportReport,
    RawRow,
    RowReader,
    apply_changes,
    nfkc,
    normalize_postal_code,
    parse_time,
    parse_weekdays,
    read_rows,
)
from application.ports import Clock, MatchInvalidation, ReferenceData, UnitOfWork
from domain.schedule import WEEKDAYS
from domain.user import Address, Preferences, User

USER_COLUMNS = Columns(
    required=("external_id", "email"),
    optional=(
        "full_name", "postal_code", "job_types", "industries", "max_commute_minutes", "min_hourly_wage",
        "availability", "email_opt_in",
    ),
)  # fmt: skip
PREFERENCE_COLUMNS = ("job_types", "industries", "max_commute_minutes", "min_hourly_wage", "availability")
FETCH_CHUNK = 1000
_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\u0080-\U0010ffff-]+$")
_DOMAIN = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,}$")


class ImportUsers:
    """Upsert users from a file; see the module docstring for the columns and rules."""

    def __init__(
        self, uow: UnitOfWork, reference: ReferenceData, clock: Clock, matches: MatchInvalidation
    ) -> None:
        self._uow, self._reference, self._clock, self._matches = uow, reference, clock, matches

    async def __call__(self, command: ImportFile) -> ImportReport:
        report = ImportReport(command.display_name)
        now = self._clock.now()
        parsed: dict[str, tuple[RawRow, dict[str, dict[str, object] | None]]] = {}
        emails: dict[str, int] = {}
        for row in await read_rows(command, USER_COLUMNS, report):
            reader = RowReader(row, report)
            external_id = reader.text("external_id", required=True, max_length=200)
            parts = self._parts(reader)
            email = parts["user"]["email"] if parts["user"] else None
            if external_id in parsed:
                reader.fail("external_id", f"{external_id!r} is also on line {parsed[external_id][0].line}")
            elif isinstance(email, str) and email.lower() in emails:
                reader.fail("email", f"{email} is also on line {emails[email.lower()]}")
            if external_id is not None and not reader.failed:
                parsed[external_id] = (row, parts)
                emails[str(email).lower()] = row.line
        async with self._uow as uow:
            existing: dict[str, User] = {}
            ids = list(parsed)
            for start in range(0, len(ids), FETCH_CHUNK):
                existing.update(await uow.users.by_external_ids(ids[start : start + FETCH_CHUNK]))
            for external_id, (row, parts) in parsed.items():
                await self._upsert(
                    uow, external_id, RowReader(row, report), parts, existing.get(external_id), now
                )
            await uow.commit()
        if report.created or report.updated:  # one bump for the whole file, not one per user
            await self._matches.jobs_changed()
        return report.finish()

    async def _upsert(
        self,
        uow: UnitOfWork,
        external_id: str,
        reader: RowReader,
        parts: dict[str, dict[str, object] | None],
        user: User | None,
        now: datetime,
    ) -> None:
        fields, address, wishes = parts["user"] or {}, parts["address"], parts["preferences"]
        email = fields["email"]
        if user is None or user.email != email:
            holder = await uow.users.by_email(str(email))
            if holder is not None and holder.external_id != external_id:
                reader.fail("email", f"{email} belongs to another user ({holder.external_id or holder.id})")
                return
        if user is None:
            user = User(id=uuid.uuid4(), external_id=external_id, created_at=now, updated_at=now, **fields)  # type: ignore[arg-type]
            _set_parts(user, address, wishes, now)
            await uow.users.add(user)
            reader.report.created += 1
        elif _set_parts(user, address, wishes, now) | apply_changes(user, fields):
            user.updated_at = now
            reader.report.updated += 1
        else:
            reader.report.unchanged += 1

    def _parts(self, reader: RowReader) -> dict[str, dict[str, object] | None]:
        """user fields; address fields ({} = remove the address; None = column absent); preference fields."""
        email = _email(reader)
        user: dict[str, object] = {"email": email}
        if reader.has("full_name"):
            user["full_name"] = reader.text("full_name", max_length=200) or ""
        if reader.has("email_opt_in"):
            user["email_opt_in"] = reader.boolean("email_opt_in", default=True)
        address = self._address(reader) if reader.has("postal_code") else None
        wishes = self._preferences(reader) if any(reader.has(c) for c in PREFERENCE_COLUMNS) else None
        return {"user": user, "address": address, "preferences": wishes}

    def _address(self, reader: RowReader) -> dict[str, object]:
        raw = reader.text("postal_code")
        if raw is None:
            return {}
        code = normalize_postal_code(raw)
        point = self._reference.postal_point(code) if code else None
        if point is None:
            reader.fail("postal_code", f"{raw!r} is {'not a known' if code else 'not a 7-digit'} postal code")
            return {}
        return {
            "prefecture_code": point.municipality_code[:2],
            "prefecture": point.prefecture,
            "city": point.city,
            "municipality_code": point.municipality_code,
            "postal_code": point.postal_code,
            "address_line": point.neighborhood or None,
            "latitude": point.point.latitude,
            "longitude": point.point.longitude,
        }

    def _preferences(self, reader: RowReader) -> dict[str, object]:
        wishes: dict[str, object] = {}
        if reader.has("job_types"):
            wishes["job_types"] = list(dict.fromkeys(reader.items("job_types") or []))
        if reader.has("industries"):
            codes = list(dict.fromkeys(reader.items("industries") or []))
            unknown = [c for c in codes if self._reference.industry(c) is None]
            if unknown:
                reader.fail("industries", f"not JSIC rev. 14 codes: {', '.join(unknown)}")
            wishes["industries"] = codes
        if reader.has("max_commute_minutes"):
            wishes["max_commute_minutes"] = reader.integer("max_commute_minutes", low=5, high=240)
        if reader.has("min_hourly_wage"):
            wishes["min_hourly_wage"] = reader.integer("min_hourly_wage", low=0, high=100_000)
        if reader.has("availability"):
            wishes["availability"] = _availability(reader)
        return wishes


def _set_parts(
    user: User, address: dict[str, object] | None, wishes: dict[str, object] | None, now: datetime
) -> bool:
    """Apply address and preference fields to the user; True when anything changed."""
    changed = False
    if address is not None:
        if not address:
            changed, user.address = user.address is not None, None
        elif user.address is None:
            user.address, changed = Address(**address), True  # type: ignore[arg-type]
        else:
            changed = apply_changes(user.address, address)
    if wishes:
        if user.preferences is None:
            user.preferences, changed = Preferences(created_at=now), True
        if apply_changes(user.preferences, wishes):
            user.preferences.updated_at, changed = now, True
    return changed


def _email(reader: RowReader) -> str | None:
    text = reader.text("email", required=True, max_length=254)
    if text is None:
        return None
    local, at, domain = nfkc(text).rpartition("@")
    if at and not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            reader.fail("email", f"{text!r}: the domain {domain!r} is not a valid internationalized domain name")
            return None
    if not at or not _LOCAL.match(local) or not _DOMAIN.match(domain):
        reader.fail("email", f"{text!r} is not an email address")
        return None
    if not local.isascii():
        reader.warn("email", f"{text!r} has a non-ASCII local part: it can only be sent through a relay that "
                             "offers SMTPUTF8, and fails as undeliverable elsewhere")  # fmt: skip
    elif local.startswith(".") or local.endswith(".") or ".." in local:
        # Old docomo/au addresses break RFC 5322 this way and still receive mail; some senders refuse them.
        reader.warn(
            "email", f"{text!r} is not RFC 5322 (dots in the local part): kept, and sent with the local part "
            "quoted; some mail servers still refuse it"
        )
    return f"{local}@{domain.lower()}"


def _availability(reader: RowReader) -> dict[str, list[list[str]]]:
    """ "mon 09:00-17:00; sat-sun 10:00-22:00" or a {"mon": [["09:00", "17:00"]]} object, checked."""
    value = reader.row.values.get("availability")
    entries: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for day, spans in value.items():
            if not isinstance(spans, list) or not all(isinstance(s, list) and len(s) == 2 for s in spans):
                reader.fail("availability", f"{day}: give a list of [start, end] pairs")
                return {}
            entries += [(str(day), f"{s[0]}-{s[1]}") for s in spans]
    else:
        for entry in filter(None, (e.strip() for e in re.split(r"[;\n]", reader.text("availability") or ""))):
            days, _, spans = nfkc(entry).partition(" ")
            entries += [(days, span) for span in re.split(r"[,\s]+", spans.strip()) if span]
            if not spans.strip():
                entries.append((days, ""))
    found: dict[str, list[list[str]]] = {}
    try:
        for days, span in entries:
            start, sep, end = span.replace("〜", "-").replace("~", "-").partition("-")
            if not sep:
                raise ValueError(f"{days} {span!r}: give a span HH:MM-HH:MM")
            first, last = parse_time(start), parse_time(end)
            for index, name in enumerate(WEEKDAYS):
                if parse_weekdays(days) >> index & 1:
                    found.setdefault(name, []).append([f"{first:%H:%M}", f"{last:%H:%M}"])
    except ValueError as error:
        reader.fail("availability", str(error))
        return {}
    return {name: found[name] for name in WEEKDAYS if name in found}
