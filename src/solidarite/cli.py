"""Command line: wraps Django's management commands, and lists the platform's own first.

`python -m solidarite --help` lists the platform's commands with their description, then Django's
administration commands; `python -m solidarite <commande> --help` gives a command's options.
"""

from __future__ import annotations

import os
import sys

PLATFORM_PREFIX = "solidarite."
HELP_FLAGS = {"-h", "--help", "help"}


def _platform_commands() -> dict[str, str]:
    """The commands defined by the platform's own contexts, with their one-line description."""
    from django.core.management import get_commands, load_command_class

    commands = {}
    for name, app in sorted(get_commands().items()):
        if app.startswith(PLATFORM_PREFIX):
            command = load_command_class(app, name)
            commands[name] = (command.help or "").strip().splitlines()[0] if command.help else ""
    return commands


def print_overview() -> None:
    from django.core.management import get_commands

    platform = _platform_commands()
    print("Solidarité territoriale — ligne de commande\n")
    print("Usage : python -m solidarite <commande> [options]")
    print("        python -m solidarite <commande> --help   (options d'une commande)\n")
    print("Commandes de la plateforme :")
    width = max((len(name) for name in platform), default=10) + 2
    for name, description in platform.items():
        print(f"  {name:<{width}}{description}")
    others = sorted(name for name in get_commands() if name not in platform)
    print("\nCommandes d'administration Django :")
    for start in range(0, len(others), 6):
        print("  " + ", ".join(others[start : start + 6]))


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "solidarite.config.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    import django
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:  # the settings are read here: a wrong value is a sentence for the user, not a traceback
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018
    except ImproperlyConfigured as exc:
        print(f"Réglage incorrect : {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    if not args or (len(args) == 1 and args[0] in HELP_FLAGS):
        django.setup()
        try:
            print_overview()
            sys.stdout.flush()
        except BrokenPipeError:  # `python -m solidarite --help | head`: the reader left, nothing is wrong
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return
    execute_from_command_line(["python -m solidarite", *args])
