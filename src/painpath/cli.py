"""The painpath command line: serve, worker, reconcile, db upgrade, demo, packs check, users create, simulate."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from painpath.intake.imports.cli import app as import_app

# Sub-commands that live in their slice (`painpath import records`) get the context builder below as the
# click context's obj: they call it, and never import this module back.
app = typer.Typer(help="painpath: the pain clinic's coordination engine", no_args_is_help=True,
                  context_settings={"obj": lambda: _context()})
db_app = typer.Typer(help="Database commands")
packs_app = typer.Typer(help="Knowledge pack commands")
users_app = typer.Typer(help="User accounts")
app.add_typer(db_app, name="db")
app.add_typer(packs_app, name="packs")
app.add_typer(users_app, name="users")
app.add_typer(import_app, name="import")
console = Console()


def _settings():  # noqa: ANN202
    from painpath.core.config import get_settings

    try:
        return get_settings()
    except Exception as exc:  # pydantic's ValidationError: say it plainly and stop
        console.print(f"[red]Configuration error:[/red] {exc}")
        raise typer.Exit(2) from exc


def _context():  # noqa: ANN202
    from painpath.context import build_context
    from painpath.core.runtime import settle_after_start_up
    from painpath.knowledge import PackError

    try:
        context = build_context(_settings())
    except PackError as exc:
        console.print(f"[red]Knowledge pack refused:[/red] {exc}")
        raise typer.Exit(2) from exc
    settle_after_start_up()
    return context


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the latest schema."""
    from painpath.core.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    console.print("Database is at the latest revision.")


@packs_app.command("check")
def packs_check() -> None:
    """Load and validate every knowledge pack; exit 2 naming the file and path of the first problem."""
    from painpath.knowledge import PackError, load_knowledge

    settings = _settings()
    try:
        knowledge = load_knowledge(settings.extra_pack_dirs)
    except PackError as exc:
        console.print(f"[red]Knowledge pack refused:[/red] {exc}")
        raise typer.Exit(2) from exc
    table = Table("pack", "kind", "version", "last verified", "file")
    for pack in knowledge.packs:
        table.add_row(pack.header.id, pack.header.kind, str(pack.header.version), str(pack.header.last_verified), pack.file.name)
    console.print(table)
    console.print(f"{len(knowledge.packs)} packs OK; {len(knowledge.payers)} payers.")


@packs_app.command("diff")
def packs_diff(
    old: Annotated[Path, typer.Argument(help="The current policy pack file or directory")],
    new: Annotated[Path, typer.Argument(help="The new version (or a draft): a policy pack file or directory")],
    cases: Annotated[bool, typer.Option(help="Also list the open cases of the configured database that change")] = True,
) -> None:
    """What a new version of payer policies changes: each policy's differences in words, then the open cases
    whose decision, kit items or projected eligibility date move (the same as the policy changes page)."""
    from painpath.authorizations import policy_change_service as changes
    from painpath.authorizations.policy_changes import day, outcome_words
    from painpath.core.clock import utcnow
    from painpath.knowledge import PackError
    from painpath.knowledge.loader import read_policies

    try:
        pairs = changes.pair_versions(read_policies(old), read_policies(new))
    except PackError as exc:
        console.print(f"[red]Knowledge pack refused:[/red] {exc}")
        raise typer.Exit(2) from exc
    if not pairs:
        console.print("No policy differs between the two.")
        raise typer.Exit(0)
    context = _context() if cases else None
    names = changes.names(context.knowledge) if context is not None else {}
    for change in pairs:
        console.print(f"[bold]{change.new.name}[/bold] from {day(change.effective_from)}")
        for line in change.words(names):
            console.print(f"  - {line}")
    if context is None:
        return
    with context.db.session() as session:
        today = context.calendar.local_date(utcnow())
        found = changes.impact(session, knowledge=context.knowledge, calendar=context.calendar, changes=pairs,
                               cases=changes.clinic_open_cases(session, clinic_id=None), today=today)
        for result in found:
            console.print(f"{len(result.cases)} open case(s) change under {result.change.new.name}:")
            for row in result.cases:
                difference = row.difference
                console.print(f"  case {row.case.id}: {outcome_words(difference.before)} -> {outcome_words(difference.after)}; "
                              f"eligible {day(difference.eligible_before)} -> {day(difference.eligible_after)}")
                for line in difference.words:
                    console.print(f"    - {line}")


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="Random seed for the demo patients")] = 20261129,
    patients: Annotated[int, typer.Option(min=5, max=2000, help="How many demo patients (a smaller clinic loads faster)")] = 200,
) -> None:
    """Load the demo clinic into an empty database and print the demo logins."""
    from painpath.demo import database_is_empty, demo_logins, load_demo

    context = _context()
    if not database_is_empty(context):
        console.print("The database already has a clinic; the demo loads only into an empty database.")
        if context.settings.demo_mode:
            _print_logins(demo_logins())
        raise typer.Exit(0)
    summary = load_demo(context, seed=seed, patients=patients)
    console.print(
        f"Loaded {summary.clinic_name}: {summary.patients} patients, {summary.episodes} episodes, "
        f"{summary.open_tasks} open tasks ({summary.overdue_tasks} overdue)."
    )
    _print_logins(summary.logins)


def _print_logins(logins) -> None:  # noqa: ANN001
    table = Table("username", "role", "password", title="Demo logins")
    for username, role, password in logins:
        table.add_row(username, role, password)
    console.print(table)


@users_app.command("create")
def users_create(
    username: str,
    role: str,
    display_name: Annotated[str, typer.Option(help="Name shown to colleagues")] = "",
    clinic_id: Annotated[int, typer.Option(help="Clinic the user works for")] = 1,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)] = "",
) -> None:
    """Create a user (the password is stored only as an argon2 hash)."""
    from painpath.core.audit import Actor
    from painpath.core.auth.service import create_user
    from painpath.core.errors import DomainError

    context = _context()
    try:
        with context.db.session() as session:
            user = create_user(
                session, clinic_id=clinic_id, username=username, display_name=display_name or username,
                role=role, password=password, actor=Actor.system("cli", clinic_id),
            )
            console.print(f"Created user {user.username} ({user.role}).")
    except DomainError as exc:
        for problem in exc.problems:
            console.print(f"[red]{problem.field}[/red]: {problem.message}")
        raise typer.Exit(2) from exc


@app.command()
def reconcile(
    full: Annotated[bool, typer.Option("--full", help="Reconcile every open episode, not only those that came due")] = False,
) -> None:
    """Bring the worklist in line with the facts: the due episodes (as the periodic pass does), or all of them."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from painpath.worklist.review import full_recompute, review_due

    context = _context()
    if full:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, transient=True) as progress:
            bar = progress.add_task("Episodes", total=None)
            result = full_recompute(context, progress=lambda done, total: progress.update(bar, completed=done, total=total))
    else:
        result = review_due(context)
    console.print(
        f"Reconciled {result.reviewed} episode{'s' if result.reviewed != 1 else ''} in {result.chunks} "
        f"transaction{'s' if result.chunks != 1 else ''}: {result.opened} opened, {result.refreshed} refreshed, "
        f"{result.met} met, {result.cancelled} cancelled, {result.failed} provider failures."
    )


def _mark_all_for_review(context) -> None:  # noqa: ANN001
    # New code or new knowledge packs may owe different work: every open episode is looked at again.
    from painpath.worklist.review import mark_all_at_start_up

    mark_all_at_start_up(context)


@app.command()
def worker() -> None:
    """Run a background consumer: the deadline sweeper, reconciliation and outbound work.

    Start as many as you need, on any machines that reach the database and the queue
    (PAINPATH_QUEUE_URL=redis://...). Each periodic job still runs once per schedule across all of them.
    """
    from painpath.jobs import huey

    _mark_all_for_review(_context())  # and fail fast on bad settings or packs
    consumer = huey.create_consumer(workers=2, worker_type="thread", periodic=True)
    consumer.run()


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Number of web processes. More than one needs `painpath worker` running beside them for background work.")] = 1,
    with_worker: Annotated[bool | None, typer.Option(
        help="Run a background consumer inside the web process. On by default with one web process; "
        "not allowed with --workers above 1.",
        show_default=False,
    )] = None,
) -> None:
    """Serve the web app. With one web process (the default) a background consumer runs inside it too."""
    import uvicorn

    from painpath.core.logging import configure_logging

    configure_logging()
    if workers > 1 and with_worker:
        console.print(
            f"[red]Refused:[/red] --with-worker would start a background consumer in each of the {workers} web "
            "processes. Run the web processes without it and start `painpath worker` beside them."
        )
        raise typer.Exit(2)
    context = _context()  # fail fast on bad settings or packs, before any process starts
    _mark_all_for_review(context)
    # uvicorn's access log would print query strings; our middleware logs each request by route template.
    # Behind a proxy, uvicorn reads the client address from X-Forwarded-For only when the proxy's address
    # is in FORWARDED_ALLOW_IPS (docs/operations.md).
    options = {"host": host, "port": port, "log_level": "info", "access_log": False}
    if workers > 1:
        context.db.dispose()  # each web process builds its own
        console.print(
            f"Starting {workers} web processes with no background consumer inside them: "
            "run `painpath worker` (one or more) against the same queue"
            + (" on this machine, since the queue is a SQLite file." if context.settings.queue_url.startswith("sqlite") else ".")
        )
        from painpath.web.asgi import IMPORT_STRING

        uvicorn.run(IMPORT_STRING, factory=True, workers=workers, **options)
        return

    from painpath.web.app import create_app

    consumer = None
    if with_worker is None or with_worker:
        from painpath import jobs

        jobs.use_context(context)
        consumer = jobs.huey.create_consumer(workers=1, worker_type="thread", periodic=True)
        consumer.start()
    try:
        uvicorn.run(create_app(context), **options)
    finally:
        if consumer is not None:
            consumer.stop(graceful=True)


@app.command()
def simulate(
    scenarios: Annotated[list[str], typer.Argument(
        help="Scenario files (YAML; a path here, under the painpath package, or a shipped scenario's id such as "
        "baseline). The first, or the base the others change, is the baseline the others are compared with.",
        show_default=False,
    )],
    weeks: Annotated[int, typer.Option(min=1, max=520, help="Simulated weeks per replication")] = 26,
    replications: Annotated[int, typer.Option(min=2, max=1000, help="Replications per scenario (two at least, for an interval)")] = 20,
    seed: Annotated[int, typer.Option(help="Seed of the first replication (the next ones use seed+1, ...)")] = 1,
    processes: Annotated[int, typer.Option(min=1, max=64, help="Replications run in parallel processes")] = 2,
    out: Annotated[Path, typer.Option(help="Folder for report.html and results.json")] = Path("simulation-report"),
) -> None:
    """Simulate the clinic's weeks under each scenario; write report.html and results.json and print the comparison."""
    from contextlib import ExitStack
    from dataclasses import replace

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from painpath.knowledge import PackError, load_knowledge
    from painpath.simulation.model import run_scenario, worker_pool
    from painpath.simulation.report import html_report, print_report, results_json
    from painpath.simulation.scenario_files import ScenarioError, find_scenario, scenario_assumptions, with_baseline

    try:
        knowledge = load_knowledge()
        baseline, chosen = with_baseline([find_scenario(name) for name in scenarios], knowledge)
    except PackError as exc:
        console.print(f"[red]Knowledge pack refused:[/red] {exc}")
        raise typer.Exit(2) from exc
    except ScenarioError as exc:
        console.print(f"[red]Scenario refused[/red] ({exc.path}):")
        for problem in exc.problems:
            console.print(f"  [red]{problem.field}[/red]: {problem.rule}", markup=True, highlight=False)
        raise typer.Exit(2) from exc
    results = []
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as progress, ExitStack() as stack:
        # One set of worker processes for every scenario: each starts (imports, packs, template database) once.
        pool = stack.enter_context(worker_pool(min(processes, replications))) if processes > 1 else None
        bar = progress.add_task(f"Scenarios ({weeks} weeks x {replications} replications each)", total=len(chosen))
        for scenario in chosen:
            progress.update(bar, description=f"{scenario.name} ({weeks} weeks x {replications} replications)")
            result = run_scenario(scenario, weeks=weeks, replications=replications, seed=seed, processes=processes, pool=pool)
            results.append(replace(result, assumptions=scenario_assumptions(scenario, knowledge)))  # in the clinic's words
            progress.advance(bar)
    out.mkdir(parents=True, exist_ok=True)
    descriptions = {s.id: s.description for s in chosen}
    pages = {"report.html": html_report(results, baseline_id=baseline.id, descriptions=descriptions),
             "results.json": results_json(results, baseline_id=baseline.id)}
    for name, text in pages.items():  # each file appears whole or not at all
        partial = out / f".{name}.partial"
        partial.write_text(text, encoding="utf-8")
        partial.replace(out / name)
    print_report(console, results, baseline_id=baseline.id)
    console.print(f"Wrote {out / 'report.html'} and {out / 'results.json'}.", highlight=False)


def main() -> None:  # pragma: no cover
    sys.exit(app())


if __name__ == "__main__":  # pragma: no cover
    main()
