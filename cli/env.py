"""`--env NAME=VALUE` and `--env-file FILE`: the environment a LiteLLM proxy runs with, so
the gate can read config values written `os.environ/NAME` or `${NAME}`.

Only what is given here is known: the gate never reads its own process environment (a CI
runner's variables are not the proxy's). Files use the dotenv syntax LiteLLM users already
have (`NAME=value`, `export NAME=value`, quotes, `#` comments), parsed by python-dotenv; a
line it cannot parse is an error with its line, never skipped; a `NAME` without `=` gives
no value, and `${OTHER}` inside a value is kept as written (not expanded from anywhere).
`--env` wins over files, later files over earlier ones.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from dotenv.parser import parse_stream

from registry.codes import Code
from registry.errors import InputError, Problem

CODE = Code.G003
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not _NAME.fullmatch(name):
        raise InputError(
            [
                Problem(
                    CODE,
                    f"--env {text!r} is not NAME=VALUE",
                    "write --env VLLM_URL=http://vllm.internal:8000/v1",
                    "--env",
                )
            ]
        )
    return name, value


def _file(path: Path) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        reason = err.strerror if isinstance(err, OSError) else "it is not UTF-8"
        raise InputError(
            [Problem(CODE, f"cannot read env file: {reason}", "pass a readable file", str(path))]
        ) from None
    values: dict[str, str] = {}
    problems: list[Problem] = []
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            problems.append(
                Problem(
                    CODE,
                    f"cannot parse {binding.original.string.strip()!r}",
                    "write NAME=value (quote values with spaces)",
                    str(path),
                    binding.original.line,
                )
            )
        elif binding.key is not None and binding.value is not None:  # `NAME` alone: unknown
            values[binding.key] = binding.value
    if problems:
        raise InputError(problems)
    return values


def read_env(pairs: list[str], files: list[Path]) -> dict[str, str]:
    """The environment given on the command line (module doc); InputError on bad input."""
    env: dict[str, str] = {}
    for path in files:
        env.update(_file(path))
    env.update(_pair(text) for text in pairs)
    return env
