"""Command line: wraps Django's management commands, and lists the platform's own first.

`python -m solidarite --help` lists the platform's commands with their description, then Django's
administration commands; `python -m solidarite <commande> --help` gives a command's options.
"""

from __future__ import annotations

import os
import sys

PLATFORM_PREFIX = "solidarite."
HELP_FLAGS = {"-h", "--help", "help"}

# argparse's own words (a wrong option, a missing argument, a bad value), which Python ships in English only:
# its messages go through the module's `_` and `ngettext`, given here a French catalogue.
ARGPARSE_FR = {
    "usage: ": "utilisation : ",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "ambiguous option: %(option)s could match %(matches)s": "option ambiguë : %(option)s peut désigner %(matches)s",
    "expected one argument": "une valeur est attendue",
    "expected at least one argument": "au moins une valeur est attendue",
    "expected at most one argument": "au plus une valeur est attendue",
    "ignored explicit argument %r": "cette option ne prend pas de valeur (%r ignoré)",
    "invalid %(type)s value: %(value)r": "valeur invalide (type %(type)s attendu) : %(value)r",
    "invalid choice: %(value)r (choose from %(choices)s)": "choix invalide : %(value)r (valeurs possibles : %(choices)s)",
    "not allowed with argument %s": "incompatible avec l'argument %s",
    "one of the arguments %s is required": "l'un des arguments %s est obligatoire",
    "positional arguments": "arguments",
    "show this help message and exit": "affiche cette aide",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "unrecognized arguments: %s": "arguments inconnus : %s",
}


def _argparse_en_francais() -> None:
    import argparse

    def traduire(message: str) -> str:
        return ARGPARSE_FR.get(message, message)

    def traduire_pluriel(singulier: str, pluriel: str, n: int) -> str:
        if singulier == "expected %s argument":
            return "%s valeur(s) attendue(s)"
        return singulier if n == 1 else pluriel

    argparse._ = traduire  # type: ignore[attr-defined]
    argparse.ngettext = traduire_pluriel  # type: ignore[attr-defined]


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
    _argparse_en_francais()
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
