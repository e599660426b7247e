"""`env` output for each shell (pure)."""

from __future__ import annotations

import re
from collections.abc import Mapping

SHELLS = ("bash", "zsh", "sh", "fish", "powershell", "cmd", "tcsh", "emacs")
COMMENT = {"cmd": "REM", "emacs": ";;", "tcsh": ":"}
"""What starts the usage hint's lines (tcsh's `eval` runs no `#` comments: `:` is its no-op)."""


def _quote_posix(value: str) -> str:
    return "'" + value.replace("'", "'\"'\"'") + "'"


def _quote_tcsh(value: str) -> str:
    """Double quotes as Docker Machine wrote them; a value they would expand goes in single quotes (tcsh
    still expands `!` there, so that is escaped)."""
    if not re.search(r'["$!`\\\n]', value):
        return f'"{value}"'
    return _quote_posix(value).replace("!", "\\!")


def _quote_lisp(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


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
        elif shell == "tcsh":
            lines.append(f"unsetenv {name};" if value is None else f"setenv {name} {_quote_tcsh(value)};")
        elif shell == "emacs":
            lines.append(f'(setenv "{name}" {"nil" if value is None else _quote_lisp(value)})')
        else:
            lines.append(f"unset {name}" if value is None else f"export {name}={_quote_posix(value)}")
    comment = COMMENT.get(shell, "#")
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
    if shell == "tcsh":
        return f"eval `{command}`"
    if shell == "emacs":
        return f'(with-temp-buffer (shell-command "{command}" (current-buffer)) (eval-buffer))'
    return f'eval "$({command})"'


def no_proxy_variable(environ: Mapping[str, str]) -> tuple[str, str | None]:
    """The proxy exclusion variable in use and its value, as Docker Machine picks it: a non-empty
    lower-case no_proxy, else NO_PROXY (also when neither is set)."""
    if environ.get("no_proxy"):
        return "no_proxy", environ["no_proxy"]
    return "NO_PROXY", environ.get("NO_PROXY")


def with_no_proxy(current: str | None, host: str) -> str:
    """NO_PROXY with `host` appended once."""
    items = [i for i in (current or "").split(",") if i]
    if host not in items:
        items.append(host)
    return ",".join(items)
