"""Every family of the registry says what it is in 中文 and English, and every row block and column
bound what its dual means and in which unit (model/formulation/labels.py); cost terms are named from there
in the reports and the app alike."""
import pytest

from model.formulation import FAMILIES
from model.formulation.labels import LABELS


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.name)
def test_family_has_its_label_and_dual(family):
    assert family.name in LABELS, (f"family {family.name} has no entry in model/formulation/labels.py "
                                   "(中文, English, and for rows and bounds the unit and meaning of its dual)")
    label = family.label
    assert label.zh and label.en, family.name
    assert any("\u4e00" <= ch <= "\u9fff" for ch in label.zh), f"{family.name}: the Chinese label has no Chinese"
    if family.kind in ("rows", "bound"):
        assert label.unit and label.dual, f"{family.name}: a row or bound says what its dual means and its unit"
        assert label.dual_unit == f"yuan (discounted) per {label.unit}"
    else:
        assert not label.dual, f"{family.name}: a {family.kind} family has no dual"


def test_every_label_names_a_family():
    assert set(LABELS) == {f.name for f in FAMILIES}, set(LABELS) ^ {f.name for f in FAMILIES}
