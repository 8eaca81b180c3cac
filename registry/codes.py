"""Every error code Clearance gives, in one place: the code, a title and the usual remedy.

Codes are stable: users search for them (docs/errors.md is generated from this table and a
test keeps the two equal), scripts match on them, and a code is never reused for another
meaning. The message and remedy at the place an error is raised say more about the case at
hand; `remedy` here is the general advice. Two families are made from an HTTP status:
`CLR-H<status>` (a request the web framework refused before any route ran: an unknown path,
a wrong method, a body that is not JSON) and `CLR-K<status>` (`clearance_client`: a refusal
that carried no problem document).

The letter says where the error comes from:

    Y  the strict YAML loader              C  catalog files, imports, seals
    P  policy files                        O  attestations files (SPEC §9)
    T  policy test files                   X  explain
    G  the deploy gate's inputs            E  the engine and the authorizer
    R  router documents                    A  the REST API's own refusals
    S  the store                           H  the web framework (by HTTP status)
    N  the CLI's registry client           K  clearance_client (the library)
"""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    """One error code; `str(code)` is the code itself (`CLR-Y001`)."""

    _value_: str
    summary: str
    remedy: str

    def __new__(cls, code: str, summary: str, remedy: str) -> Code:
        member = str.__new__(cls, code)
        member._value_ = code
        member.summary = summary
        member.remedy = remedy
        return member

    # -- the strict YAML loader ------------------------------------------------------------
    Y001 = "CLR-Y001", "YAML syntax or an unsupported node", "fix the YAML at the line shown"
    Y002 = "CLR-Y002", "File too large", "split it: one provider or one policy per file"
    Y003 = "CLR-Y003", "Anchor or alias", "write the value out in full (manifests excepted)"
    Y004 = "CLR-Y004", "YAML tag", "remove the tag; quote the value if you meant a string"
    Y005 = "CLR-Y005", "Nested too deeply", "flatten the structure"
    Y006 = "CLR-Y006", "Number too long", "use a smaller number, or quote an identifier"
    Y007 = "CLR-Y007", "Mapping key is not a string", "write the key as plain text"
    Y008 = "CLR-Y008", "Duplicate key", "keep one of the two entries"
    Y009 = "CLR-Y009", "File cannot be read", "check that the path exists and is readable"
    Y010 = "CLR-Y010", "File is not UTF-8", "save the file as UTF-8"
    Y011 = "CLR-Y011", "Aliases expand too far", "write shared settings out; fewer aliases"
    Y012 = "CLR-Y012", "Merge keys disagree", "write the key explicitly in the mapping"

    # -- catalog ---------------------------------------------------------------------------
    C001 = "CLR-C001", "Catalog schema", "fix the provider file as the message says"
    C002 = "CLR-C002", "Catalog rule", "fix the provider file as the message says"
    C003 = "CLR-C003", "No catalog there", "point --catalog at the directory holding providers/"
    C010 = "CLR-C010", "Import removes providers", "restore cut files, or --allow-removals"
    C011 = "CLR-C011", "Seal does not match", "re-seal: clearance catalog seal DIR"
    C012 = "CLR-C012", "Seal not signed by the key", "sign the seal with the matching key"

    # -- policies, policy tests, attestations, explain ---------------------------------------
    P001 = "CLR-P001", "Policy schema", "fix the key or value the message names"
    P002 = "CLR-P002", "Policy rule", "fix the country, group, list or exception named"
    P004 = "CLR-P004", "Unknown or missing data class", "pass --data-class or set a default"
    P005 = "CLR-P005", "Target not in the catalog", "use the closest id shown"
    T001 = "CLR-T001", "Policy test schema", "fix the test file as the message says"
    O001 = "CLR-O001", "Attestations schema", "fix the entry as the message says"
    O002 = "CLR-O002", "Attestations rule", "fix the target, or the conflicting entries"
    O003 = "CLR-O003", "Unfilled placeholder", "replace every FILL IN with the real value"
    X001 = "CLR-X001", "Explain target not in the catalog", "use a provider or deployment id"

    # -- the deploy gate ---------------------------------------------------------------------
    G001 = "CLR-G001", "Manifest unreadable", "fix the manifest key the message names"
    G002 = "CLR-G002", "Include cannot be followed", "include local YAML files, few and shallow"
    G003 = "CLR-G003", "--env or --env-file unusable", "write --env NAME=VALUE; a readable file"
    G004 = "CLR-G004", "Gate option or refusal", "fix the option as the message says"

    # -- engine and authorizer ---------------------------------------------------------------
    E001 = "CLR-E001", "Unknown operator", "upgrade Clearance or fix the requirement table"
    E002 = "CLR-E002", "Rule could not be decided", "report it; the target is denied"
    E010 = "CLR-E010", "Authorization undecided", "report it; the request is refused"

    # -- router documents ------------------------------------------------------------------
    R001 = "CLR-R001", "LiteLLM config unreadable", "give every model_list entry its model"
    R409 = "CLR-R409", "Nothing routable", "see format=json; permit a routable provider"
    R422 = "CLR-R422", "Invalid request parameters", "fix them as /openapi.json describes"

    # -- the REST API ------------------------------------------------------------------------
    A400 = "CLR-A400", "Body is not UTF-8", "send the body as UTF-8"
    A401 = "CLR-A401", "Unauthorized", "send Authorization: Bearer <key>"
    A403 = "CLR-A403", "Forbidden", "use a key whose role has this action"
    A404 = "CLR-A404", "Not found", "check the URL; a key sees only its own organization"
    A413 = "CLR-A413", "Body too large", "send less: split the document"
    A415 = "CLR-A415", "Unsupported media type", "send application/yaml or application/json"
    A422 = "CLR-A422", "Names differ", "make the body's names match the URL"
    A429 = "CLR-A429", "Too many requests", "wait Retry-After seconds"
    A503 = "CLR-A503", "Stale or unavailable", "retry shortly; check /readyz"
    A504 = "CLR-A504", "No catalog", "import one: clearance catalog import DIR"
    A509 = "CLR-A509", "Over capacity, shed", "retry after Retry-After, or another replica"
    H500 = "CLR-H500", "Internal error", "retry; report it with the time of the request"
    HTTP = "CLR-H", "Refused by the web framework (CLR-H<status>)", "fix the request"

    # -- the store ---------------------------------------------------------------------------
    S001 = "CLR-S001", "Store holds no catalog", "import one: clearance catalog import DIR"
    S002 = "CLR-S002", "Row without id", "report this bug"
    S003 = "CLR-S003", "Current revision missing", "restore the database from a backup"
    S004 = "CLR-S004", "No store there", "check --database / DATABASE_URL"
    S005 = "CLR-S005", "Store cannot be opened", "check the file or server and its schema"
    S006 = "CLR-S006", "SQLite file gone from its path", "restore the file at the path"
    S007 = "CLR-S007", "Store unavailable at start", "check --database and the store"
    S412 = "CLR-S412", "Precondition failed", "GET again and send its ETag in If-Match"
    S428 = "CLR-S428", "Precondition required", "send If-Match with the current ETag"

    # -- the CLI's registry client and clearance_client ---------------------------------------
    N001 = "CLR-N001", "Registry unreachable", "check --server and the network"
    N002 = "CLR-N002", "Registry failed", "retry; check the registry's /readyz"
    N003 = "CLR-N003", "Registry refused the request", "fix the request as the detail says"
    N004 = "CLR-N004", "Policy revision differs", "push the policy, or pull the stored one"
    N005 = "CLR-N005", "No API key", "pass --api-key, or set CLEARANCE_API_KEY"
    N006 = "CLR-N006", "Option unusable with --server", "drop it, or judge locally"
    K001 = "CLR-K001", "Service unreachable", "check the URL and the network"
    K002 = "CLR-K002", "Service failed", "retry later; the last good answer is kept"
    K003 = "CLR-K003", "Malformed answer", "check that the URL is a Clearance registry"
    CLIENT = "CLR-K", "Refused without a problem (CLR-K<status>)", "fix the request"

    @classmethod
    def of(cls, text: str) -> Code | None:
        """The code named `text` (`CLR-A404`), the family of `CLR-H405`, or None."""
        found = cls._value2member_map_.get(text)
        if isinstance(found, Code):
            return found
        for family in (cls.HTTP, cls.CLIENT):
            if text.startswith(family.value) and text[len(family.value) :].isdigit():
                return family
        return None


def reference() -> str:
    """docs/errors.md: every code with its title and remedy, by where it comes from."""
    lines = [
        "# Error codes",
        "",
        "<!-- Generated from registry/codes.py by `python -m registry.codes > docs/errors.md`;",
        "     tests/registry/test_codes.py fails when this file and the table differ. -->",
        "",
        "Every error Clearance reports carries one of these codes, with a message and a",
        "remedy for the case at hand; the remedy below is the general advice. The CLI",
        "prints `file:line: [key] CODE message. Fix: remedy` and exits as SPEC §5 says for",
        "the command; the API answers `application/problem+json` with `code`, `detail` and",
        "`remedy`; `clearance_client` raises errors carrying the `code`.",
        "",
        "| code | what | usual remedy |",
        "|---|---|---|",
    ]
    for code in Code:
        shown = f"{code.value}<status>" if code in (Code.HTTP, Code.CLIENT) else code.value
        lines.append(f"| `{shown}` | {code.summary} | {code.remedy} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(reference(), end="")
