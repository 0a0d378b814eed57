"""The shipped red-flag pack loads, carries table 3.1 and 3.2 with their sources and the calibration of
wave2.md (every rule sourced), and a bad one is refused."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from painpath.knowledge import BUILTIN_PACKS_DIR, Knowledge, PackError, load_knowledge
from painpath.knowledge.schemas import Condition, RedFlagPack

# research/clinical.md table 3.1, in order, with the headline urgency of each row.
TABLE_3_1 = {
    "RF-CES": "emergent",
    "RF-NEURO": "urgent",  # "EMERGENT/URGENT (same day)": urgent, with an emergent rule
    "RF-MSCC": "emergent",
    "RF-MALIG": "urgent",
    "RF-INFECT": "urgent",
    "RF-FX": "urgent",
    "RF-VASC": "emergent",
    "RF-INFLAM": "review",  # table "ROUTINE (rheumatology)": a clinician review that makes the referral
}
UNSOURCED_ROWS = {"RF-MSCC", "RF-VASC"}  # tagged [K] in the table; RF-INFLAM now cites ASAS (Sieper 2009) [V]


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge()


@pytest.fixture(scope="module")
def pack(knowledge: Knowledge) -> RedFlagPack:
    return knowledge.red_flags


def _leaves(condition: Condition) -> Iterator[Condition]:
    if condition.question is not None:
        yield condition
    for child in condition.children:
        yield from _leaves(child)


def _sourced_items(pack: RedFlagPack) -> list[tuple[str, Any]]:
    """Everything that carries source/evidence/verified, named for a readable failure."""
    items: list[tuple[str, Any]] = []
    for flag in pack.flags:
        items.append((flag.id, flag))
        for i, rule in enumerate(flag.rules):
            items.append((f"{flag.id}.rules[{i}]", rule))
            items += [(f"{flag.id}.rules[{i}].{leaf.question}", leaf) for leaf in _leaves(rule.when) if leaf.source]
    items += [(f"yellow {y.code}", y) for y in pack.yellow_flags]
    items += [(f"routing.{u}", pack.routing.for_urgency(u)) for u in ("emergent", "urgent", "review", "routine", "incomplete")]
    return items


# --- the shipped pack


def test_the_shipped_pack_loads_once(knowledge: Knowledge, pack: RedFlagPack) -> None:
    (loaded,) = [lp for lp in knowledge.packs if lp.header.kind == "red_flags"]
    assert loaded.file == BUILTIN_PACKS_DIR / "red_flags.yaml"
    assert pack.pack.id == "red_flags.spine" and pack.pack.version >= 1


def test_every_row_of_table_3_1_is_a_flag_with_a_source(pack: RedFlagPack) -> None:
    assert {f.id: f.urgency for f in pack.flags} == TABLE_3_1
    assert [f.id for f in pack.flags] == list(TABLE_3_1)
    for flag in pack.flags:
        assert flag.source.strip() and flag.action.strip() and flag.rules, flag.id
    assert "bestpractice.bmj.com/topics/en-gb/3000164" in pack.flag("RF-CES").source
    assert "NBK52120/table/A34364" in pack.flag("RF-INFECT").source
    assert "Sieper" in pack.flag("RF-INFLAM").source and pack.flag("RF-INFLAM").referral_to == "rheumatology"


def test_every_rule_cites_its_source(pack: RedFlagPack) -> None:
    for flag in pack.flags:
        for i, rule in enumerate(flag.rules):
            assert rule.source.strip() and rule.evidence, f"{flag.id}.rules[{i}]"
            assert rule.verified == (rule.evidence in ("R", "V")), f"{flag.id}.rules[{i}]: only R and V are verified"


def test_the_calibration_sources_are_cited(pack: RedFlagPack) -> None:
    """The single-flag review rules cite the accuracy studies; the combinations cite the guidance."""
    sources = " ".join(rule.source for flag in pack.flags for rule in flag.rules)
    for reference in ("Henschke", "Downie", "BMJ 2013", "Chou R", "Sieper"):
        assert reference in sources, reference
    for flag in pack.flags:
        for rule in flag.rules:
            if rule.urgency == "review" and flag.id != "RF-INFLAM":
                assert "Downie" in rule.source, flag.id

def test_unconfirmed_items_are_not_marked_verified(pack: RedFlagPack) -> None:
    items = _sourced_items(pack)
    assert [name for name, item in items if item.evidence == "K" and item.verified] == []
    assert {f.id for f in pack.flags if f.evidence == "K"} == UNSOURCED_ROWS
    assert all(not pack.flag(flag_id).verified for flag_id in UNSOURCED_ROWS)
    assert all(y.evidence == "K" and not y.verified for y in pack.yellow_flags)  # table 3.2 is [K]


def test_every_numeric_threshold_carries_its_source(pack: RedFlagPack) -> None:
    thresholds = [
        (flag.id, leaf)
        for flag in pack.flags
        for rule in flag.rules
        for leaf in _leaves(rule.when)
        if leaf.operator in ("at_least", "at_most")
    ]
    assert {(flag_id, leaf.question, leaf.at_least, leaf.at_most) for flag_id, leaf in thresholds} == {
        ("RF-MALIG", "age", 51, None),  # age > 50
        ("RF-MALIG", "pain_onset_days", None, 13),  # new: < 14 days
        ("RF-MALIG", "pain_onset_days", None, 90),  # known cancer with new pain: not yet chronic
        ("RF-FX", "age", 71, None),  # age > 70
        ("RF-FX", "injury_days_ago", None, 13),  # a recent injury: < 14 days
    }
    assert all(leaf.source and leaf.evidence for _, leaf in thresholds)
    # Numbers without a confirmed public source are not marked verified.
    assert not any(leaf.verified for _, leaf in thresholds if leaf.at_most in (13, 90))


def _counts(condition: Condition) -> Iterator[Condition]:
    if condition.operator == "min_count":
        yield condition
    for child in condition.children:
        yield from _counts(child)


def test_every_count_carries_its_source(pack: RedFlagPack) -> None:
    counts = {(flag.id, c.min_count, len(c.of or [])): c for flag in pack.flags for rule in flag.rules for c in _counts(rule.when)}
    assert set(counts) == {("RF-MALIG", 3, 4), ("RF-INFLAM", 4, 5)}
    asas = counts[("RF-INFLAM", 4, 5)]
    assert "Sieper" in (asas.source or "") and asas.verified  # ASAS >= 4 of 5 [V]
    assert not counts[("RF-MALIG", 3, 4)].verified  # "multiple risk factors" as three: our reading [K]


def test_every_question_a_rule_uses_exists_and_is_required(pack: RedFlagPack) -> None:
    used = {leaf.question for flag in pack.flags for rule in flag.rules for leaf in _leaves(rule.when)}
    assert all(pack.question(qid).required for qid in used)
    # The injury follow-ups are required once there is an injury, and only then.
    assert {q.id for q in pack.questions if q.ask_if is not None} == {"injury_days_ago", "injury_imaged"}
    # The optional questions are the yellow-flag ones, and no red flag depends on them.
    optional = {q.id for q in pack.questions if not q.required}
    assert optional == {qid for y in pack.yellow_flags for qid in y.questions}
    assert not optional & used


def test_questions_follow_the_phone_call(pack: RedFlagPack) -> None:
    sections: list[str] = []
    for q in pack.questions:
        if not sections or sections[-1] != q.section:
            sections.append(q.section)
    # Each section is asked in one go, the emergencies (bladder, bowel, nerves) before the rest.
    assert sections == [
        "About the pain", "Bladder and bowel", "Nerves", "Cancer", "Infection", "Injury", "Other", "Inflammatory back pain",
        "Work and recovery",
    ]
    assert pack.questions[0].id == "age"
    bladder = pack.question("bladder_dysfunction")
    assert bladder.text.startswith("Any new trouble passing urine, or not feeling when your bladder is full")
    assert all(q.text.endswith("?") for q in pack.questions)


def test_the_issue_needs_these_questions(pack: RedFlagPack) -> None:
    ids = {q.id for q in pack.questions}
    assert {
        "age", "pain_onset_days", "bladder_dysfunction", "bowel_incontinence", "saddle_numbness", "both_legs",
        "sexual_dysfunction", "weakness_getting_worse", "foot_drop", "cancer_history", "weight_loss", "night_pain",
        "no_improvement", "fever", "injects_drugs", "immunosuppressed", "recent_infection", "recent_spinal_procedure",
        "injury", "injury_days_ago", "injury_imaged", "osteoporosis", "long_term_steroids", "tearing_pain",
        "abdominal_pulsing_lump", "ibp_onset_before_40", "ibp_insidious_onset", "ibp_better_with_exercise",
        "ibp_not_better_with_rest", "ibp_night_pain_eases_on_rising",
    } <= ids
    assert pack.question("age").kind == "number" and (pack.question("age").min, pack.question("age").max) == (0, 120)
    assert [o.value for o in pack.question("injury").options or []] == ["none", "minor", "major"]
    assert [o.value for o in pack.question("injury_imaged").options or []] == ["not_imaged", "cleared", "fracture"]


def test_yellow_flags_are_table_3_2(pack: RedFlagPack) -> None:
    assert [y.code for y in pack.yellow_flags] == list("ABCDEFW")
    by_code = {y.code: y for y in pack.yellow_flags}
    assert by_code["C"].questions == ["compensation_claim"]
    assert "PHQ-9" in by_code["E"].instrument and "OMPQ-10" in by_code["W"].instrument


def test_routing_per_urgency(pack: RedFlagPack) -> None:
    emergent, urgent, routine, review = pack.routing.emergent, pack.routing.urgent, pack.routing.routine, pack.routing.review
    assert emergent.hard_stop and emergent.clinician_acknowledgement and not emergent.offer_booking
    assert "emergency department now" in emergent.instruction
    assert urgent.due_within is not None
    assert (urgent.due_within.amount, urgent.due_within.unit) == (1, "business_days")
    assert "today if the clinic has a slot" in urgent.label and "today if the clinic has one" in urgent.instruction
    assert routine.first_visit_with == "advanced practice provider" and routine.offer_booking
    # A review keeps the routine booking: never a hard stop, never an urgent slot.
    assert review.offer_booking and not review.hard_stop and review.first_visit_with == "advanced practice provider"
    assert review.due_within is not None and (review.due_within.amount, review.due_within.unit) == (1, "business_days")
    assert not pack.routing.incomplete.offer_booking
    assert all(pack.routing.for_urgency(u).source for u in ("emergent", "urgent", "review", "routine", "incomplete"))


# --- bad packs: refused with the file and the path inside it


def _shipped() -> dict[str, Any]:
    # Through JSON so YAML aliases (*neuro_deficit) become separate copies a test can change alone.
    data = yaml.safe_load((BUILTIN_PACKS_DIR / "red_flags.yaml").read_text(encoding="utf-8"))
    data = json.loads(json.dumps(data, default=str))
    data["pack"]["id"] = "clinic.red_flags"
    return data


def _refused(tmp_path: Path, data: dict[str, Any], name: str = "clinic_red_flags.yaml") -> PackError:
    (tmp_path / name).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PackError) as info:
        load_knowledge(extra_dirs=[tmp_path])
    assert info.value.file.name == name
    return info.value


def _flag(data: dict[str, Any], flag_id: str) -> dict[str, Any]:
    return next(f for f in data["flags"] if f["id"] == flag_id)


def _question(data: dict[str, Any], qid: str) -> dict[str, Any]:
    return next(q for q in data["questions"] if q["id"] == qid)


def _set(**changes: Any) -> Callable[[dict[str, Any]], None]:
    def change(target: dict[str, Any]) -> None:
        target.update(changes)

    return change


# (what, change the shipped data, path of the problem, words in the message)
BAD: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    (
        "rule names an unknown question",
        lambda d: _flag(d, "RF-CES")["rules"][0]["when"]["any_of"][0].update(question="bladder_troubles"),
        "flags[0].rules[0].when.any_of[0].question",
        "unknown question id 'bladder_troubles'",
    ),
    (
        "K flag marked verified",
        lambda d: _flag(d, "RF-MSCC").update(verified=True),
        "flags[2]",
        "evidence K (unconfirmed background knowledge) must have verified: false",
    ),
    (
        "K threshold marked verified",
        lambda d: _flag(d, "RF-MALIG")["rules"][2]["when"]["any_of"][4]["all_of"][1].update(verified=True),
        "flags[3].rules[2].when.any_of[4].all_of[1]",
        "evidence K",
    ),
    (
        "K yellow flag marked verified",
        lambda d: d["yellow_flags"][2].update(verified=True),
        "yellow_flags[2]",
        "evidence K",
    ),
    ("flag without rules", lambda d: _flag(d, "RF-NEURO").update(rules=[]), "flags[1].rules", "at least 1 item"),
    ("flag with no rules key", lambda d: _flag(d, "RF-NEURO").pop("rules"), "flags[1].rules", "Field required"),
    (
        "unknown urgency",
        lambda d: _flag(d, "RF-VASC")["rules"][0].update(urgency="soon"),
        "flags[6].rules[0].urgency",
        "'emergent', 'urgent', 'review' or 'routine'",
    ),
    (
        "headline urgency no rule has",
        lambda d: _flag(d, "RF-VASC").update(urgency="urgent"),
        "flags[6]",
        "not the urgency of any of its rules",
    ),
    ("duplicate flag id", lambda d: _flag(d, "RF-VASC").update(id="RF-CES"), "flags[6].id", "duplicate id 'RF-CES'"),
    (
        "duplicate question id",
        lambda d: _question(d, "foot_drop").update(id="saddle_numbness"),
        "questions[9].id",
        "already at questions[5].id",
    ),
    (
        "red-flag question made optional",
        lambda d: _question(d, "saddle_numbness").update(required=False),
        "questions[5].required",
        "cannot be skipped",
    ),
    (
        "a rule firing on a no",
        lambda d: _flag(d, "RF-CES")["rules"][0]["when"]["any_of"][0].update({"is": False}),
        "flags[0].rules[0].when.any_of[0]",
        "never on a no",
    ),
    (
        "reason that does not name its drivers",
        lambda d: _flag(d, "RF-CES")["rules"][0].update(reason="possible cauda equina syndrome"),
        "flags[0].rules[0]",
        "{drivers}",
    ),
    (
        "threshold without a source",
        lambda d: _flag(d, "RF-FX")["rules"][0]["when"]["all_of"][2].pop("source"),
        "flags[5].rules[0].when.all_of[2]",
        "needs its source",
    ),
    (
        "threshold on a yes/no question",
        lambda d: _flag(d, "RF-FX")["rules"][0]["when"]["all_of"][2].update(question="fever"),
        "flags[5].rules[0].when.all_of[2].at_most",
        "'fever' is a yes_no question",
    ),
    (
        "threshold outside the question's range",
        lambda d: _flag(d, "RF-FX")["rules"][0]["when"]["all_of"][2].update(at_most=40000),
        "flags[5].rules[0].when.all_of[2].at_most",
        "0 to 36500",
    ),
    (
        "choice option that does not exist",
        lambda d: _flag(d, "RF-FX")["rules"][0]["when"]["all_of"][0].update({"is": "catastrophic"}),
        "flags[5].rules[0].when.all_of[0].is",
        "not an option of 'injury'",
    ),
    (
        "count larger than its list",
        lambda d: _flag(d, "RF-INFLAM")["rules"][0]["when"].update(min_count=6),
        "flags[7].rules[0].when",
        "more than the 5 conditions",
    ),
    (
        "count without a source",
        lambda d: _flag(d, "RF-INFLAM")["rules"][0]["when"].pop("source"),
        "flags[7].rules[0].when",
        "needs its source",
    ),
    (
        "count without its list",
        lambda d: _flag(d, "RF-INFLAM")["rules"][0]["when"].pop("of"),
        "flags[7].rules[0].when",
        "min_count and of go together",
    ),
    (
        "rule without a source",
        lambda d: _flag(d, "RF-VASC")["rules"][0].pop("source"),
        "flags[6].rules[0].source",
        "Field required",
    ),
    (
        "follow-up asked before the answer it follows",
        lambda d: _question(d, "injury_imaged").update(ask_if={"question": "osteoporosis", "is": True}),
        "questions[22].ask_if.question",
        "must be asked before 'injury_imaged'",
    ),
    (
        "review routing that stops the booking",
        lambda d: d["routing"]["review"].update(offer_booking=False),
        "routing",
        "review routing keeps the routine booking",
    ),
    (
        "condition with two operators",
        lambda d: _flag(d, "RF-CES")["rules"][0]["when"]["any_of"][0].update(at_least=1),
        "flags[0].rules[0].when.any_of[0]",
        "exactly one of",
    ),
    (
        "number question without a range",
        lambda d: _question(d, "age").pop("max"),
        "questions[0]",
        "needs min and max",
    ),
    (
        "yellow flag naming an unknown question",
        lambda d: d["yellow_flags"][2].update(questions=["lawsuit"]),
        "yellow_flags[2].questions[0]",
        "unknown question id 'lawsuit'",
    ),
    (
        "emergent routing that is not a hard stop",
        lambda d: d["routing"]["emergent"].update(hard_stop=False),
        "routing",
        "hard stop",
    ),
    (
        "typo in a flag key",
        lambda d: _flag(d, "RF-CES").update(acton="x"),
        "flags[0].acton",
        "Extra inputs are not permitted",
    ),
]


@pytest.mark.parametrize(("change", "path", "fragment"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_bad_red_flag_pack_is_refused(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], path: str, fragment: str
) -> None:
    data = _shipped()
    change(data)
    err = _refused(tmp_path, data)
    reported = {err.path: err.message, **dict(err.more)}
    assert path in reported, str(err)
    assert fragment in reported[path], str(err)


def test_a_second_red_flag_pack_is_refused(tmp_path: Path) -> None:
    err = _refused(tmp_path, _shipped())  # valid on its own, but only one screen may exist
    assert err.path == "pack.kind"
    assert "second red_flags pack" in err.message
    assert "red_flags.spine" in err.message and "red_flags.yaml" in err.message


def test_every_problem_in_the_file_is_reported(tmp_path: Path) -> None:
    data = _shipped()
    _flag(data, "RF-CES")["rules"][0]["when"]["any_of"][0]["question"] = "nope"
    _question(data, "fever")["required"] = False
    err = _refused(tmp_path, data)
    reported = {err.path, *(path for path, _ in err.more)}
    assert {"flags[0].rules[0].when.any_of[0].question", "questions[15].required"} <= reported
