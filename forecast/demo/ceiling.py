"""How much room the demo world leaves above the history baseline, and across its seeds.

The demo world's generator knows what drives its violence (forecast.demo: log intensity =
base + self-excitation + spread + presence + noise, all in ``truth.parquet``). That makes
two checks possible that real data never allows:

- **Oracles.** Forecasters that know some components of this week's true intensity
  (p = 1 - exp(-h x intensity), as if it held for the h weeks) scored by average precision
  on the backtest's rows, beside the model and the logistic history baseline. Knowing
  every component but the noise bounds what a forecaster reading the files could reach;
  knowing base and self-excitation only is a perfect history model.
- **Seeds.** The model minus the best baseline on AP, Brier score and log loss for several
  world seeds, so a difference can be told from the seed's luck, and the champion gate's
  verdict against the baselines (log loss with its paired block bootstrap: P is the share
  of resamples where the model beats the best baseline).

``python -m forecast.demo.ceiling --seed 20131 --seed 1 --horizon 4`` prints both (about 30 s
per seed on two cores). docs/EVALUATION.md gives the figures.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
import typer
from sklearn.metrics import average_precision_score

from forecast.core import vocab
from training.backtest import MODEL, BacktestResult, backtest
from training.baselines import BASELINES
from training.gate import GateRule
from training.tracking import gate

# The generator's event types behind each target (fatal depends on drawn fatalities).
ORACLE_TYPES: dict[str, tuple[str, ...]] = {
    "any": tuple(sorted(vocab.POLITICAL_VIOLENCE)),
    "civilians": tuple(sorted(vocab.CIVILIAN_TARGETING)),
    "abduction": (vocab.ABDUCTION,),
}
# Oracle name -> the log-intensity components it knows (noise is a component of its own).
ORACLES: dict[str, tuple[str, ...]] = {
    "history (base + self)": ("base", "self"),
    "history + presence": ("base", "self", "presence"),
    "history + spread": ("base", "self", "spread"),
    "all but noise": ("base", "self", "spread", "presence"),
    "all": ("base", "self", "spread", "presence", "noise"),
}
COMPARED = ("average_precision", "brier", "log_loss")


def oracle_probability(
    truth: pl.DataFrame, target: str, horizon: int, parts: tuple[str, ...]
) -> pl.DataFrame:
    """district_code, week, probability of the oracle knowing ``parts`` (pure)."""
    noise = pl.col("log_noise") if "noise" in parts else pl.lit(0.0)
    known = [p for p in parts if p != "noise"]
    intensity = pl.sum_horizontal(
        (pl.sum_horizontal(pl.col(f"log_{p}_{kind}") for p in known) + noise).exp()
        for kind in ORACLE_TYPES[target]
    )
    return truth.select(
        "district_code",
        "week",
        (1.0 - (-horizon * intensity).exp()).alias("probability"),
    )


def oracle_table(truth: pl.DataFrame, result: BacktestResult) -> pl.DataFrame:
    """AP of each oracle, the model and the logistic baseline on the backtest's rows."""
    rows = result.predictions.rename({"issue_week": "week"})
    y = rows["observed"].to_numpy()
    out = [
        {
            "forecaster": "model",
            "average_precision": average_precision_score(y, rows["probability"]),
        },
        {
            "forecaster": "logistic",
            "average_precision": average_precision_score(y, rows["logistic"]),
        },
    ]
    for name, parts in ORACLES.items():
        p = rows.join(
            oracle_probability(truth, result.target, result.horizon, parts),
            on=["district_code", "week"],
            how="left",
            suffix="_oracle",
        )["probability_oracle"]
        out.append(
            {"forecaster": f"oracle: {name}", "average_precision": average_precision_score(y, p)}
        )
    return pl.DataFrame(out).with_columns(
        pl.lit(result.target).alias("target"), pl.lit(result.horizon).alias("horizon")
    )


def margins(result: BacktestResult, rule: GateRule | None = None) -> dict[str, object]:
    """The model minus the best baseline on each compared metric (negative Brier/log loss
    differences are the model's gain); with a gate ``rule``, the bootstrap's P against the
    best baseline on the gate metric and whether the gate passes (every baseline)."""
    row: dict[str, object] = {"target": result.target, "horizon": result.horizon}
    for metric in COMPARED:
        values = {name: result.metric(metric, name) for name in BASELINES}
        pick = min if metric != "average_precision" else max
        best = pick(values, key=values.__getitem__)
        row[f"{metric}_model"] = round(result.metric(metric, MODEL), 4)
        row[f"{metric}_best_baseline"] = best
        row[f"{metric}_margin"] = round(result.metric(metric, MODEL) - values[best], 4)
    if rule is not None:
        decision = gate(result, rule)
        closest = min(decision.comparisons, key=lambda c: c.gain)
        row["gate_baseline"] = closest.name
        row["gate_p"] = round(closest.bootstrap.p_better, 3)
        row["gate_pass"] = decision.promote
    return row


def world_results(
    seed: int, horizon: int, targets: list[str], folder: Path
) -> tuple[pl.DataFrame, list[BacktestResult]]:
    """Build the demo world of ``seed`` in ``folder`` and backtest every target."""
    from forecast.core.store import Store
    from forecast.demo import DemoParams, build_demo
    from forecast.ingest import ingest_demo_files
    from training.dataset import dataset_from_store

    files = build_demo(folder / "demo", DemoParams(seed=seed))
    with Store(folder / "forecast.duckdb") as store:
        ingest_demo_files(store, files)
        ds = dataset_from_store(store, [horizon], targets)
    results = [backtest(ds, target, horizon, seed=seed) for target in targets]
    return pl.read_parquet(files.truth), results


def main(
    seed: list[int] = typer.Option([20131], help="World seeds (repeat the option)."),
    horizon: int = typer.Option(4, min=1, help="Forecast horizon, weeks."),
    target: list[str] = typer.Option(list(vocab.TARGETS), help="Targets (repeat)."),
    metric: str = typer.Option("log_loss", help="The gate's metric."),
    resamples: int = typer.Option(1000, min=500, help="The gate's bootstrap resamples."),
    confidence: float = typer.Option(0.9, help="The gate's confidence."),
) -> None:
    """Print the oracle table of the first seed, the model's margins for every seed and
    how many target-seeds pass the champion gate against the baselines."""
    pl.Config.set_tbl_rows(100)
    pl.Config.set_tbl_width_chars(200)
    margin_rows = []
    for i, s in enumerate(seed):
        with tempfile.TemporaryDirectory() as tmp:
            truth, results = world_results(s, horizon, target, Path(tmp))
        if i == 0:
            oracles = [oracle_table(truth, r) for r in results if r.target in ORACLE_TYPES]
            typer.echo(f"Oracles, seed {s}, h={horizon} (average precision):")
            table = pl.concat(oracles).select("forecaster", "target", "average_precision")
            typer.echo(
                str(
                    table.pivot("target", index="forecaster").with_columns(
                        pl.selectors.float().round(4)
                    )
                )
            )
        # The bootstrap is seeded like the run that fitted the model: the world's seed.
        rule = GateRule(metric=metric, resamples=resamples, confidence=confidence, seed=s)
        margin_rows += [{"seed": s, **margins(r, rule)} for r in results]
    frame = pl.DataFrame(margin_rows)
    typer.echo(
        "Model minus the best baseline (AP: higher is better; Brier, log loss: lower), "
        f"and the gate's bootstrap on {metric} against that baseline:"
    )
    shown = ("seed", "target", pl.col("^.*_margin$"), "gate_baseline", "gate_p", "gate_pass")
    typer.echo(str(frame.select(*shown)))
    mean = frame.group_by("target", maintain_order=True).agg(
        pl.col("^.*_margin$").mean().round(4),
        (pl.col("average_precision_margin") > 0).sum().alias("ap_wins"),
    )
    typer.echo(f"Mean margins over {len(seed)} seeds (AP wins counted):")
    typer.echo(str(mean))
    block = rule.block(horizon)
    typer.echo(
        f"The gate ({metric}, {confidence:.0%} confidence, {resamples} resamples, blocks of "
        f"{block} issue weeks) passes {int(frame['gate_pass'].sum())} of {frame.height} "
        "target-seeds (the model beats every baseline)."
    )


if __name__ == "__main__":
    typer.run(main)
