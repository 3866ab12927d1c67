"""Command line: ``hubplan solve | validate`` (batch commands live in batch_cli.py).

Bad input prints one line naming the file, the field and the problem, and exits with code 2.
"""
from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from .errors import InputError
from .scenario import apply_changes, load_scenario

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Capacity and allocation planner for China's national compute hubs (东数西算).")
out = Console()


def fail(exc: InputError) -> None:
    typer.echo(f"error: {exc.line()}", err=True)  # plain echo: one line, never wrapped
    raise typer.Exit(2)


def _print_summary(s: dict) -> None:
    t = Table(title=f"{s['scenario']} — {s['status']}", show_header=False)
    t.add_row("objective (discounted yuan)", f"{s['objective']:,.0f}")
    for k, v in s["costs"].items():
        t.add_row(f"  {k}", f"{v:,.0f}")
    t.add_row("emissions (tCO2)", f"{s['emissions_tco2']:,.0f}")
    t.add_row("unmet (rack-years)", f"{s['unmet']['total_rack_years']:,.1f}")
    for k, v in s["unmet"]["by_reason"].items():
        t.add_row(f"  {k}", f"{v:,.1f}")
    for w, v in s["latency_weighted_ms"].items():
        t.add_row(f"latency {w} (ms)", "—" if v is None else f"{v:.2f}")
    for b, v in s["baselines"].items():
        if b != "optimum":
            t.add_row(f"baseline {b}: cost / tCO2 / unmet", f"{v['objective']:,.0f} / {v['emissions_tco2']:,.0f} / {v['unmet_rack_years']:,.0f}")
    for line in s["shadow_prices"][:3]:
        t.add_row("shadow price", line)
    t.add_row("time build / solve / total (s)",
              f"{s['timings']['build_s']:.3f} / {s['timings']['solve_s']:.3f} / {s['timings']['total_s']:.3f}")
    out.print(t)


@app.command()
def solve(
    scenario: Path = typer.Argument(..., help="scenario YAML file"),
    out_dir: Path = typer.Option(Path("out"), "--out", help="folder for summary.json, allocation.csv, results.nc, report.xlsx"),
    write_model: Path | None = typer.Option(None, "--write-model", help="also write the LP handed to HiGHS (.mps)"),
    html: bool = typer.Option(False, "--html", help="also write an offline report.html"),
    baselines: bool = typer.Option(False, "--baselines", help="also evaluate nearest/cheapest/greenest rule baselines"),
    time_limit: float | None = typer.Option(None, "--time-limit", help="solver time limit in seconds"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Solve one scenario and write its results."""
    from .report import write_outputs
    from .results import summary
    from .run import solve_scenario

    try:
        sc = load_scenario(scenario)
        if time_limit is not None:
            if not 0 < time_limit <= 86400:
                raise InputError("--time-limit", "time_limit", "must be > 0 and ≤ 86400 seconds")
            sc = apply_changes(sc, {"solver.time_limit_s": time_limit})
        res = solve_scenario(sc, write_model=str(write_model) if write_model else None, baselines=baselines)
    except InputError as exc:
        fail(exc)
    write_outputs(res, out_dir, html=html)
    s = summary(res)
    if not quiet:
        _print_summary(s)
        out.print(f"wrote {out_dir}/summary.json, allocation.csv, results.nc, report.xlsx" + (", report.html" if html else ""))
    if not res.attrs["status"].startswith(("optimal", "time limit (incumbent)")):
        typer.echo(f"no optimal solution: {res.attrs['status']}", err=True)
        for c in s["conflicts"]:
            typer.echo(f"  conflicting: {c['constraint']} {c['index']}: {c['text']}", err=True)
        raise typer.Exit(1)


@app.command()
def validate(scenario: Path = typer.Argument(..., help="scenario YAML file")) -> None:
    """Check a scenario and its dataset without solving."""
    from .inputs import build_inputs

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
    from .charts import frontier_chart
    from .frontier import cost_carbon_frontier

    try:
        df = cost_carbon_frontier(load_scenario(scenario), points)
    except InputError as exc:
        fail(exc)
    out_dir.mkdir(parents=True, exist_ok=True)
    df.to_csv(out_dir / "frontier.csv", index=False)
    frontier_chart(df).write_html(out_dir / "frontier.html", include_plotlyjs=True)
    t = Table(title="cost–carbon frontier")
    for c in ("emissions (tCO2)", "cost (yuan)", "abatement (yuan/t)", "status"):
        t.add_column(c)
    for r in df.itertuples():
        t.add_row(f"{r.emissions_t:,.0f}", f"{r.objective:,.0f}", f"{r.abatement_cost_yuan_per_t:,.1f}", r.status)
    out.print(t)
    out.print(f"wrote {out_dir}/frontier.csv, frontier.html")


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
