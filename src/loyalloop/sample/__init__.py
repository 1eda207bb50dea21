"""Seeded sample data with known truth: a bank's credit-card unit or a retailer.

>>> from loyalloop.sample import generate, write_sample
>>> sample = generate(customers=10_000, seed=0)            # doctest: +SKIP
>>> write_sample(sample, "sample-data")                    # doctest: +SKIP

The purchase process is BG/NBD with Gamma-Gamma spend, so CLV models can be checked against
``sample.truth`` (per customer) and ``sample.params`` (population, time unit: weeks); feedback
scores and comments follow a latent satisfaction recorded in the truth.
"""

from __future__ import annotations

from loyalloop.sample._params import BUSINESSES, PopulationParams, population
from loyalloop.sample.generator import SampleData, generate
from loyalloop.sample.io import TABLE_FILES, write_sample

__all__ = [
    "BUSINESSES",
    "TABLE_FILES",
    "PopulationParams",
    "SampleData",
    "generate",
    "population",
    "write_sample",
]
