"""Regenerate registry/routers/litellm_models.json: the model names LiteLLM resolves without
a provider prefix (`gpt-4o` → openai), read from the installed litellm itself.

    LITELLM_LOCAL_MODEL_COST_MAP=True .venv/bin/python -m scripts.litellm_models

Run it after changing the pinned litellm version (the `integration` extra); the test
tests/test_litellm_params.py checks the table against the installed litellm.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "registry" / "routers" / "litellm_models.json"


def resolved_models() -> dict[str, str]:
    """Every unprefixed name of litellm's model map → the provider litellm resolves it to."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    table: dict[str, str] = {}
    for name in sorted(litellm.model_cost):
        if "/" in name or name == "sample_spec":
            continue
        try:
            provider = litellm.get_llm_provider(name)[1]
        except Exception:  # litellm raises its own BadRequestError: not resolved
            continue
        table[name] = provider
    return table


def main() -> None:
    from importlib.metadata import version

    doc = {
        "source": f"litellm {version('litellm')}: get_llm_provider() of every model name "
        "without '/' in litellm.model_cost (scripts/litellm_models.py)",
        "models": resolved_models(),
    }
    TARGET.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    print(f"{len(doc['models'])} names written to {TARGET}")


if __name__ == "__main__":
    main()
