"""Source readers: each turns one kind of raw file into a frame conformed to a canonical table,
or raises ``InputError`` naming every bad file/row/field (nothing partial is returned)."""

from forecast.sources.acled import read_acled
from forecast.sources.ucdp import read_ucdp

__all__ = ["read_acled", "read_ucdp"]
