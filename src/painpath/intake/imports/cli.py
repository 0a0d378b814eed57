"""`painpath import records FILE... --episode ID`: file electronic records onto an episode.

Each FHIR Bundle is one import. NDJSON files named together (or a folder of them: a Bulk Data export) are
one import, since a Condition file means nothing without the Patient file beside it. Each import is its
own transaction. Exit code 2 when any file is refused; the message says why.

The painpath command line (`painpath/cli.py`) adds these commands under `import` and hands them its way
of building the app context as the click context's `obj`, so this module never imports the command line
above it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

app = typer.Typer(help="Import electronic records", no_args_is_help=True)
# Column headings of the summary table, per fact category.
SHORT = {
    "condition": "cond", "medication": "med", "procedure": "proc", "diagnostic_report": "rpt",
    "imaging_study": "img", "observation": "obs",
}
console = Console()


def _units(files: list[Path]) -> list[tuple[str, list[Path]]]:
    """(label, paths) per import: each folder, each Bundle, and all NDJSON files together."""
    from painpath.interop.fhir import Source, sniff_format

    units: list[tuple[str, list[Path]]] = []
    ndjson: list[Path] = []
    for path in files:
        if path.is_dir():
            units.append((f"{path.name}/", [path]))
        elif path.is_file() and sniff_format(Source(path.name, path.read_bytes())) == "ndjson":
            ndjson.append(path)
        else:  # a Bundle, or something the import will refuse with its reason
            units.append((path.name, [path]))
    if ndjson:
        folders = {p.resolve().parent.name for p in ndjson}
        label = ndjson[0].name if len(ndjson) == 1 else f"{len(ndjson)} NDJSON files"
        if len(ndjson) > 1 and len(folders) == 1:
            label = f"{folders.pop()}/ ({label})"
        units.append((label, ndjson))
    return units


@app.command("records")
def records(
    cli: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="FHIR R4 Bundle (.json) or NDJSON files, or a Bulk Data export folder")],
    episode: Annotated[int, typer.Option("--episode", help="Episode to file the records onto")],
    user: Annotated[str | None, typer.Option("--user", help="Username to record as the importer (default: system:cli)")] = None,
) -> None:
    """File the records of the episode's patient; a file for anyone else is refused."""
    from sqlalchemy import select

    from painpath.core.audit import Actor
    from painpath.core.auth.models import User
    from painpath.core.auth.service import actor_for
    from painpath.core.errors import DomainError
    from painpath.intake.imports.service import import_records
    from painpath.patients.models import Episode

    context = cli.obj()  # painpath.cli's context builder: it reports a bad configuration or pack and exits
    with context.db.session() as session:
        clinic_id = session.scalar(select(Episode.clinic_id).where(Episode.id == episode))
        if clinic_id is None:
            console.print(f"[red]No episode with id {episode}.[/red]")
            raise typer.Exit(2)
        actor = Actor.system("cli", clinic_id)
        if user:
            found = session.scalar(select(User).where(User.username == user, User.clinic_id == clinic_id, User.active.is_(True)))
            if found is None:
                console.print(f"[red]No active user {escape(user)} in the episode's clinic.[/red]")
                raise typer.Exit(2)
            actor = actor_for(found)

    units = _units(files)
    table = Table(title=f"Records for episode {episode}")
    table.add_column("file", overflow="fold", ratio=1)
    for heading in ("read", *SHORT.values(), "skipped"):
        table.add_column(heading, justify="right", no_wrap=True)
    table.add_column("result", no_wrap=True)
    failures = 0
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=True,
    ) as progress:
        overall = progress.add_task("Files", total=len(units))
        for label, paths in units:
            current = progress.add_task(f"  {escape(label)[:48]}", total=None)

            def report(stage: str, done: int, total: int, task=current) -> None:  # noqa: ANN001
                if stage == "file":
                    progress.update(task, completed=done, total=total)

            try:
                with context.db.session() as session:
                    source = paths[0] if len(paths) == 1 else paths
                    summary = import_records(session, actor=actor, episode_id=episode, path_or_bytes=source, filename=label, progress=report,
                                             knowledge=context.knowledge, calendar=context.calendar)
                    context.reconcile(session, [episode])
            except DomainError as exc:
                failures += 1
                message = "; ".join(p.message for p in exc.problems)
                progress.console.print(f"[red]Refused {escape(label)}:[/red] {escape(message)}", soft_wrap=True)
                table.add_row(escape(label), "", *("" for _ in SHORT), "", "[red]refused[/red]")
            else:
                others = summary.skipped.get("other_patient_resources", 0) + summary.skipped.get("unattached", 0)
                result = "repeat" if summary.already_imported else f"import #{summary.import_id}"
                table.add_row(
                    escape(label), str(summary.resources_read), *(str(summary.counts.get(c, 0)) for c in SHORT), str(others), result,
                )
                progress.console.print(escape(summary.message), soft_wrap=True)
            progress.remove_task(current)
            progress.advance(overall)
    console.print(table)
    if failures:
        console.print(f"[red]{failures} of {len(units)} imports refused; nothing was filed from them.[/red]")
        raise typer.Exit(2)
