"""Pydantic models for knowledge packs, one module per kind; `PACK_KINDS` maps a pack's `kind` to its model."""

from painpath.knowledge.schemas.common import *  # noqa: F403
from painpath.knowledge.schemas.authorization_policies import *  # noqa: F403
from painpath.knowledge.schemas.behavioural_health import *  # noqa: F403
from painpath.knowledge.schemas.body_regions import *  # noqa: F403
from painpath.knowledge.schemas.cns_depressants import *  # noqa: F403
from painpath.knowledge.schemas.instruments import *  # noqa: F403
from painpath.knowledge.schemas.medication_trials import *  # noqa: F403
from painpath.knowledge.schemas.opioids import *  # noqa: F403
from painpath.knowledge.schemas.pathways import *  # noqa: F403
from painpath.knowledge.schemas.payers import *  # noqa: F403
from painpath.knowledge.schemas.procedures import *  # noqa: F403
from painpath.knowledge.schemas.pt_protocols import *  # noqa: F403
from painpath.knowledge.schemas.red_flags import *  # noqa: F403
from painpath.knowledge.schemas.red_flags import URGENCY_RANK  # noqa: F401
from painpath.knowledge.schemas.tablet_strengths import *  # noqa: F403
from painpath.knowledge.schemas.rxnorm_products import *  # noqa: F403
from painpath.knowledge.schemas.referral_specialties import *  # noqa: F403
from painpath.knowledge.schemas.imaging import *  # noqa: F403
from painpath.knowledge.schemas.form_definitions import *  # noqa: F403
from painpath.knowledge.schemas.work_restrictions import *  # noqa: F403
from painpath.knowledge.schemas.workers_comp import *  # noqa: F403
from painpath.knowledge.schemas.checkins import *  # noqa: F403
from painpath.knowledge.schemas.portal import *  # noqa: F403
from painpath.knowledge.schemas.prices import *  # noqa: F403
from painpath.knowledge.schemas.cost_alternatives import *  # noqa: F403
from painpath.knowledge.schemas.outcome_measures import *  # noqa: F403

# kind -> model. Later slices add their kinds here (pathways, instruments, opioids, ...).
PACK_KINDS: dict[str, type[Pack]] = {
    "payers": PayerDirectory,
    "red_flags": RedFlagPack,
    "medication_trials": MedicationTrialPack,
    "opioid_factors": OpioidFactorPack,
    "opioid_thresholds": OpioidThresholdPack,
    "instrument": InstrumentPack,
    "procedures": ProcedureCatalogue,
    "authorization_policy": AuthorizationPolicyPack,
    "pt_protocol": PtProtocolPack,
    "pathway": PathwayPack,
    "tablet_strengths": TabletStrengthPack,
    "cns_depressants": DepressantPack,
    "rxnorm_products": RxNormProductPack,
    "body_regions": BodyRegionPack,
    "referral_specialties": ReferralSpecialtyPack,
    "behavioural_health": BehaviouralHealthPack,
    "support_strategies": SupportStrategyPack,
    "imaging_centres": ImagingCentrePack,
    "imaging_rules": ImagingRulesPack,
    "form_definitions": FormDefinitionPack,
    "work_restrictions": WorkRestrictionsPack,
    "workers_comp": WorkersCompPack,
    "checkins": CheckinsPack,
    "reminders": RemindersPack,
    "crisis_resources": CrisisResourcesPack,
    "prices": PricePack,
    "negotiated_rates": NegotiatedRatePack,
    "therapy_prices": TherapyPricePack,
    "drug_prices": DrugPricePack,
    "outcome_measures": OutcomeMeasuresPack,
}
