"""Command line: wraps Django's management commands, and lists the platform's own first.

`python -m solidarite --help` lists the platform's commands with their description, then Django's
administration commands; `python -m solidarite <commande> --help` gives a command's options.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Any

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


# The options Django gives every command, whose help it writes in English only (`<commande> --help`).
DJANGO_OPTIONS_FR = {
    "--version": "affiche la version et s'arrête",
    "--verbosity": "quantité de messages : 0 le minimum, 1 normal, 2 détaillé, 3 très détaillé",
    "--settings": "module Python des réglages (par défaut : la variable DJANGO_SETTINGS_MODULE)",
    "--pythonpath": "dossier à ajouter au chemin de recherche de Python",
    "--traceback": "affiche la pile d'appels complète en cas d'erreur",
    "--no-color": "sortie sans couleurs",
    "--force-color": "sortie en couleurs, même hors d'un terminal",
    "--skip-checks": "saute les vérifications du système",
}


def _django_options_en_francais() -> None:
    from django.core.management.base import BaseCommand

    create_parser = BaseCommand.create_parser
    if getattr(create_parser, "en_francais", False):
        return

    def create_french_parser(self: BaseCommand, prog_name: str, subcommand: str, **kwargs: object) -> object:
        parser = create_parser(self, prog_name, subcommand, **kwargs)
        for action in parser._actions:
            for option in action.option_strings:
                if option in DJANGO_OPTIONS_FR and action.help != argparse.SUPPRESS:
                    action.help = DJANGO_OPTIONS_FR[option]
        return parser

    create_french_parser.en_francais = True  # type: ignore[attr-defined]
    BaseCommand.create_parser = create_french_parser  # type: ignore[assignment, method-assign]
    BaseCommand.run_from_argv = _run_with_french_errors(BaseCommand.run_from_argv)  # type: ignore[method-assign]


def _run_with_french_errors(
    run_from_argv: Callable[[Any, list[str]], None],
) -> Callable[[Any, list[str]], None]:
    """A refused command said « CommandError: … » (Django writes the class name): it says « Erreur : … », with the
    same exit code. Only the command run from the command line is concerned; a command it calls itself keeps
    raising, for its caller to handle."""
    from django.core.management.base import CommandError, SystemCheckError
    from django.db import DatabaseError

    def run(command: Any, argv: list[str]) -> None:
        execute = command.execute

        def execute_in_french(*args: Any, **options: Any) -> Any:
            try:
                return execute(*args, **options)
            except CommandError as error:
                if options.get("traceback") or isinstance(error, SystemCheckError):
                    raise
                command.stderr.write(f"Erreur : {error}")
                sys.exit(error.returncode)
            except DatabaseError:  # « no such table » on a new machine: say what to run, not a traceback
                if options.get("traceback") or not _migrations_pending(options.get("database")):
                    raise
                command.stderr.write(BASE_NON_MIGREE)
                sys.exit(2)

        command.execute = execute_in_french
        run_from_argv(command, argv)

    return run


BASE_NON_MIGREE = (
    "Erreur : la base de données n'est pas à jour (tables absentes ou migrations non appliquées) : lancez "
    "d'abord « python -m solidarite migrate »."
)


def _migrations_pending(alias: str | None) -> bool:
    """Whether the database has migrations not applied: read only once a command failed on the database (a
    table missing), so that a command that works pays nothing for it. False when the database cannot be read."""
    from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
    from django.db.migrations.executor import MigrationExecutor

    try:
        connection = connections[alias or DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    except DatabaseError:
        return False


def _argparse_en_francais() -> None:
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
    _django_options_en_francais()
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
