"""Jobs that run the layers below in order: the weekly retrain (ingest, panel, backtest,
train, gate, register, score)."""
