"""Build an OpenRouter chat request that stays on the deployments a Clearance policy permits.

    python examples/openrouter_request.py ORG POLICY DATA_CLASS MODEL
    python examples/openrouter_request.py example no-training internal deepseek/deepseek-chat

Prints the JSON body for POST https://openrouter.ai/api/v1/chat/completions. The `provider`
object comes from the registry (`permitted?format=openrouter`): `only` lists the permitted
deployments' OpenRouter slugs, `allow_fallbacks` is false, and `data_collection`/`zdr` follow
the data class. When the registry cannot answer (and has no fresh cached answer), this
raises: send nothing rather than an unrestricted request.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from clearance_client import ClearanceClient


def build_request(
    client: ClearanceClient, org: str, policy: str, data_class: str, model: str, prompt: str
) -> dict[str, Any]:
    answer = client.permitted(org, policy, data_class, format="openrouter")
    return {
        "model": model,
        "messages": [{"role": "user", "content": prompt}],
        "provider": answer.body["provider"],
    }


def main(argv: list[str]) -> int:
    org, policy, data_class, model = argv[1:5]
    with ClearanceClient(os.environ["CLEARANCE_URL"], os.environ["CLEARANCE_API_KEY"]) as client:
        request = build_request(client, org, policy, data_class, model, "Hello")
    print(json.dumps(request, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
