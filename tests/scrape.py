"""GET /metrics read with prometheus_client's own parser, as Prometheus would read it."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families


@dataclass(frozen=True)
class Scrape:
    """Every sample of one scrape: (sample name, labels) -> value, and each family's type."""

    samples: dict[tuple[str, frozenset[tuple[str, str]]], float]
    types: dict[str, str]

    @classmethod
    def parse(cls, text: str) -> Scrape:
        samples: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
        types: dict[str, str] = {}
        for family in text_string_to_metric_families(text):
            types[family.name] = family.type
            for sample in family.samples:
                samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
        return cls(samples, types)

    def value(self, name: str, **labels: str) -> float:
        """One sample's value; a sample that is not there fails the test, naming it."""
        key = (name, frozenset(labels.items()))
        if key not in self.samples:
            near = sorted(str(dict(k[1])) for k in self.samples if k[0] == name)
            raise AssertionError(f"no sample {name}{labels}; there are: {near}")
        return self.samples[key]

    def total(self, name: str, **labels: str) -> float:
        """The sum over every sample of `name` whose labels include `labels`."""
        wanted = set(labels.items())
        return sum(v for (n, ls), v in self.samples.items() if n == name and wanted <= ls)
