"""Formats of a questionnaire (`clearance questionnaire`): markdown, csv, yaml.

Every format lists the questions in one order: grouped by provider (providers in the order
of their first question), within a provider by unblocks (descending), question target and
fact; the number of a question is its position in that order, in every format.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import yaml

from registry.attestations.loader import PLACEHOLDER
from registry.attestations.questionnaire import Question, Questionnaire
from registry.catalog.facts import SIGNED_CONTRACTS

EMPTY = "no questions: nothing is denied only by unknown facts"
EMPTY_ALL = "no questions: no denied target has an unknown fact"
CSV_HEADER = (
    "number",
    "provider",
    "target",
    "fact",
    "satisfying",
    "rules",
    "policy_lines",
    "unblocks",
    "targets_needing",
    "attestable",
    "unblocked_targets",
    "needed_by",
)


def empty_message(qn: Questionnaire) -> str:
    return EMPTY_ALL if qn.include_all else EMPTY


def ordered(qn: Questionnaire) -> list[Question]:
    """The questions grouped by provider (module doc)."""
    rank = {p: i for i, p in enumerate(qn.providers())}
    return sorted(qn.questions, key=lambda q: (rank[q.provider], qn.questions.index(q)))


def _scope(qn: Questionnaire) -> str:
    return "every denied target" if qn.include_all else "targets denied only by unknown facts"


def _ids(provider: str, targets: tuple[str, ...]) -> str:
    """`2 (eu, eu-rep)`: a count and the deployments of one provider."""
    if not targets:
        return "0"
    return f"{len(targets)} ({', '.join(t.removeprefix(provider + '/') for t in targets)})"


def render_markdown(qn: Questionnaire) -> str:
    lines = [
        f"# Questionnaire: policy {qn.policy}, data class {qn.data_class}",
        "",
        f"Org {qn.org}, as of {qn.as_of.isoformat()}, catalog {qn.catalog_revision}; "
        f"{len(qn.considered)} {_scope(qn)} considered.",
    ]
    questions = ordered(qn)
    if not questions:
        return "\n".join([*lines, "", empty_message(qn), ""])
    lines += [
        f"{len(questions)} questions for {len(qn.providers())} providers. *Unblocks*: the "
        "targets this answer alone would permit (given a satisfying value); *needed by*: "
        "the denied targets that have this fact unknown.",
    ]
    number = 0
    for provider in qn.providers():
        mine = [q for q in questions if q.provider == provider]
        together = qn.unblocked_by_provider(provider)
        asked = f"all {len(mine)} questions" if len(mine) > 1 else "the question"
        lines += [
            "",
            f"## {provider}",
            "",
            f"Answering {asked} below unblocks {_ids(provider, together)} of its targets.",
            "",
        ]
        for q in mine:
            number += 1
            why = "; ".join(f"{n.rule} ({n.where})" for n in q.needs)
            catalog_only = "" if q.attestable else " (catalog fact: no attestation can set it)"
            lines += [
                f"{number}. `{q.target}`: **{q.fact}**{catalog_only}. Satisfied by: {q.satisfy}.",
                f"   - asked by: {why}",
                f"   - unblocks and needed by {_ids(provider, q.targets)}"
                if q.unblocked == q.targets
                else f"   - unblocks {_ids(provider, q.unblocked)}; "
                f"needed by {_ids(provider, q.targets)}",
            ]
    return "\n".join([*lines, ""])


def render_csv(qn: Questionnaire) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for number, q in enumerate(ordered(qn), start=1):
        writer.writerow(
            (
                number,
                q.provider,
                q.target,
                q.fact,
                q.satisfy,
                " ".join(n.rule for n in q.needs),
                " ".join(n.where for n in q.needs),
                q.unblocks,
                q.targets_needing,
                "yes" if q.attestable else "no",
                " ".join(q.unblocked),
                " ".join(q.targets),
            )
        )
    return out.getvalue()


def _fill(what: str) -> str:
    return f"{PLACEHOLDER}: {what}"


def _fact_value(fact: str, satisfy: str) -> Any:
    """A placeholder in the catalog's shape of the fact (lists stay lists)."""
    if fact == "certifications":
        return [{"id": _fill(satisfy), "expires": _fill("YYYY-MM-DD or delete the key")}]
    if fact in ("contracts", "subprocessors", SIGNED_CONTRACTS) or fact.endswith(
        ("_countries", ".accelerators", ".operators")
    ):
        return [_fill(satisfy)]
    return _fill(satisfy)


def _entry(target: str, questions: list[Question]) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    entry: dict[str, Any] = {"target": target}
    for q in questions:
        value = _fact_value(q.fact, q.satisfy)
        if q.fact == SIGNED_CONTRACTS:
            entry[SIGNED_CONTRACTS] = value
        elif "." in q.fact:
            block, key = q.fact.split(".", 1)
            facts.setdefault(block, {})[key] = value
        else:
            facts[q.fact] = value
    if facts:
        entry = {"target": target, "facts": facts, **entry}
    entry.update(
        {
            "document": _fill("the document that establishes these answers"),
            "trust": _fill("contractual | audited | self-declared"),
            "signed": _fill("YYYY-MM-DD"),
            "expires": _fill("YYYY-MM-DD"),
            "approved_by": _fill("who approved it"),
        }
    )
    return entry


def render_yaml(qn: Questionnaire) -> str:
    """An attestations skeleton for the policy's org: one entry per question target."""
    by_target: dict[str, list[Question]] = {}
    catalog_only: list[Question] = []
    for q in ordered(qn):
        if q.attestable:
            by_target.setdefault(q.target, []).append(q)
        else:
            catalog_only.append(q)
    header = [
        f"# Attestations skeleton from `clearance questionnaire` (policy {qn.policy}, data "
        f"class {qn.data_class}, as of {qn.as_of.isoformat()}).",
        f'# Fill in every "{PLACEHOLDER}: ..." value with the answer and the document that '
        "establishes it, or delete the key",
        "# (an unknown fact stays unknown). Placeholders fail `clearance validate` (CLR-O003) "
        "until they are replaced.",
    ]
    if not qn.questions:
        header.append(f"# {empty_message(qn)}")
    for q in catalog_only:
        header.append(
            f"# Not attestable (a catalog fact): {q.target} {q.fact}, satisfied by {q.satisfy}"
        )
    body = {
        "attestations": f"{qn.policy}-questionnaire",
        "org": qn.org,
        "entries": [_entry(target, qs) for target, qs in by_target.items()],
    }
    text: str = yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100)
    return "\n".join(header) + "\n" + text
