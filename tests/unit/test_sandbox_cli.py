"""`pdm-sandbox down` and `cleanup` touch every host on the machine only when told `--all`."""

from __future__ import annotations

import pytest
from pdm_sandbox import cli

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("command", ["down", "cleanup"])
def test_no_names_refuses_before_anything_runs(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main([command])
    assert exited.value.code == 2
    assert f"{command}: give host names, or --all" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["down", "cleanup"])
def test_names_and_all_together_refuse(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main([command, "web1", "--all"])
    assert exited.value.code == 2
    assert "not both" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv", [["down", "--all"], ["down", "a", "b"], ["cleanup", "--all"], ["cleanup", "a"]]
)
def test_names_or_all_are_accepted(argv: list[str]) -> None:
    parser = cli._parser()
    args = parser.parse_args(argv)
    cli._check_names_or_all(parser, args)
    assert args.all == (argv[1] == "--all") and args.names == [a for a in argv[1:] if a != "--all"]
