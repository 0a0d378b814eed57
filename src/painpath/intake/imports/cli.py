"""`painpath import records FILE...` (placeholder until the import is written)."""

import typer

app = typer.Typer(help="Import electronic records")
