"""Router formats of an Evaluation: what OpenRouter, a LiteLLM proxy and the Vercel AI Gateway
need to stay on the permitted deployments. Each format is a pure function to a JSON-able dict;
the CLI and the registry service only serialise it (docs/routers.md).

`litellm_match` is the one module a LiteLLM hook imports: standard library only.
"""
