"""The ground layer: settings, the canonical tables and their store, the vocabularies.

Everything else builds on these modules, and they import nothing from the rest of the
service (an import-linter contract in pyproject.toml keeps it so): settings, schema,
store and its lock, cadence, targets, bands, the event vocabulary, input errors, logging,
the data's freshness and the service database of keys and field reports.
"""
