"""Sedatives and other CNS depressants (kind `cns_depressants`): the drug classes that raise the risk of
respiratory depression and overdose when taken with an opioid (CDC 2022 Rec 11; FDA 2016 boxed warning
for benzodiazepines, FDA 2019 warning for gabapentinoids).

Each class says in its own words what the combination with an opioid means (`with_opioid`), with its
source, and whether the class by itself is a reason to offer naloxone (`naloxone_reason`, CDC 2022 Rec 8
names concurrent benzodiazepines). The opioid-safety rules read these as data: a clinic adds a class or
a drug by adding a pack, never by changing code.

Each drug is known by its id, name, synonyms (brand names) and RxNorm ingredient code; a code not
confirmed against RxNorm says `verified: false`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import ClassVar

from pydantic import Field, model_validator

from painpath.knowledge.schemas.common import NonEmptyStr, Pack, Slug, Sourced, Strict
from painpath.knowledge.schemas.medication_trials import RxNormCode

__all__ = ["DepressantClass", "DepressantDrug", "DepressantPack", "NaloxoneReason", "find_depressant"]


class DepressantDrug(Strict):
    id: Slug
    name: NonEmptyStr
    rxnorm: RxNormCode | None = None  # None: no confirmed code; the drug is then found by name only
    synonyms: list[NonEmptyStr] = Field(default_factory=list)
    with_opioid: NonEmptyStr | None = None  # added to the class's warning for this drug (carisoprodol)
    note: NonEmptyStr | None = None  # for whoever maintains the pack

    def names(self) -> list[str]:
        """Every name the drug answers to, lower-case: its id, name and synonyms."""
        return [n.lower() for n in (self.id.replace("_", " "), self.name, *self.synonyms)]

    def answers_to(self, key: str) -> bool:
        key = key.strip().lower()
        return key == self.id or key in self.names() or (self.rxnorm is not None and key == self.rxnorm.code)


class NaloxoneReason(Sourced):
    """The class is by itself a reason to offer naloxone to a patient on opioids, in these words."""

    words: NonEmptyStr  # "a benzodiazepine at the same time"


class DepressantClass(Sourced):
    """One class: its name in a sentence ("benzodiazepine"), what it means with an opioid, its drugs."""

    id: Slug  # also the prescription's stored drug_class
    name: NonEmptyStr
    with_opioid: NonEmptyStr  # the warning and what to do, shown on the pages and in the review task
    naloxone_reason: NaloxoneReason | None = None
    drugs: list[DepressantDrug] = Field(min_length=1)

    @model_validator(mode="after")
    def _drug_ids_unique(self) -> DepressantClass:
        ids = [d.id for d in self.drugs]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"each drug may appear once in a class; repeated: {', '.join(repeated)}")
        return self


class DepressantPack(Pack):
    collection: ClassVar[str] = "depressant_classes"
    depressant_classes: list[DepressantClass]

    def reference_problems(self) -> list[tuple[str, str]]:
        """A name or RxNorm code that two drugs answer to would make the class a guess."""
        problems: list[tuple[str, str]] = []
        seen: dict[str, tuple[str, str]] = {}  # name or code -> (where, drug id)
        for c, cls in enumerate(self.depressant_classes):
            for d, drug in enumerate(cls.drugs):
                where = f"depressant_classes[{c}].drugs[{d}]"
                keys = [("name", n) for n in dict.fromkeys(drug.names())]
                if drug.rxnorm is not None:
                    keys.append(("rxnorm", drug.rxnorm.code))
                for field, key in keys:
                    if key in seen and seen[key][1] != drug.id:
                        problems.append((f"{where}.{field}", f"{key!r} is already used by {seen[key][1]} at {seen[key][0]}"))
                    seen.setdefault(key, (where, drug.id))
        return problems


def find_depressant(classes: Mapping[str, DepressantClass], keys: Iterable[str]) -> tuple[DepressantClass, DepressantDrug] | None:
    """The class and drug that any of `keys` (id, name, synonym or RxNorm code) names; None when none does."""
    wanted = [k for k in keys if k and k.strip()]
    for cls in classes.values():
        for drug in cls.drugs:
            if any(drug.answers_to(k) for k in wanted):
                return cls, drug
    return None
