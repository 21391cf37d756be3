"""How `--help` reads: click's conventions (as in ruff or hadolint) on typer's parameters.

typer prints a parameter's Python type beside its name (`paths... <list[Path]>`, `{spec}`,
`--target <str>`). Here every argument and option names its value with a metavar instead —
`SPEC`, `PATH...`, `-o DIR`, `--target [nginx|haproxy|...]` — and an argument's metavar is
printed alone, required ones bare and optional ones in brackets, in the usage line too.
Choices keep tlsconf's own validation (`--target: unknown target 'x'; allowed: ...`, exit 2)
and are offered to shell completion by `choice()`.

Imported by `tlsconf.cli` at start-up: only typer, which is loaded anyway.
"""

from collections.abc import Callable, Sequence
from typing import Any

import typer
from typer._click import Context, HelpFormatter
from typer.core import TyperArgument, TyperCommand
from typer.models import CommandFunctionType

HELP_OPTION_NAMES = ["-h", "--help"]
MAX_BYTES = 16 * 1024 * 1024  # tlsconf.source.DEFAULT_MAX_BYTES, without importing it for --help


def max_bytes_option() -> Any:
    """`--max-bytes BYTES`: the input size limit every reading command takes."""
    return typer.Option("--max-bytes", min=1, metavar="BYTES",
                        help="Refuse input files larger than this.")


def choice(names: Sequence[str]) -> dict[str, Any]:
    """Option settings for a value out of `names`: the metavar `[a|b|c]` and completion."""
    values = tuple(names)

    def complete(incomplete: str) -> list[str]:
        return [name for name in values if name.startswith(incomplete)]

    return {"metavar": f"[{'|'.join(values)}]", "autocompletion": complete}


class Command(TyperCommand):
    """A command whose arguments show their metavar alone (`PATH...`, not `PATH <list[Path]>`)."""

    def collect_usage_pieces(self, ctx: Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument) and param.metavar:
                pieces.append(param.metavar if param.required else f"[{param.metavar}]")
            else:
                pieces.extend(param.get_usage_pieces(ctx))
        return pieces

    def format_options(self, ctx: Context, formatter: HelpFormatter) -> None:
        arguments, options = [], []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if isinstance(param, TyperArgument):
                arguments.append((param.metavar or record[0], record[1]))
            elif param.param_type_name == "option":
                options.append(record)
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


class App(typer.Typer):
    """A typer app whose commands are `Command`s."""

    def command(
        self, *args: Any, **kwargs: Any
    ) -> Callable[[CommandFunctionType], CommandFunctionType]:
        kwargs.setdefault("cls", Command)
        return super().command(*args, **kwargs)
