"""A bad pack is refused loudly, naming the file, the path inside it and what is wrong."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any, Callable

import pytest

from painpath.knowledge import PackError, load_knowledge
from painpath.knowledge.errors import loc_to_path

WritePack = Callable[..., Path]
MakePayer = Callable[..., dict[str, Any]]


def refused(directory: Path) -> PackError:
    with pytest.raises(PackError) as info:
        load_knowledge(extra_dirs=[directory])
    return info.value


def test_a_valid_clinic_pack_is_merged(tmp_path: Path, write_pack: WritePack, payer: MakePayer) -> None:
    write_pack("clinic.yaml", [payer()])
    knowledge = load_knowledge(extra_dirs=[tmp_path])
    assert knowledge.payer("test_payer").decision_clock.standard.amount == 15
    # Built-in packs load first, then the clinic's directories.
    names = [lp.file.name for lp in knowledge.packs]
    assert {"payers.yaml", "red_flags.yaml"} <= set(names[:-1]) and names[-1] == "clinic.yaml"


def test_negative_amount(tmp_path: Path, write_pack: WritePack, payer: MakePayer) -> None:
    bad = payer()
    bad["decision_clock"]["standard"]["amount"] = -3
    write_pack("clinic.yaml", [bad])
    err = refused(tmp_path)
    assert err.file.name == "clinic.yaml"
    assert err.path == "payers[0].decision_clock.standard.amount"
    assert "greater than 0" in err.message
    assert str(err).startswith(
        "clinic.yaml: payers[0].decision_clock.standard.amount: Input should be greater than 0"
    )


def test_index_points_at_the_bad_payer(tmp_path: Path, write_pack: WritePack, payer: MakePayer) -> None:
    bad = payer(id="second")
    bad["decision_clock"]["expedited"]["amount"] = 0
    write_pack("clinic.yaml", [payer(), bad])
    assert refused(tmp_path).path == "payers[1].decision_clock.expedited.amount"


@pytest.mark.parametrize("source", [None, "", "   "], ids=["missing", "empty", "blank"])
def test_duration_without_source(
    tmp_path: Path, write_pack: WritePack, payer: MakePayer, source: str | None
) -> None:
    bad = payer()
    if source is None:
        del bad["decision_clock"]["expedited"]["source"]
    else:
        bad["decision_clock"]["expedited"]["source"] = source
    write_pack("clinic.yaml", [bad])
    err = refused(tmp_path)
    assert err.file.name == "clinic.yaml"
    assert err.path == "payers[0].decision_clock.expedited.source"
    assert ("Field required" if source is None else "at least 1 character") in err.message


def test_unconfirmed_number_marked_verified(tmp_path: Path, write_pack: WritePack, payer: MakePayer) -> None:
    bad = payer()
    bad["decision_clock"]["standard"]["verified"] = True  # evidence stays K
    write_pack("clinic.yaml", [bad])
    err = refused(tmp_path)
    assert err.file.name == "clinic.yaml"
    assert err.path == "payers[0].decision_clock.standard"
    assert "evidence K" in err.message and "verified: false" in err.message


def test_unknown_plan_type(tmp_path: Path, write_pack: WritePack, payer: MakePayer) -> None:
    write_pack("clinic.yaml", [payer(plan_type="tricare")])
    err = refused(tmp_path)
    assert err.file.name == "clinic.yaml"
    assert err.path == "payers[0].plan_type"
    assert "'medicare_advantage'" in err.message and "'tricare'" in err.message


def test_unknown_pack_kind(tmp_path: Path, write_pack: WritePack, payer: MakePayer) -> None:
    write_pack("clinic.yaml", [payer()], kind="formulary")
    err = refused(tmp_path)
    assert err.file.name == "clinic.yaml"
    assert err.path == "pack.kind"
    assert "unknown pack kind 'formulary'" in err.message and "payers" in err.message


def test_bad_header_is_located_under_pack(tmp_path: Path, write_pack: WritePack, payer: MakePayer) -> None:
    write_pack("clinic.yaml", [payer()], version=0)
    err = refused(tmp_path)
    assert (err.path, "greater than or equal to 1" in err.message) == ("pack.version", True)


def test_duplicate_payer_id_across_files(tmp_path: Path, write_pack: WritePack, payer: MakePayer) -> None:
    write_pack("a_first.yaml", [payer(id="shared_payer")])
    write_pack("b_second.yaml", [payer(id="other"), payer(id="shared_payer")])
    err = refused(tmp_path)
    assert err.file.name == "b_second.yaml"  # files load in sorted order, so the second one is at fault
    assert err.path == "payers[1].id"
    assert "duplicate" in err.message and "shared_payer" in err.message
    assert "a_first.yaml" in err.message and "b_second.yaml" in str(err)


def test_clinic_pack_cannot_silently_redefine_a_shipped_payer(
    tmp_path: Path, write_pack: WritePack, payer: MakePayer
) -> None:
    write_pack("clinic.yaml", [payer(id="aetna_commercial")])
    err = refused(tmp_path)
    assert err.file.name == "clinic.yaml"
    assert err.path == "payers[0].id"
    assert "payers.yaml" in err.message


def test_duplicate_payer_id_within_one_file(tmp_path: Path, write_pack: WritePack, payer: MakePayer) -> None:
    write_pack("clinic.yaml", [payer(), payer()])
    err = refused(tmp_path)
    assert (err.file.name, err.path) == ("clinic.yaml", "payers[1].id")
    assert "payers[0].id" in err.message


def test_yaml_syntax_error_gives_the_line(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text(
        "pack:\n  id: clinic.broken\n  kind: payers\n  version: [1\npayers: []\n", encoding="utf-8"
    )
    err = refused(tmp_path)
    assert err.file.name == "broken.yaml"
    assert err.path == ""
    assert "YAML syntax error" in err.message and "line 5" in err.message


def test_duplicate_yaml_key_is_refused(tmp_path: Path) -> None:
    # yaml.safe_load would keep the second `kind` and drop the first without a word.
    (tmp_path / "twice.yaml").write_text(
        "pack:\n  id: clinic.twice\n  kind: payers\n  kind: pathways\n", encoding="utf-8"
    )
    err = refused(tmp_path)
    assert err.file.name == "twice.yaml"
    assert "duplicate key 'kind'" in err.message and "line 4" in err.message


def test_unknown_extra_key(tmp_path: Path, write_pack: WritePack, payer: MakePayer) -> None:
    bad = payer()
    bad["decision_clock"]["standard"]["ammount"] = 3  # a typo must not be ignored
    write_pack("clinic.yaml", [bad])
    err = refused(tmp_path)
    assert err.file.name == "clinic.yaml"
    assert err.path == "payers[0].decision_clock.standard.ammount"
    assert "Extra inputs are not permitted" in err.message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("", "empty file"), ("- just\n- a list\n", "got a list"), ("payers: []\n", "missing header")],
)
def test_file_that_is_not_a_pack(tmp_path: Path, text: str, fragment: str) -> None:
    (tmp_path / "odd.yaml").write_text(text, encoding="utf-8")
    err = refused(tmp_path)
    assert err.file.name == "odd.yaml"
    assert fragment in err.message


def test_yml_extension_is_refused_not_skipped(tmp_path: Path) -> None:
    (tmp_path / "clinic.yml").write_text("pack: {}\n", encoding="utf-8")
    err = refused(tmp_path)
    assert err.file.name == "clinic.yml" and ".yaml" in err.message


def test_missing_extra_dir(tmp_path: Path) -> None:
    err = refused(tmp_path / "nowhere")
    assert err.file.name == "nowhere" and "not found" in err.message


def test_every_problem_in_a_file_is_reported(tmp_path: Path, write_pack: WritePack, payer: MakePayer) -> None:
    bad = payer(plan_type="tricare")
    bad["decision_clock"]["standard"]["amount"] = -1
    write_pack("clinic.yaml", [bad])
    err = refused(tmp_path)
    reported = {err.path, *(path for path, _ in err.more)}
    assert {"payers[0].plan_type", "payers[0].decision_clock.standard.amount"} <= reported
    assert "also: payers[0]" in str(err)


def test_pack_error_survives_pickling() -> None:
    # Errors may cross process boundaries (huey workers), so they must round-trip.
    err = pickle.loads(pickle.dumps(PackError(Path("x/payers.yaml"), "payers[0].id", "bad")))
    assert (err.file.name, err.path, err.message) == ("payers.yaml", "payers[0].id", "bad")


def test_loc_to_path() -> None:
    assert loc_to_path(("payers", 3, "decision_clock", "standard", "amount")) == (
        "payers[3].decision_clock.standard.amount"
    )
    assert loc_to_path(()) == ""
