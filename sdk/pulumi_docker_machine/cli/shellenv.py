"""`env` output for each shell (pure)."""

from __future__ import annotations

from collections.abc import Mapping

SHELLS = ("bash", "zsh", "sh", "fish", "powershell", "cmd")


def _quote_posix(value: str) -> str:
    return "'" + value.replace("'", "'\"'\"'") + "'"


def render(variables: Mapping[str, str | None], shell: str, usage: str) -> str:
    """Commands that set (value) or unset (None) each variable, then a usage hint as a comment."""
    lines = []
    for name, value in variables.items():
        if shell == "fish":
            lines.append(f"set -e {name};" if value is None else f"set -gx {name} {_quote_posix(value)};")
        elif shell == "powershell":
            escaped = (value or "").replace('"', '`"')
            lines.append(f"Remove-Item Env:\\{name}" if value is None else f'$Env:{name} = "{escaped}"')
        elif shell == "cmd":
            lines.append(f"SET {name}=" if value is None else f"SET {name}={value}")
        else:
            lines.append(f"unset {name}" if value is None else f"export {name}={_quote_posix(value)}")
    comment = "REM" if shell == "cmd" else "#"
    lines.append(f"{comment} Run this command to configure your shell:")
    lines.append(f"{comment} {usage}")
    return "\n".join(lines) + "\n"


def usage_hint(shell: str, command: str) -> str:
    if shell == "fish":
        return f"eval ({command})"
    if shell == "powershell":
        return f"& {command} | Invoke-Expression"
    if shell == "cmd":
        return f"@FOR /f \"tokens=*\" %i IN ('{command}') DO @%i"
    return f'eval "$({command})"'


def with_no_proxy(current: str | None, host: str) -> str:
    """NO_PROXY with `host` appended once."""
    items = [i for i in (current or "").split(",") if i]
    if host not in items:
        items.append(host)
    return ",".join(items)
