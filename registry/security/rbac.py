"""Who may do what: PyCasbin RBAC with domains (domain = organization), model fixed in code.

Role permissions are `p, <role>, <action>` rows from `registry.security.roles`; each active
API key is a grouping row `g, key:<id>, <role>, <org>` (`*` for the catalog-admin's global
domain). A request `(key:<id>, <org>, <action>)` is allowed iff the key holds, in that org,
a role that has the action. Answers are memoized per key set (the snapshot builds a new
`Authorizer` when keys change), so the hot path pays one dict lookup.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

import casbin

from registry.codes import Code
from registry.errors import EngineError
from registry.security.roles import PERMISSIONS

MODEL = """
[request_definition]
r = sub, dom, act

[policy_definition]
p = sub, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub, r.dom) && r.act == p.act
"""


@dataclass(frozen=True)
class Grant:
    key_id: str
    org: str
    role: str


class Authorizer:
    """Decides (key, org, action). A Casbin failure raises EngineError, which the API
    answers with a problem (never a permit)."""

    def __init__(self, grants: Iterable[Grant]) -> None:
        self._enforcer = casbin.Enforcer(casbin.Enforcer.new_model(text=MODEL))
        rows = [[str(role), str(act)] for role, acts in PERMISSIONS.items() for act in acts]
        self._enforcer.add_policies(rows)
        grouping = [[f"key:{g.key_id}", g.role, g.org] for g in grants]
        if grouping:
            self._enforcer.add_grouping_policies(grouping)
        self._memo: dict[tuple[str, str, str], bool] = {}
        self._lock = threading.Lock()

    def allowed(self, key_id: str, org: str, action: str) -> bool:
        request = (key_id, org, action)
        answer = self._memo.get(request)
        if answer is None:
            answer = self._memo[request] = self._enforce(*request)
        return answer

    def _enforce(self, key_id: str, org: str, action: str) -> bool:
        try:
            with self._lock:
                return bool(self._enforcer.enforce(f"key:{key_id}", org, action))
        except Exception as err:  # casbin raises bare RuntimeError
            raise EngineError(
                Code.E010,
                f"authorization could not be decided: {err}",
                "report this; the request is refused meanwhile",
            ) from err
