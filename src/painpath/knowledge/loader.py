"""Load and validate knowledge packs into one immutable Knowledge object.

Nothing is cached here: callers (the web app, the CLI, tests) decide how long a Knowledge lives, so
a test can load a clinic's bad pack without poisoning the next test.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from datetime import date, timedelta
from types import MappingProxyType
from typing import Any, TypeVar, get_args

import yaml
from pydantic import BaseModel, ValidationError

from painpath.knowledge.errors import PackError
from painpath.knowledge.schemas import PACK_KINDS, Pack, PackHeader, Payer, PlanType, RedFlagPack
from painpath.knowledge.schemas import MedicationTrialPack, MedicationTrials
from painpath.knowledge.schemas import Instrument, Procedure
from painpath.knowledge.schemas import PROCEDURE_REFERENCING_CRITERIA, AuthorizationPolicyPack, Policy, SharedDecisionCriterion
from painpath.knowledge.schemas import Pathway, PathwayPack, pathway_references
from painpath.knowledge.schemas import PtProtocol
from painpath.knowledge.schemas import OpioidKnowledge, build_opioid_knowledge
from painpath.knowledge.schemas import BodyRegion, DepressantClass
from painpath.knowledge.schemas import ReferralLoopTimings, ReferralSpecialty, ReferralSpecialtyPack
from painpath.knowledge.schemas import BehaviouralHealthPack, SupportStrategy
from painpath.knowledge.schemas import ImagingCentre, ImagingRulesPack
from painpath.knowledge.schemas import WorkersCompPack, WorkRestrictionsPack
from painpath.knowledge.schemas import CheckinsPack
from painpath.knowledge.schemas import CrisisResourcesPack, RemindersPack
from painpath.knowledge.schemas import PriceEntry
from painpath.knowledge.schemas import DrugPrice, TherapyPricePack
from painpath.knowledge.schemas import OutcomeMeasuresPack

BUILTIN_PACKS_DIR = Path(__file__).parent / "packs"

M = TypeVar("M", bound=BaseModel)
P = TypeVar("P", bound=Pack)


@dataclass(frozen=True)
class LoadedPack:
    """A pack's header and the file it came from, for `painpath packs check`."""

    header: PackHeader
    file: Path


@dataclass(frozen=True)
class Knowledge:
    """Everything the packs say, merged across files. Read-only: it is shared between requests."""

    payers: Mapping[str, Payer]
    packs: tuple[LoadedPack, ...]
    red_flags: RedFlagPack  # the spine red-flag screen; exactly one is loaded
    # Adequate-trial definitions and payer step-therapy overrides, merged; None only when built by hand.
    medication_trials: MedicationTrials | None = None
    # Validated instruments (kind `instrument`, one per file under packs/instruments/), by instrument id.
    instruments: Mapping[str, Instrument] = field(default_factory=lambda: MappingProxyType({}))
    # The procedure catalogue (kind `procedures`), by procedure id.
    procedures: Mapping[str, Procedure] = field(default_factory=lambda: MappingProxyType({}))
    # Payer authorization policies (kind `authorization_policy`, packs/policies/), by policy id: the earliest
    # version of each. A later version (the same id with a later `effective_from`, in a later pack or a clinic
    # directory) ends the one before it the day before it starts; `policy_versions` holds them all and
    # `policy_on` picks the one in force on a day.
    policies: Mapping[str, Policy] = field(default_factory=lambda: MappingProxyType({}))
    policy_versions: Mapping[str, tuple[Policy, ...]] = field(default_factory=lambda: MappingProxyType({}))
    # Packs marked `status: draft` in the directories: read and checked, never used for a decision.
    draft_packs: tuple[LoadedPack, ...] = ()
    # Care pathways (kind `pathway`, one per file under packs/pathways/), by pathway id.
    pathways: Mapping[str, Pathway] = field(default_factory=lambda: MappingProxyType({}))
    # Each pathway's pack version: a care plan records the version it started under.
    pathway_versions: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    # PT protocols (kind `pt_protocol`, one per file under packs/pt_protocols/), by protocol id.
    pt_protocols: Mapping[str, PtProtocol] = field(default_factory=lambda: MappingProxyType({}))
    # Tablet strengths of oral products (kind `tablet_strengths`), by product id: the taper planner rounds to them.
    tablet_products: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    # RxNorm clinical and branded drug codes (kind `rxnorm_products`), by RxCUI: product -> ingredient and strength.
    rxnorm_products: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    # MME factor sets (kind `opioid_factors`) and opioid safety thresholds (kind `opioid_thresholds`).
    opioids: OpioidKnowledge | None = None
    # Sedatives and other CNS depressants (kind `cns_depressants`), by class id: warnings with opioids.
    depressant_classes: Mapping[str, DepressantClass] = field(default_factory=lambda: MappingProxyType({}))
    # The pain diagram's coded body regions (kind `body_regions`), by region id, in the packs' order.
    body_regions: Mapping[str, BodyRegion] = field(default_factory=lambda: MappingProxyType({}))
    # Referral specialties (kind `referral_specialties`), by id, and the referral loop's timings per urgency.
    referral_specialties: Mapping[str, ReferralSpecialty] = field(default_factory=lambda: MappingProxyType({}))
    referral_timings: ReferralLoopTimings | None = None
    # Score thresholds that owe a behavioural-health offer (kind `behavioural_health`, at most one pack).
    behavioural_health: BehaviouralHealthPack | None = None
    # Strategies a clinician adds to a care plan (kind `support_strategies`), by id, in the packs' order.
    support_strategies: Mapping[str, SupportStrategy] = field(default_factory=lambda: MappingProxyType({}))
    # Imaging centres the clinic sends orders to (kind `imaging_centres`), by centre id, and the imaging
    # rules with the order-loop timings (kind `imaging_rules`, one pack); None only when built by hand.
    imaging_centres: Mapping[str, ImagingCentre] = field(default_factory=lambda: MappingProxyType({}))
    imaging_rules: ImagingRulesPack | None = None
    # Forms the clinic fills from the chart (kind `form_definitions`), by form id.
    form_definitions: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    # Work restrictions' and return-to-work timings (kind `work_restrictions`, one pack); None only when built by hand.
    work_restrictions: WorkRestrictionsPack | None = None
    # The clinic's workers' compensation turnarounds (kind `workers_comp`, one pack); None only when built by hand.
    workers_comp: WorkersCompPack | None = None
    # Check-in cadences (kind `checkins`, one pack); None only when built by hand.
    checkins: CheckinsPack | None = None
    # The portal's reminder timing and crisis lines (kinds `reminders`, `crisis_resources`); None only when built by hand.
    reminders: RemindersPack | None = None
    crisis_resources: CrisisResourcesPack | None = None
    # Public allowed amounts per CPT and site (kind `prices`), by entry id, and a clinic's negotiated rates
    # per payer (kind `negotiated_rates`), by entry id; `price_for` merges them.
    prices: Mapping[str, PriceEntry] = field(default_factory=lambda: MappingProxyType({}))
    negotiated_rates: Mapping[str, PriceEntry] = field(default_factory=lambda: MappingProxyType({}))
    # The cheaper alternatives an estimate shows: PT prices at a community clinic and a hospital department
    # (kind `therapy_prices`, one pack; None only when built by hand) and generic vs brand drug prices
    # (kind `drug_prices`), by drug id.
    therapy_prices: TherapyPricePack | None = None
    drug_prices: Mapping[str, DrugPrice] = field(default_factory=lambda: MappingProxyType({}))
    # The outcomes dashboard's clinical settings (kind `outcome_measures`, one pack); None only when built by hand.
    outcome_measures: OutcomeMeasuresPack | None = None

    def price_entries(self, cpt: str, payer_id: str | None) -> tuple[PriceEntry | None, PriceEntry | None]:
        """(the public price of a CPT code, the payer's negotiated rate for it), either None when absent."""
        public = next((e for e in self.prices.values() if e.cpt == cpt), None)
        negotiated = next((e for e in self.negotiated_rates.values() if e.cpt == cpt and payer_id and e.payer == payer_id), None)
        return public, negotiated

    def all_policies(self) -> list[Policy]:
        """Every version of every policy (a Knowledge built by hand may give only `policies`)."""
        if self.policy_versions:
            return [version for versions in self.policy_versions.values() for version in versions]
        return list(self.policies.values())

    def policy_on(self, policy_id: str, day: date) -> Policy:
        """The version of a policy in force on `day`; outside every version's dates, the nearest one before
        the day (or the first), so a case opened under a policy that has since ended still reads its rules."""
        versions = self.policy_versions.get(policy_id) or (self.policies[policy_id],)
        started = [v for v in versions if v.effective_from <= day]
        return started[-1] if started else versions[0]

    def payer(self, payer_id: str) -> Payer:
        try:
            return self.payers[payer_id]
        except KeyError:
            known = ", ".join(sorted(self.payers)) or "(none)"
            raise KeyError(f"unknown payer id {payer_id!r}; known payer ids: {known}") from None

    def instrument(self, instrument_id: str) -> Instrument:
        try:
            return self.instruments[instrument_id]
        except KeyError:
            known = ", ".join(sorted(self.instruments)) or "(none)"
            raise KeyError(f"unknown instrument id {instrument_id!r}; known instrument ids: {known}") from None

    def payers_by_plan_type(self, plan_type: PlanType) -> list[Payer]:
        # A misspelt plan type would otherwise return [] and look like "no payers of that kind".
        if plan_type not in get_args(PlanType):
            raise ValueError(f"unknown plan type {plan_type!r}; known: {', '.join(get_args(PlanType))}")
        return [p for p in self.payers.values() if p.plan_type == plan_type]


def load_knowledge(extra_dirs: Sequence[Path | str] = (), drafts: Sequence[Path | str] = ()) -> Knowledge:
    """Load the built-in packs, then each extra directory in order; raise PackError on the first bad one.

    Packs marked `status: draft` are checked and listed (`draft_packs`) but left out. `drafts` are pack files
    loaded as if they were in force: the Knowledge a clinic's draft would make, for a preview only.
    """
    loaded: list[LoadedPack] = []
    collections: dict[str, dict[str, Any]] = {}
    first_seen: dict[tuple[str, str], tuple[Path, str]] = {}  # (collection or "pack", id) -> where
    singles: dict[str, tuple[Pack, Path]] = {}  # kind -> the one pack of a `single` kind
    trial_packs: list[tuple[MedicationTrialPack, Path]] = []  # payer overrides are checked after the loop
    policy_packs: list[tuple[AuthorizationPolicyPack, Path]] = []  # their references are checked after the loop
    pathway_packs: list[tuple[PathwayPack, Path]] = []  # so are theirs (procedures, instruments)
    referral_timings: tuple[ReferralLoopTimings, Path] | None = None  # exactly one pack gives them

    drafts_loaded: list[LoadedPack] = []
    previewed = {Path(d).resolve() for d in drafts}
    # A previewed draft that sits in a configured directory is read once, last, as if in force.
    in_dirs = [f for f in _pack_files([BUILTIN_PACKS_DIR, *map(Path, extra_dirs)]) if not previewed or f.resolve() not in previewed]
    versions: dict[str, list[Policy]] = {}
    for file in [*in_dirs, *map(Path, drafts)]:
        pack = _read_pack(file)
        if pack.pack.status == "draft" and (not previewed or file.resolve() not in previewed):
            drafts_loaded.append(LoadedPack(header=pack.pack, file=file))
            continue
        _claim(first_seen, ("pack", pack.pack.id), file, "pack.id")
        if pack.single:
            _claim_single(singles, pack, file)
            loaded.append(LoadedPack(header=pack.pack, file=file))
            continue
        items = getattr(pack, pack.collection)
        merged = collections.setdefault(pack.collection, {})
        for index, item in enumerate(items):
            if isinstance(item, Policy) and _is_new_version(versions.get(item.id, []), item):
                versions[item.id].append(item)
                continue
            _claim(first_seen, (pack.collection, item.id), file, f"{pack.collection}[{index}].id")
            merged[item.id] = item
            if isinstance(item, Policy):
                versions[item.id] = [item]
        loaded.append(LoadedPack(header=pack.pack, file=file))
        if isinstance(pack, MedicationTrialPack):
            trial_packs.append((pack, file))
        if isinstance(pack, AuthorizationPolicyPack):
            policy_packs.append((pack, file))
        if isinstance(pack, PathwayPack):
            pathway_packs.append((pack, file))
        if isinstance(pack, ReferralSpecialtyPack) and pack.loop_timings is not None:
            if referral_timings is not None:
                raise PackError(file, "loop_timings", f"the referral loop timings are already given in {referral_timings[1]}; "
                                "a clinic adds specialties without timings, or replaces that file")
            referral_timings = (pack.loop_timings, file)

    policy_versions = _end_earlier_versions(versions)
    collections["policies"] = {policy_id: found[0] for policy_id, found in policy_versions.items()}
    _check_policies(policy_packs, collections, policy_versions)
    _check_pathways(pathway_packs, collections)
    _check_depressants(collections, first_seen)
    behavioural = singles.get("behavioural_health")
    if behavioural is not None:
        _check_behavioural(*behavioural, collections.get("instruments", {}))  # type: ignore[arg-type]
    _check_imaging_rules(singles)
    _check_prices(collections, first_seen)

    return Knowledge(
        payers=MappingProxyType(collections.get("payers", {})),
        packs=tuple(loaded),
        red_flags=_the_single(singles, "red_flags", RedFlagPack),
        medication_trials=_medication_trials(trial_packs, collections),
        instruments=MappingProxyType(collections.get("instruments", {})),
        procedures=MappingProxyType(collections.get("procedures", {})),
        policies=MappingProxyType(collections.get("policies", {})),
        policy_versions=MappingProxyType(policy_versions),
        draft_packs=tuple(drafts_loaded),
        pathways=MappingProxyType(collections.get("pathways", {})),
        pathway_versions=MappingProxyType({pw.id: pack.pack.version for pack, _file in pathway_packs for pw in pack.pathways}),
        pt_protocols=MappingProxyType(collections.get("pt_protocols", {})),
        tablet_products=MappingProxyType(collections.get("tablet_products", {})),
        rxnorm_products=MappingProxyType(collections.get("rxnorm_products", {})),
        opioids=_opioids(collections, singles, first_seen),
        depressant_classes=MappingProxyType(collections.get("depressant_classes", {})),
        body_regions=MappingProxyType(collections.get("body_regions", {})),
        referral_specialties=MappingProxyType(collections.get("referral_specialties", {})),
        referral_timings=referral_timings[0] if referral_timings else None,
        behavioural_health=behavioural[0] if behavioural is not None else None,  # type: ignore[arg-type]
        support_strategies=MappingProxyType(collections.get("support_strategies", {})),
        imaging_centres=MappingProxyType(collections.get("imaging_centres", {})),
        imaging_rules=_optional_single(singles, "imaging_rules", ImagingRulesPack),
        form_definitions=MappingProxyType(collections.get("form_definitions", {})),
        work_restrictions=_optional_single(singles, "work_restrictions", WorkRestrictionsPack),
        workers_comp=_optional_single(singles, "workers_comp", WorkersCompPack),
        checkins=_optional_single(singles, "checkins", CheckinsPack),
        reminders=_optional_single(singles, "reminders", RemindersPack),
        crisis_resources=_optional_single(singles, "crisis_resources", CrisisResourcesPack),
        prices=MappingProxyType(collections.get("prices", {})),
        negotiated_rates=MappingProxyType(collections.get("negotiated_rates", {})),
        therapy_prices=_optional_single(singles, "therapy_prices", TherapyPricePack),
        drug_prices=MappingProxyType(collections.get("drug_prices", {})),
        outcome_measures=_optional_single(singles, "outcome_measures", OutcomeMeasuresPack),
    )


def read_policies(source: Path | str) -> list[Policy]:
    """The policies of an authorization-policy pack file, or of every such pack under a directory, checked
    pack by pack (draft or not): what `painpath packs diff` and the draft preview compare."""
    source = Path(source)
    files = list(_pack_files([source])) if source.is_dir() else [source]
    found: list[Policy] = []
    for file in files:
        pack = _read_pack(file)
        if isinstance(pack, AuthorizationPolicyPack):
            found.extend(pack.policies)
        elif not source.is_dir():
            raise PackError(file, "pack.kind", f"a {pack.pack.kind} pack; a policy change needs an authorization_policy pack")
    return found


def _is_new_version(earlier: Sequence[Policy], policy: Policy) -> bool:
    """A policy whose id is already loaded is its next version when it starts after every version before it
    (a payer's revision in a later pack, or a clinic's copy with the new rules); the same start is a clash."""
    return bool(earlier) and all(policy.effective_from > e.effective_from for e in earlier)


def _end_earlier_versions(versions: Mapping[str, list[Policy]]) -> dict[str, tuple[Policy, ...]]:
    """Each policy's versions, earliest first, each ending the day before the next one starts."""
    ended: dict[str, tuple[Policy, ...]] = {}
    for policy_id, found in versions.items():
        ordered = sorted(found, key=lambda p: p.effective_from)
        out = []
        for version, following in zip(ordered, [*ordered[1:], None]):
            if following is not None:
                last_day = following.effective_from - timedelta(days=1)
                if version.effective_to is None or version.effective_to > last_day:
                    version = version.model_copy(update={"effective_to": last_day})
            out.append(version)
        ended[policy_id] = tuple(out)
    return ended


def _check_prices(collections: Mapping[str, Mapping[str, Any]], first_seen: Mapping[tuple[str, str], tuple[Path, str]]) -> None:
    """One public price per CPT code and one negotiated rate per payer and code (two would make the estimate
    depend on file order), and each negotiated rate names a payer of the directory."""
    payers = collections.get("payers", {})
    for kind in ("prices", "negotiated_rates"):
        seen: dict[tuple[str | None, str], str] = {}
        for entry_id, entry in collections.get(kind, {}).items():
            file, where = _where(first_seen[(kind, entry_id)])
            key = (entry.payer, entry.cpt)
            if key in seen:
                raise PackError(file, f"{where}.cpt", f"CPT {entry.cpt} is already priced by {seen[key]!r}"
                                + (f" for payer {entry.payer}" if entry.payer else ""))
            seen[key] = entry_id
            if entry.payer is not None and entry.payer not in payers:
                raise PackError(file, f"{where}.payer", f"unknown payer id {entry.payer!r}; known payer ids: {', '.join(sorted(payers))}")


def _opioids(
    collections: Mapping[str, Mapping[str, Any]],
    singles: Mapping[str, tuple[Pack, Path]],
    first_seen: Mapping[tuple[str, str], tuple[Path, str]],
) -> OpioidKnowledge | None:
    """The factor sets with the file each came from (a fallback may name another file's set), and the thresholds."""
    sets = {
        set_id: (factor_set, *_where(first_seen[("factor_sets", set_id)]))
        for set_id, factor_set in collections.get("factor_sets", {}).items()
    }
    thresholds = singles.get("opioid_thresholds")
    ort = collections.get("instruments", {}).get("ort")
    ort_bands = {band.label for band in ort.bands.ranges} if ort is not None and ort.bands is not None else None
    return build_opioid_knowledge(sets, thresholds, ort_bands)  # type: ignore[arg-type]


def _check_depressants(collections: Mapping[str, Mapping[str, Any]], first_seen: Mapping[tuple[str, str], tuple[Path, str]]) -> None:
    """A sedative must not answer to an opioid's name or code (the opioid would win, silently), and a drug
    the medication-trial packs also list must be of the same class there (its stored class decides)."""
    opioid_keys = {
        key: opioid.id
        for factor_set in collections.get("factor_sets", {}).values()
        for opioid in factor_set.opioids
        for key in (opioid.rxnorm, *opioid.names())
    }
    trial_drugs = collections.get("drugs", {})
    for class_id, cls in collections.get("depressant_classes", {}).items():
        file, where = _where(first_seen[("depressant_classes", class_id)])
        for index, drug in enumerate(cls.drugs):
            path = f"{where}.drugs[{index}]"
            for key in (*drug.names(), *((drug.rxnorm.code,) if drug.rxnorm else ())):
                if key in opioid_keys:
                    raise PackError(file, path, f"{key!r} is the opioid {opioid_keys[key]}'s; a drug is either an opioid or a sedative")
            listed = trial_drugs.get(drug.id)
            if listed is not None and listed.drug_class != cls.id:
                raise PackError(file, f"{path}.id", f"{drug.id} is a {listed.drug_class} in the medication-trial packs, not a {cls.id}")


def _check_behavioural(pack: BehaviouralHealthPack, file: Path, instruments: Mapping[str, Instrument]) -> None:
    """Each threshold names an instrument (and subscale) of the instrument packs, and its cut-off lies inside the
    score's range: a cut-off no score can cross would silently never offer anything."""
    for index, threshold in enumerate(pack.thresholds):
        path = f"thresholds[{index}]"
        instrument = instruments.get(threshold.instrument)
        if instrument is None:
            raise PackError(file, f"{path}.instrument", f"unknown instrument id {threshold.instrument!r}; known ids: {', '.join(sorted(instruments))}")
        if threshold.subscale is None:
            low, high = instrument.scoring.range.min, instrument.scoring.range.max
        else:
            subscale = next((s for s in instrument.subscales if s.id == threshold.subscale), None)
            if subscale is None or subscale.method != "sum":
                known = ", ".join(s.id for s in instrument.subscales if s.method == "sum") or "(none)"
                raise PackError(file, f"{path}.subscale", f"{instrument.name} has no summed subscale {threshold.subscale!r}; known: {known}")
            ranges = [instrument.item_points_range(item) for item in subscale.items]
            low, high = sum(r[0] for r in ranges), sum(r[1] for r in ranges)
        field_name = "at_least" if threshold.at_least is not None else "above"
        # `above` the highest score, or `at_least` the lowest, could never (or would always) be crossed.
        inside = low < threshold.cut_off <= high if threshold.at_least is not None else low <= threshold.cut_off < high
        if not inside:
            raise PackError(file, f"{path}.{field_name}", f"{instrument.name} scores {low:g} to {high:g}; a cut-off {threshold.words()} "
                            "is outside that range")


def _check_imaging_rules(singles: Mapping[str, tuple[Pack, Path]]) -> None:
    """A rule waived by a red flag names a flag of the red-flag screen: a misspelt id would never waive it."""
    if "imaging_rules" not in singles or "red_flags" not in singles:
        return
    (rules, file), (screen, _screen_file) = singles["imaging_rules"], singles["red_flags"]
    known = {flag.id for flag in screen.flags}
    for r_index, rule in enumerate(rules.imaging_rules):
        for index, flag_id in enumerate(getattr(rule, "waived_by", ())):
            if flag_id not in known:
                raise PackError(file, f"imaging_rules[{r_index}].waived_by[{index}]",
                                f"unknown red-flag id {flag_id!r}; known ids: {', '.join(sorted(known))}")


def _where(seen: tuple[Path, str]) -> tuple[Path, str]:
    file, path = seen
    return file, path.removesuffix(".id")


def _check_pathways(pathway_packs: Sequence[tuple[PathwayPack, Path]], collections: Mapping[str, Mapping[str, Any]]) -> None:
    """A pathway names procedures, PT protocols, instruments and referral specialties of other packs (a clinic's own
    catalogue included), so those ids are checked once everything is read, and reported at the reference's exact path."""
    known = {"procedure": collections.get("procedures", {}), "instrument": collections.get("instruments", {}),
             "pt_protocol": collections.get("pt_protocols", {}), "referral_specialty": collections.get("referral_specialties", {})}
    for pack, file in pathway_packs:
        for p_index, pathway in enumerate(pack.pathways):
            for path, kind, ref in pathway_references(pathway, f"pathways[{p_index}]"):
                if kind == "missing_procedure":
                    raise PackError(file, path, "relief is measured from a procedure: name procedure_id here or on the step")
                catalogue = known["instrument" if kind == "instrument_mic" else kind]
                if ref not in catalogue:
                    ids = ", ".join(sorted(catalogue)) or "(none)"
                    raise PackError(file, path, f"unknown {kind.removesuffix('_mic')} id {ref!r}; known ids: {ids}")
                if kind == "instrument_mic" and catalogue[ref].mic is None:
                    raise PackError(file, path, f"instrument {ref!r} has no minimal important change to measure against")


def _check_policies(
    policy_packs: Sequence[tuple[AuthorizationPolicyPack, Path]], collections: Mapping[str, Mapping[str, Any]],
    versions: Mapping[str, tuple[Policy, ...]],
) -> None:
    """Check what only the whole set of packs can tell about authorization policies.

    A clinic's policy may name a payer of a clinic payer pack, or a procedure of a clinic catalogue,
    so the ids are checked once everything is read, and reported at the policy's own path. Two
    policies for the same payer (or plan type) and procedure in force on the same day would make
    `find_policy` guess, so that is refused too.
    """
    payers = collections.get("payers", {})
    procedures = collections.get("procedures", {})

    def known(ids: Mapping[str, Any]) -> str:
        return ", ".join(sorted(ids)) or "(none)"

    claimed: dict[tuple[str, str], list[tuple[Policy, Path, str]]] = {}
    for pack, file in policy_packs:
        for p_index, policy in enumerate(pack.policies):
            where = f"policies[{p_index}]"
            # With the end a later version gave it: versions of one policy never overlap each other.
            policy = next((v for v in versions.get(policy.id, ()) if v.effective_from == policy.effective_from), policy)
            for index, payer_id in enumerate(policy.payers):
                if payer_id not in payers:
                    raise PackError(file, f"{where}.payers[{index}]", f"unknown payer id {payer_id!r}; known payer ids: {known(payers)}")
            references = [(f"{where}.procedures[{i}]", pid) for i, pid in enumerate(policy.procedures)]
            references += [(f"{where}.repeat_group[{i}]", pid) for i, pid in enumerate(policy.repeat_group)]
            for c_index, criterion in enumerate(policy.criteria):
                if isinstance(criterion, PROCEDURE_REFERENCING_CRITERIA):
                    references += [
                        (f"{where}.criteria[{c_index}].procedures[{i}]", pid) for i, pid in enumerate(criterion.procedures)
                    ]
            for c_index, criterion in enumerate(policy.criteria):
                if isinstance(criterion, SharedDecisionCriterion):
                    _check_decision_risks(criterion, policy, collections, file, f"{where}.criteria[{c_index}]")
            for path, procedure_id in references:
                if procedure_id not in procedures:
                    raise PackError(file, path, f"unknown procedure id {procedure_id!r}; known procedure ids: {known(procedures)}")
            targets = [f"payer {p}" for p in policy.payers] + [f"plan type {t}" for t in policy.plan_types]
            for target in targets:
                for procedure_id in policy.procedures:
                    for other, other_file, other_path in claimed.get((target, procedure_id), []):
                        if other.overlaps(policy):
                            raise PackError(
                                file,
                                where,
                                f"policy {policy.id!r} and policy {other.id!r} ({other_file.name} at {other_path}) both "
                                f"apply to {target} for {procedure_id!r} on overlapping dates; give one an end "
                                "(effective_to) or narrow its payers",
                            )
                    claimed.setdefault((target, procedure_id), []).append((policy, file, where))


def _check_decision_risks(criterion: SharedDecisionCriterion, policy: Policy, collections: Mapping[str, Mapping[str, Any]],
                          file: Path, where: str) -> None:
    """A kit item asking for risks to be discussed names risks the pathway packs' decision options about one of
    the policy's procedures carry: otherwise no recorded decision could ever meet it."""
    offered = {
        risk.id
        for pathway in collections.get("pathways", {}).values()
        for step in pathway.steps if step.decision is not None
        for option in step.decision.options if option.procedure_id in policy.procedures
        for risk in option.risks
    }
    for index, risk in enumerate(criterion.risks):
        if risk.id not in offered:
            known = ", ".join(sorted(offered)) or "(no pathway step offers a decision about these procedures)"
            raise PackError(file, f"{where}.risks[{index}].id",
                            f"no pathway decision option about {', '.join(policy.procedures)} has a risk {risk.id!r}; known: {known}")


def _medication_trials(
    trial_packs: Sequence[tuple[MedicationTrialPack, Path]], collections: Mapping[str, Mapping[str, Any]]
) -> MedicationTrials:
    """Merge the medication-trial packs, checking what only the whole set can tell.

    A payer override may name a payer of the payer directory and a drug of another trial pack (a
    clinic pack adding its payer's stricter rule for a shipped drug), so these references are
    checked here, once every pack has been read, and reported at the override's own path.
    """
    payers = collections.get("payers", {})
    drugs = collections.get("drugs", {})
    rxnorm_seen: dict[str, tuple[Path, str]] = {}
    overrides: dict[str, dict[str, Any]] = {}
    override_seen: dict[tuple[str, str], Path] = {}
    for pack, file in trial_packs:
        for index, drug in enumerate(pack.drugs):
            if drug.rxnorm is None:
                continue
            path = f"drugs[{index}].rxnorm.code"
            if drug.rxnorm.code in rxnorm_seen:
                other_file, other_path = rxnorm_seen[drug.rxnorm.code]
                raise PackError(
                    file, path, f"RxNorm code {drug.rxnorm.code} is already defined in {other_file} at {other_path}"
                )
            rxnorm_seen[drug.rxnorm.code] = (file, path)
        for payer_id, rules in pack.payer_overrides.items():
            if payer_id not in payers:
                known = ", ".join(sorted(payers)) or "(none)"
                raise PackError(
                    file, f"payer_overrides.{payer_id}", f"unknown payer id {payer_id!r}; known payer ids: {known}"
                )
            for drug_id, rule in rules.items():
                path = f"payer_overrides.{payer_id}.{drug_id}"
                if drug_id not in drugs:
                    known = ", ".join(sorted(drugs)) or "(none)"
                    raise PackError(file, path, f"unknown drug id {drug_id!r}; known drug ids: {known}")
                if rule.min_daily_mg is not None and drugs[drug_id].adequate_trial.min_daily_mg is None:
                    raise PackError(
                        file,
                        f"{path}.min_daily_mg",
                        f"{drug_id!r} is not dosed in mg/day (its adequate trial has a dose_rule), "
                        "so a payer minimum in mg/day cannot be checked; put the dose in the wording",
                    )
                if (payer_id, drug_id) in override_seen:
                    raise PackError(
                        file,
                        path,
                        f"duplicate payer override for {payer_id!r} and {drug_id!r}, "
                        f"already defined in {override_seen[(payer_id, drug_id)]}",
                    )
                override_seen[(payer_id, drug_id)] = file
                overrides.setdefault(payer_id, {})[drug_id] = rule
    return MedicationTrials(drugs=_with_target_limits(trial_packs, drugs), payer_overrides=overrides)


def _with_target_limits(trial_packs: Sequence[tuple[MedicationTrialPack, Path]], drugs: Mapping[str, Any]) -> dict[str, Any]:
    """Each drug with its target limits: its own, or the last pack's that gives them (a set of drugs has some)."""
    limits = next((pack.target_limits for pack, _ in reversed(trial_packs) if pack.target_limits is not None), None)
    if limits is None and any(drug.limits is None for drug in drugs.values()):
        file = trial_packs[0][1] if trial_packs else Path("medication_trials")
        raise PackError(file, "target_limits",
                        "no medication-trial pack gives target_limits (target ceiling and most titration steps)")
    return {key: drug if drug.limits is not None else drug.model_copy(update={"limits": limits}) for key, drug in drugs.items()}


def _pack_files(dirs: Sequence[Path]) -> Iterator[Path]:
    seen: set[Path] = set()
    for directory in dirs:
        if not directory.is_dir():
            raise PackError(directory, "", "pack directory not found")
        # The same directory configured twice would report every id as its own duplicate.
        if directory.resolve() in seen:
            continue
        seen.add(directory.resolve())
        files = [
            f
            for f in directory.rglob("*")
            if f.is_file() and f.suffix in {".yaml", ".yml"} and not f.name.startswith(".")
        ]
        for file in sorted(files, key=lambda f: f.relative_to(directory).as_posix()):
            if file.suffix == ".yml":
                # Skipping it silently would drop a clinic's rules without anyone noticing.
                raise PackError(file, "", "pack files must end in .yaml (rename this .yml file)")
            yield file


def _claim(
    first_seen: dict[tuple[str, str], tuple[Path, str]], key: tuple[str, str], file: Path, path: str
) -> None:
    if key in first_seen:
        other_file, other_path = first_seen[key]
        what = "pack" if key[0] == "pack" else f"{key[0]} entry"
        raise PackError(
            file, path, f"duplicate {what} id {key[1]!r}, already defined in {other_file} at {other_path}"
        )
    first_seen[key] = (file, path)


def _claim_single(singles: dict[str, tuple[Pack, Path]], pack: Pack, file: Path) -> None:
    kind = pack.pack.kind
    if kind in singles:
        other_pack, other_file = singles[kind]
        # Merging two screens rule by rule would leave nobody sure which questions staff must ask.
        raise PackError(
            file,
            "pack.kind",
            f"a second {kind} pack; exactly one may be loaded and {other_pack.pack.id!r} in {other_file} "
            f"is already the {kind} pack (change that pack instead of adding another)",
        )
    singles[kind] = (pack, file)


def _optional_single(singles: dict[str, tuple[Pack, Path]], kind: str, model: type[P]) -> P | None:
    return _the_single(singles, kind, model) if kind in singles else None


def _the_single(singles: dict[str, tuple[Pack, Path]], kind: str, model: type[P]) -> P:
    if kind not in singles:
        raise PackError(BUILTIN_PACKS_DIR, "", f"no {kind} pack found; exactly one is required")
    pack = singles[kind][0]
    assert isinstance(pack, model)
    return pack


# Parsed packs by (file, content digest). Packs are frozen models, so sharing one between Knowledge
# objects is safe; keying on the content (not the path or mtime) means an edited or different file is
# always read afresh, so a test that loads a bad clinic pack cannot poison the next load.
_PARSED: dict[tuple[str, str], Pack] = {}


def _read_pack(file: Path) -> Pack:
    try:
        digest = hashlib.sha256(file.read_bytes()).hexdigest()
    except OSError as exc:
        raise PackError(file, "", f"cannot read pack file: {exc}") from exc
    key = (str(file), digest)  # the content decides; resolving every path cost more than reading the file
    if key not in _PARSED:
        _PARSED[key] = _parse_pack(file)
    return _PARSED[key]


def _parse_pack(file: Path) -> Pack:
    data = _read_yaml(file)
    if not isinstance(data, dict):
        got = "an empty file" if data is None else f"a {type(data).__name__}"
        raise PackError(file, "", f"a pack must be a mapping with a 'pack:' header, got {got}")
    if "pack" not in data:
        raise PackError(
            file, "pack", "missing header (pack: {id, kind, version, effective_date, last_verified})"
        )
    # Validate the header alone first, so an unknown kind is reported as such and not as a pile
    # of errors from whichever model we might have guessed.
    header = _validate(PackHeader, data["pack"], file, prefix=("pack",))
    model = PACK_KINDS.get(header.kind)
    if model is None:
        known = ", ".join(sorted(PACK_KINDS))
        raise PackError(file, "pack.kind", f"unknown pack kind {header.kind!r}; known kinds: {known}")
    pack = _validate(model, data, file)
    # References inside the pack (a rule naming a question) can only be checked once it is whole.
    problems = pack.reference_problems()
    if problems:
        (path, message), *more = problems
        raise PackError(file, path, message, more)
    return pack


def _validate(model: type[M], data: Any, file: Path, prefix: tuple[str, ...] = ()) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise PackError.from_validation(file, exc, prefix) from exc


# libyaml's parser when the machine has it (about 10x faster on the policy packs); same safe constructor.
_SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SafeBase):  # type: ignore[misc, valid-type]
    """SafeLoader that refuses duplicate mapping keys.

    Plain safe_load keeps the last of two `standard:` keys and drops the first without a word;
    in a pack that is a silently lost rule.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *anchor` may legitimately be overridden by explicit keys
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
            except TypeError:
                continue  # unhashable key: SafeLoader itself reports it below
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found duplicate key {key!r}",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _read_yaml(file: Path) -> Any:
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PackError(file, "", f"cannot read pack file: {exc}") from exc
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        # A duplicate key is well-formed YAML that we refuse, not a syntax error.
        label = "YAML error" if isinstance(exc, yaml.constructor.ConstructorError) else "YAML syntax error"
        raise PackError(file, "", f"{label}{where}: {problem}") from exc
