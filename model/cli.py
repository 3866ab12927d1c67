"""Command line: ``hubplan solve | validate | frontier | fee-cut | sweep | batch | compare | stochastic |
alternatives | sceptic | export | workspace``.

Bad input prints one line naming the file, the field and the problem, and exits with code 2.
"""
from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from .errors import InputError
from .inputs.scenario import apply_changes, load_scenario

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Capacity and allocation planner for China's national compute hubs (东数西算).")
out = Console()


def fail(exc: InputError) -> None:
    typer.echo(f"error: {exc.line()}", err=True)  # plain echo: one line, never wrapped
    raise typer.Exit(2)


def _print_summary(res, s: dict) -> None:
    """The CLI's key figures: the KPI catalogue in planners' units, then the answers."""
    from .reports.kpis import kpi_values, with_unit

    t = Table(title=f"{s['scenario']} — {s['status']}", show_header=False)
    for k, v in kpi_values(res):
        if k.key.startswith(("cost_", "unmet: ", "latency_")) or k.cli:
            if k.key != "status":
                t.add_row(f"{k.zh} {k.en}", with_unit(v, k.unit))
    for b, v in s["baselines"].items():
        if b != "optimum":
            t.add_row(f"baseline {b}: cost / tCO2 / unmet", f"{v['objective']:,.0f} / {v['emissions_tco2']:,.0f} / {v['unmet_rack_years']:,.0f}")
    for line in s["shadow_prices"][:3]:
        t.add_row("shadow price", line)
    t.add_row("time build / solve / total (s)",
              f"{s['timings']['build_s']:.3f} / {s['timings']['solve_s']:.3f} / {s['timings']['total_s']:.3f}")
    out.print(t)


# -- the workspace (model/workspace): runs registered when --workspace or HUBPLAN_WORKSPACE is given --
def _workspace_option(required: bool = False):
    return typer.Option(... if required else None, "--workspace", envvar="HUBPLAN_WORKSPACE", help=(
        "workspace: a file path (SQLite, created on first use) or a postgresql:// URL; default: $HUBPLAN_WORKSPACE"))


def _open_workspace(where: str | None):
    """The workspace, checked before any solving (a bad one: one line, exit 2); None if not given
    (then the workspace package and SQLAlchemy, ~0.25 s of imports, are not loaded at all)."""
    if not where:
        return None
    from .workspace import open_workspace

    return open_workspace(where)


def _register(ws, records) -> None:
    """Save ``records(workspace package)`` (scenario, run) pairs in ``ws`` and say so (the package is
    imported only when a workspace is given)."""
    if ws is None:
        return
    from . import workspace

    try:
        typer.echo(workspace.register(ws, records(workspace)))  # one line, never wrapped
    except InputError as exc:
        fail(exc)


@app.command()
def solve(
    scenario: Path = typer.Argument(..., help="scenario YAML file"),
    out_dir: Path = typer.Option(Path("out"), "--out", help="folder for summary.json, allocation.csv, results.nc, report.xlsx"),
    write_model: Path | None = typer.Option(None, "--write-model", help="also write the LP handed to HiGHS (.mps)"),
    html: bool = typer.Option(False, "--html", help="also write an offline report.html"),
    baselines: bool = typer.Option(False, "--baselines", help="also evaluate nearest/cheapest/greenest rule baselines"),
    time_limit: float | None = typer.Option(None, "--time-limit", help="solver time limit in seconds"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
    workspace: str | None = _workspace_option(),
) -> None:
    """Solve one scenario and write its results."""
    from .reports.files import check_out_dir, write_outputs
    from .reports.kpis import summary
    from .run import solve_scenario

    try:
        check_out_dir(out_dir)
        ws = _open_workspace(workspace)
        sc = load_scenario(scenario)
        if time_limit is not None:
            if not 0 < time_limit <= 86400:
                raise InputError("--time-limit", "time_limit", "must be > 0 and ≤ 86400 seconds")
            sc = apply_changes(sc, {"solver.time_limit_s": time_limit})
        res = solve_scenario(sc, write_model=str(write_model) if write_model else None, baselines=baselines)
    except InputError as exc:
        fail(exc)
    files = write_outputs(res, out_dir, html=html)

    _register(ws, lambda w: w.solve_records(sc, res, files["results.nc"], f"hubplan solve {scenario} --out {out_dir}"))
    s = summary(res)
    if not quiet:
        _print_summary(res, s)
        out.print(f"wrote {out_dir}/summary.json, allocation.csv, results.nc, report.xlsx" + (", report.html" if html else ""))
    if not res.attrs["status"].startswith(("optimal", "time limit (incumbent)")):
        typer.echo(f"no optimal solution: {res.attrs['status']}", err=True)
        for c in s["conflicts"]:
            typer.echo(f"  conflicting: {c['constraint']} {c['index']}: {c['text']}", err=True)
        raise typer.Exit(1)


@app.command()
def validate(scenario: Path = typer.Argument(..., help="scenario YAML file")) -> None:
    """Check a scenario and its dataset without solving."""
    from .inputs.build import build_inputs

    try:
        sc = load_scenario(scenario)
        inp = build_inputs(sc)
    except InputError as exc:
        fail(exc)
    adm = inp["admissible"]
    no_arc = (~adm.any("cluster")) & (inp["demand"].sum("year") > 0)
    typer.echo(f"ok: {scenario} — {inp.sizes['region']} regions, {inp.sizes['cluster']} clusters, "
              f"{inp.sizes['workload']} classes, years {int(inp.year[0])}–{int(inp.year[-1])}, "
              f"{int(adm.sum())} admissible arcs")
    if "stage" in inp.dims:
        typer.echo(f"  data lifecycle: {inp.sizes['chain']} chains, {inp.sizes['stage']} stages, "
                   f"{inp.sizes.get('edge', 0)} backbone edges, {float(inp['chain_source_tb'].sum()) / 1e6:,.1f} M TB collected over the horizon")
    for r, w in zip(*map(list, no_arc.values.nonzero())):
        typer.echo(f"  note: {inp.region_name_zh.values[r]} {inp.region.values[r]}: no cluster within the "
                  f"{inp.workload.values[w]} latency bound; its demand will be reported unmet")


@app.command()
def frontier(
    scenario: Path = typer.Argument(..., help="scenario YAML file"),
    points: int = typer.Option(8, "--points", help="number of points on the frontier"),
    out_dir: Path = typer.Option(Path("out/frontier"), "--out", help="folder for frontier.csv and frontier.html"),
) -> None:
    """Cost–carbon frontier (ε-constraint): least cost for a series of carbon budgets."""
    from .atomic import write_bytes_atomic
    from .reports.charts import frontier_chart
    from .reports.files import check_out_dir
    from .reports.kpis import TCO2, YUAN, number
    from .reports.plotlyjs import page_html
    from .reports.sheets import write_csv
    from .studies.frontier import cost_carbon_frontier

    try:
        check_out_dir(out_dir)
        df = cost_carbon_frontier(load_scenario(scenario), points)
    except InputError as exc:
        fail(exc)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_csv(df, out_dir / "frontier.csv")
    write_bytes_atomic(out_dir / "frontier.html", page_html(frontier_chart(df)).encode("utf-8"))
    t = Table(title="cost–carbon frontier")
    for c in ("排放 emissions (MtCO2)", "成本 cost (亿元)", "减排成本 abatement (yuan/t)", "status"):
        t.add_column(c, justify="right")
    for r in df.itertuples():
        t.add_row(number(r.emissions_t, TCO2), number(r.objective, YUAN), f"{r.abatement_cost_yuan_per_t:,.1f}", r.status)
    out.print(t)
    out.print(f"wrote {out_dir}/frontier.csv, frontier.html")


@app.command("fee-cut")
def fee_cut(
    scenario: Path = typer.Argument(..., help="scenario YAML file with the data lifecycle (e.g. data/scenarios/data_lifecycle.yaml)"),
    cut: float = typer.Option(0.5, "--cut", help="share of the backbone's price per TB cut (0-1)"),
    out_dir: Path = typer.Option(Path("out/fee_cut"), "--out", help="folder for fee_cut.csv"),
) -> None:
    """A cut in inter-hub transfer fees against an electricity subsidy in the west of equal public cost."""
    from .reports.files import check_out_dir
    from .reports.kpis import TCO2, YUAN, number
    from .reports.sheets import write_csv
    from .studies.fee_cut import fee_cut_vs_subsidy

    try:
        check_out_dir(out_dir)
        df = fee_cut_vs_subsidy(load_scenario(scenario), cut)
    except InputError as exc:
        fail(exc)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_csv(df, out_dir / "fee_cut.csv")
    t = Table(title="传输费减价 vs 西部电价补贴 fee cut vs western electricity subsidy")
    for c in ("case", "西部存储 west stored", "骨干 Tbps", "系统成本 system (亿元)", "财政 public (亿元)", "CO2 (Mt)",
              "补贴 yuan/kWh"):
        t.add_column(c, justify="right")
    for r in df.itertuples():
        t.add_row(r.case, f"{r.western_storage_share:.1%}", f"{r.backbone_chain_tbps_last_year:.2f}", number(r.system_cost_yuan, YUAN),
                  number(r.public_cost_yuan, YUAN), number(r.emissions_t, TCO2), f"{r.west_subsidy_yuan_per_kwh:.4f}")
    out.print(t)
    out.print(f"wrote {out_dir}/fee_cut.csv")


# -- batch runs, sweeps and comparisons (model/studies/batch/, model/studies/sweep.py) ----
_OUTPUTS_HELP = ("per-scenario files: 'lean' = run.json (status, KPIs, timings), scenario.yaml and arrays.npz "
                 "(for combined.nc); 'full' = also summary.json, allocation.csv, results.nc, report.xlsx "
                 "(+ report.html), ~1.5 s more per scenario; 'kpis' = run.json only, with the headline KPIs "
                 "straight from the solution (no results Dataset; combined.nc holds the scalar KPIs): the fastest")
_progress_console = Console(stderr=True)


def _run_points(points, out_dir: Path, workers, scheduler, outputs, html, quiet, lever_keys, command,
                workspace: str | None = None) -> None:
    import signal

    from .reports.files import check_out_dir
    from .studies.batch import run_batch
    from .studies.limits import check_scheduler, workers_for

    # a terminated batch (SIGTERM) still shuts its local cluster down; finished scenarios are kept
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        check_out_dir(out_dir)
        ws = _open_workspace(workspace)
        check_scheduler(scheduler)
        workers, note = workers_for(workers, scheduler)
        if note:
            typer.echo(note, err=True)
        r = run_batch(points, out_dir, workers=workers, scheduler=scheduler, outputs=outputs, html=html,
                      lever_keys=lever_keys, progress=not quiet, console=_progress_console, command=command)
    except InputError as exc:
        fail(exc)
    except KeyboardInterrupt:  # Ctrl-C: what finished is kept; a re-run resumes (README, Batch runs)
        typer.echo(f"interrupted: finished scenarios are kept in {out_dir}/scenarios; "
                   "run the same command again to resume", err=True)
        raise typer.Exit(130) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    c = r.counts
    if not quiet:
        rate = f", {c['solved'] / r.wall_s:.1f} scenarios/s" if c["solved"] else ""
        out.print(f"{c['scenarios']} scenarios: {c['ok']} done ({c['solved']} solved now: {c['warm']} warm, "
                  f"{c['cold']} cold; {c['reused']} already done), {c['failed']} failed in {r.wall_s:.1f} s{rate}")
        out.print(f"wrote {out_dir}/" + ", ".join(r.paths) + " and scenarios/<hash>/")

    _register(ws, lambda w: w.batch_records(r.out, r.index, command.split()[1], command))
    failed = r.failed
    for row in failed.head(10).itertuples():
        typer.echo(f"failed: {row.name} [{row.scenario_hash}]: {row.error}", err=True)
    if len(failed) > 10:
        typer.echo(f"... and {len(failed) - 10} more failed (see {out_dir}/index.csv)", err=True)
    if len(failed):
        raise typer.Exit(1)


@app.command()
def batch(
    scenarios: list[Path] = typer.Argument(..., help="scenario YAML files"),
    out_dir: Path = typer.Option(..., "--out", help="batch folder (re-running skips what is done)"),
    workers: int | None = typer.Option(None, "--workers", help="local worker processes (default: CPU cores)"),
    scheduler: str | None = typer.Option(None, "--scheduler", help="existing Dask scheduler, e.g. tcp://HOST:8786 "
                                         "(its workers must see --out at the same path)"),
    outputs: str = typer.Option("full", "--outputs", help=_OUTPUTS_HELP),
    html: bool = typer.Option(True, "--html/--no-html", help="per-scenario report.html with --outputs full (~1 s each)"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
    workspace: str | None = _workspace_option(),
) -> None:
    """Solve several scenarios on a Dask cluster; results under DIR/scenarios/<hash>/, DIR/combined.nc."""
    from .studies.batch import Rejected

    points = []
    for p in scenarios:  # a bad file is recorded as failed; the others run
        try:
            sc = load_scenario(p)
            points.append((sc.name, sc, {"file": str(p)}))
        except InputError as exc:
            points.append(Rejected(p.stem, exc.line(), {"file": str(p)}))
    _run_points(points, out_dir, workers, scheduler, outputs, html, quiet, ["file"],
                "hubplan batch " + " ".join(map(str, scenarios)), workspace)


@app.command()
def sweep(
    base: Path = typer.Argument(..., help="base scenario YAML file"),
    sets: list[str] = typer.Option([], "--set", help="KEY=V1,V2,... (grid: values are YAML scalars) or "
                                   "KEY=LOW,HIGH (lhs: numeric bounds; one value = fixed); KEY is a dotted path "
                                   "into the scenario, e.g. demand.scale, clusters.qingyang.pue"),
    sample: str = typer.Option("grid", "--sample", help="grid: every combination, first --set slowest; lhs: Latin "
                               "hypercube of --n points, each lever's range cut into N bins hit once each"),
    n: int | None = typer.Option(None, "--n", help="number of points for --sample lhs"),
    seed: int = typer.Option(0, "--seed", help="random seed for --sample lhs"),
    out_dir: Path = typer.Option(..., "--out", help="batch folder (re-running skips what is done)"),
    workers: int | None = typer.Option(None, "--workers", help="local worker processes (default: CPU cores)"),
    scheduler: str | None = typer.Option(None, "--scheduler", help="existing Dask scheduler, e.g. tcp://HOST:8786"),
    outputs: str = typer.Option("lean", "--outputs", help=_OUTPUTS_HELP),
    html: bool = typer.Option(False, "--html/--no-html", help="per-scenario report.html with --outputs full (~1 s each)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="list the expanded scenarios and stop"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
    workspace: str | None = _workspace_option(),
) -> None:
    """Expand BASE over levers (grid or Latin hypercube) and solve every scenario like `batch`."""
    from .studies.sweep import check_ids, expand, parse_set

    try:
        points = expand(base, sets, sample=sample, n=n, seed=seed)
        check_ids(points, base)
    except InputError as exc:
        fail(exc)
    keys = [parse_set(s)[0] for s in sets]
    if dry_run:
        t = Table(title=f"{len(points)} scenarios")
        for c in ("name", *keys):
            t.add_column(c)
        for p in points[:200]:
            t.add_row(p.name, *(f"{p.levers[k]:.6g}" if isinstance(p.levers[k], float) else str(p.levers[k]) for k in keys))
        out.print(t)
        return
    cmd = "hubplan sweep " + " ".join([str(base), *(f"--set {s}" for s in sets), f"--sample {sample}"]
                                      + ([f"--n {n} --seed {seed}"] if sample == "lhs" else []))
    _run_points(points, out_dir, workers, scheduler, outputs, html, quiet, keys, cmd, workspace)


@app.command()
def compare(
    dirs: list[Path] = typer.Argument(..., help="solve output folders (summary.json + results.nc) and/or batch folders"),
    out_dir: Path | None = typer.Option(None, "--out", help="where to write compare.xlsx and compare.html (default: the first DIR)"),
    year: int | None = typer.Option(None, "--year", help="year of the allocation differences (default: the last year)"),
) -> None:
    """Compare scenarios: KPIs side by side and allocation differences against the first scenario."""
    from .reports.files import check_out_dir
    from .studies.batch.compare import write_comparison

    try:
        check_out_dir(out_dir or dirs[0])
        paths = write_comparison(dirs, out_dir or dirs[0], year=year)
    except InputError as exc:
        fail(exc)
    out.print("wrote " + ", ".join(str(p) for p in paths.values()))


@app.command()
def stochastic(
    futures: Path = typer.Argument(..., help="futures YAML file (names the base scenario; data/futures/)"),
    out_dir: Path = typer.Option(..., "--out", help="output folder: results.nc (dimension future), builds.csv"),
    objective: str = typer.Option("expected", help="expected | cvar | regret"),
    lam: float = typer.Option(0.0, "--lambda", help="weight λ of CVaR (objective cvar)"),
    alpha: float = typer.Option(0.9, help="CVaR level α"),
    workers: int | None = typer.Option(None, "--workers", help="solve each future's own optimum as a batch "
                                       "on this many local Dask workers, full results in DIR/optima"),
    scheduler: str | None = typer.Option(None, "--scheduler", help="... or on an existing Dask scheduler, "
                                         "e.g. tcp://HOST:8786 (its workers must see --out at the same path)"),
    workspace: str | None = _workspace_option(),
) -> None:
    """Two-stage plan over a set of futures: first-stage builds shared, VSS, EVPI, regret."""
    from .reports import write_stochastic_outputs
    from .reports.files import check_out_dir
    from .reports.kpis import YUAN
    from .studies.limits import check_extensive_form, check_scheduler, workers_for
    from .studies.stochastic import OBJECTIVES, load_futures, results_dataset, solve_stochastic
    from .studies.stochastic.optima import own_optima_by_batch

    try:
        check_out_dir(out_dir)  # before any solve (issue 24)
        check_scheduler(scheduler)
        if objective not in OBJECTIVES:
            raise InputError("--objective", "objective", f"must be one of {', '.join(OBJECTIVES)}")
        if not (lam >= 0 and 0 <= alpha < 1):
            raise InputError("--lambda/--alpha", "lambda", "need λ ≥ 0 and 0 ≤ α < 1")
        ws = _open_workspace(workspace)
        fs = load_futures(futures)
        check_extensive_form(fs)
        workers, note = workers_for(workers, scheduler)
        if note:
            typer.echo(note, err=True)
        own = None
        if workers is not None or scheduler is not None:
            own = own_optima_by_batch(fs, out_dir / "optima", workers, scheduler)
        res = solve_stochastic(fs, objective, lam, alpha, own)
    except InputError as exc:
        fail(exc)
    ds = results_dataset(res, fs)
    files = write_stochastic_outputs(ds, out_dir)

    _register(ws, lambda w: w.stochastic_records(futures, ds, files["results.nc"], f"hubplan stochastic {futures} --out {out_dir}"))
    yi = YUAN.factor
    chosen = "" if objective == "expected" else f"{objective} optimum {res.objective_value / yi:,.2f} 亿元; "
    typer.echo(f"{len(fs)} futures; {chosen}RP {res.rp / yi:,.2f} 亿元, EEV {res.eev / yi:,.2f}, WS {res.ws / yi:,.2f}; "
               f"VSS {res.vss / yi:,.2f} 亿元, EVPI {res.evpi / yi:,.2f} 亿元 → {out_dir}")


workspace_app = typer.Typer(no_args_is_help=True, help="Saved scenarios and runs in a workspace (docs/workspace.md).")
app.add_typer(workspace_app, name="workspace")


@workspace_app.command("list")
def workspace_list(workspace: str = _workspace_option(required=True)) -> None:
    """List the saved runs and scenarios, newest first."""
    from .workspace import Workspace
    from .workspace.show import run_rows, scenario_rows

    try:
        ws = Workspace(workspace, create=False)
        runs, scenarios = run_rows(ws), scenario_rows(ws)
    except InputError as exc:
        fail(exc)
    for title, cols, rows in (("runs", ("run", "scenario", "source", "status", "objective", "results", "created"), runs),
                              ("scenarios", ("id", "name", "in the file", "parent", "runs", "hash", "created"), scenarios)):
        t = Table(title=f"{ws.location}: {len(rows)} {title}")
        for c in cols:
            t.add_column(c)
        for r in rows:
            t.add_row(*r)
        out.print(t)


@workspace_app.command("show")
def workspace_show(run: int = typer.Argument(..., help="run number (hubplan workspace list)"),
                   workspace: str = _workspace_option(required=True)) -> None:
    """One run: where it came from, its status, timings, versions and KPIs."""
    from .workspace import Workspace
    from .workspace.show import run_lines

    try:
        lines = run_lines(Workspace(workspace, create=False), run)
    except InputError as exc:
        fail(exc)
    t = Table(show_header=False)
    for k, v in lines:
        t.add_row(k, v)
    out.print(t)


@app.command()
def export(
    sources: list[Path] = typer.Argument(..., help="solve output folders, results.nc files or batch folders (--outputs full)"),
    fmt: str = typer.Option("iamc", "--format", help="iamc: long table model, scenario, region, variable, unit, year, "
                            "value (pyam; variables in docs/outputs.md)"),
    out_file: Path = typer.Option(Path("out/iamc.csv"), "--out", help="CSV file to write (UTF-8 with BOM)"),
) -> None:
    """Export results for other tools: the IAMC format energy and integrated-assessment models exchange."""
    from .reports.iamc import iamc_frame
    from .reports.sheets import write_csv

    try:
        if fmt != "iamc":
            raise InputError("--format", "format", f"unknown format '{fmt}'; the one there is: iamc")
        if out_file.is_dir():
            raise InputError(out_file, "--out", "is a folder; give a CSV file name")
        from .reports.files import check_out_dir
        check_out_dir(out_file.parent)
        df = iamc_frame(sources)
    except InputError as exc:
        fail(exc)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    write_csv(df, out_file)
    out.print(f"wrote {out_file}: {df['scenario'].nunique()} scenarios, {len(df):,} rows")


@app.command()
def alternatives(
    scenario: Path = typer.Argument(..., help="scenario YAML file"),
    slack: str = typer.Option("0.01", "--slack", help="cost budget above the optimum (0.01: within 1 %); several, "
                              "comma-separated (0.001,0.01,0.05): one folder each under --out and ranges_by_slack.csv"),
    out_dir: Path = typer.Option(Path("out/alternatives"), "--out", help="folder for ranges.csv, results.nc, report.xlsx, report.html"),
    spores_n: int = typer.Option(0, "--spores", help="also N SPORES plans: near-optimal and maximally different"),
    workers: int | None = typer.Option(None, "--workers", help="spread the aggregates over this many local Dask workers"),
    scheduler: str | None = typer.Option(None, "--scheduler", help="... or an existing Dask scheduler, e.g. tcp://HOST:8786"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Near-optimal alternatives: the range of every decision aggregate within cost ≤ (1 + slack) · optimum,
    robust or free, with the cost of reaching either end."""
    from .reports.alternatives import by_slack_table, key_rows, write_alternatives_outputs
    from .reports.files import check_out_dir
    from .reports.sheets import write_csv
    from .run import Planner
    from .studies.alternatives import check_slack, near_optimal, study_dataset
    from .studies.limits import check_scheduler, workers_for

    try:
        check_out_dir(out_dir)
        try:
            slacks = [float(v) for v in slack.split(",")]
        except ValueError:
            raise InputError("--slack", "slack", f"{slack!r} is not a number or a comma-separated list of numbers") from None
        for v in slacks:
            check_slack(v)
        if workers is not None and workers < 1:
            raise InputError("--workers", "workers", "must be at least 1")
        check_scheduler(scheduler)
        workers, note = workers_for(workers, scheduler)
        if note:
            typer.echo(note, err=True)
        sc, planner, done = load_scenario(scenario), Planner(), {}
        for v in slacks:  # one Planner: each slack starts from the same solved model
            study = near_optimal(sc, v, n_spores=spores_n, workers=workers, scheduler=scheduler, planner=planner)
            ds = study_dataset(study)
            where = out_dir if len(slacks) == 1 else out_dir / f"slack_{v:g}"
            paths = write_alternatives_outputs(ds, where)
            done[v] = ds
            if not quiet:
                t = Table(title=f"{sc.name}: within {100 * v:g} % of {study.optimum / 1e8:,.2f} 亿元")
                for c in ("aggregate", "optimum", "min", "max", "verdict"):
                    t.add_column(c)
                df = key_rows(ds)
                for r in df.itertuples():
                    t.add_row(f"{r.name_zh} {r.name_en}", f"{r.optimum:,.1f}", f"{r.min:,.1f}", f"{r.max:,.1f} {r.unit}", r.verdict)
                out.print(t)
                n_free = int((ds["agg_verdict"].values == "free").sum())
                out.print(f"{ds.sizes['aggregate']} aggregates: {n_free} free, {ds.sizes['aggregate'] - n_free} robust; "
                          f"{study.timings['solves']} warm re-solves; wrote {', '.join(str(p) for p in paths.values())}")
    except InputError as exc:
        fail(exc)
    if len(slacks) > 1:
        write_csv(by_slack_table(done), out_dir / "ranges_by_slack.csv")
        if not quiet:
            out.print(f"wrote {out_dir / 'ranges_by_slack.csv'}")


@app.command()
def sceptic(
    scenario: Path = typer.Argument(Path("data/scenarios/reference.yaml"), help="the reference scenario YAML file"),
    out_file: Path = typer.Option(Path("out/sensitivity.md"), "--out", help="Markdown file to write (the project's: docs/sensitivity.md)"),
    slack: float = typer.Option(0.001, "--slack", help="cost budget of the flatness ranges (0.001: within 0.1 % of the optimum)"),
) -> None:
    """The sceptic's sensitivity study: the reference and the variants a critic runs first, whether each
    answer moves the way an expert expects, and which answers are robust or free (model/studies/sceptic.py)."""
    from .atomic import write_bytes_atomic
    from .reports.files import check_out_dir
    from .studies.alternatives import check_slack
    from .studies.sceptic import sceptic_study
    from .studies.sceptic_doc import sensitivity_markdown

    try:
        if out_file.is_dir():
            raise InputError(out_file, "--out", "is a folder; give a Markdown file name")
        check_out_dir(out_file.parent)
        check_slack(slack)
        found = sceptic_study(load_scenario(scenario), slack=slack)
    except InputError as exc:
        fail(exc)
    command = f"hubplan sceptic {scenario.as_posix()} --out {out_file.as_posix()}" + (f" --slack {slack:g}" if slack != 0.001 else "")
    out_file.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(out_file, sensitivity_markdown(found, command).encode("utf-8"))
    bad = found.checks[~found.checks["holds"]]
    out.print(f"{len(found.answers)} runs; {len(found.checks) - len(bad)} of {len(found.checks)} expected directions hold; wrote {out_file}")
    for r in bad.itertuples():
        out.print(f"✗ {r.variant}: {r.metric} {r.expected} ({r.reference:,.4g} → {r.value:,.4g})")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
