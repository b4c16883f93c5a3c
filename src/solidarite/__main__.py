"""`python -m solidarite <commande>`: the one entry point for every command of the platform."""

from solidarite.cli import main

if __name__ == "__main__":
    main()
