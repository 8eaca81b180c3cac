"""Roles and the actions they allow: plain data, read by the Casbin RBAC model
(`registry.security.rbac`) and by docs/security.md.

Org roles act inside one organization (the Casbin domain); `catalog-admin` acts on the
shared catalog, in the global domain `*` (not a valid org name, so it cannot collide).
"""

from __future__ import annotations

from enum import StrEnum

GLOBAL = "*"


class Role(StrEnum):
    admin = "admin"
    editor = "editor"
    viewer = "viewer"
    router = "router"
    catalog_admin = "catalog-admin"


class Action(StrEnum):
    public = "public"  # no key needed
    policy_read = "policy.read"
    policy_write = "policy.write"
    decision_read = "decision.read"  # permitted, explain
    gate_run = "gate.run"
    evaluate = "evaluate"
    audit_read = "audit.read"
    key_read = "key.read"
    key_write = "key.write"
    catalog_import = "catalog.import"


_READ = (Action.policy_read, Action.decision_read, Action.gate_run, Action.evaluate)
PERMISSIONS: dict[Role, tuple[Action, ...]] = {
    Role.router: (Action.decision_read, Action.gate_run),
    Role.viewer: (*_READ, Action.audit_read),
    Role.editor: (*_READ, Action.audit_read, Action.policy_write),
    Role.admin: (*_READ, Action.audit_read, Action.policy_write, Action.key_read, Action.key_write),
    Role.catalog_admin: (Action.catalog_import, Action.evaluate, Action.audit_read),
}

ORG_ROLES: tuple[Role, ...] = (Role.admin, Role.editor, Role.viewer, Role.router)
