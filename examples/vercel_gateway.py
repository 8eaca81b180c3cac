"""`providerOptions` for the Vercel AI SDK's AI Gateway, from a Clearance policy.

    python examples/vercel_gateway.py example no-training internal

Prints the object to pass as `providerOptions` to `generateText`/`streamText`:

    const result = await generateText({
      model: 'openai/gpt-5',
      prompt: '…',
      providerOptions: <this output>.providerOptions,
    });

The gateway cannot pin regions, so `only` names a provider only when every one of its
deployments is permitted; the registry answers 409 (and this exits 1) when no permitted
provider can be named — never an object that would not restrict routing.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from clearance_client import ClearanceClient, InvalidRequest


def provider_options(
    client: ClearanceClient, org: str, policy: str, data_class: str
) -> dict[str, Any]:
    return client.permitted(org, policy, data_class, format="vercel").body


def main(argv: list[str]) -> int:
    org, policy, data_class = argv[1:4]
    with ClearanceClient(os.environ["CLEARANCE_URL"], os.environ["CLEARANCE_API_KEY"]) as client:
        try:
            options = provider_options(client, org, policy, data_class)
        except InvalidRequest as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
    print(json.dumps(options, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
