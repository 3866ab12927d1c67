"""Dataset reading: all columns of a table checked at once give exactly what the column-by-column
check gives (which still names the first problem), and a dataset is kept per process by content."""
import pandas as pd
import pytest
from tiny import write_dataset

from model.inputs.dataset import BUNDLED, _coerce, _coerce_all, _read_csv, load_dataset, read_input_bytes
from model.inputs.schema import FILES, OPTIONAL_FILES


@pytest.mark.parametrize("name", list(FILES) + list(OPTIONAL_FILES))
def test_all_columns_at_once_equal_column_by_column(name):
    path = BUNDLED / name
    cols = {**FILES, **OPTIONAL_FILES}[name]
    data = read_input_bytes(path)
    df = _read_csv(path, data)
    df.columns = [c.strip() for c in df.columns]
    for c in cols:
        if c.optional and c.name not in df.columns:
            df[c.name] = ""
    fast = _coerce_all(df, cols, data)
    assert fast is not None
    pd.testing.assert_frame_equal(fast, pd.DataFrame({c.name: _coerce(df, c, path) for c in cols}), check_exact=True)


def test_a_bad_cell_falls_back_to_the_message_naming_it(tmp_path):
    root = write_dataset(tmp_path, {"a": {"pue": 0.5}}, {"r1": {}}, {("r1", "w", 2026): 10})
    with pytest.raises(Exception, match=r"clusters.csv: field 'pue': expected a value .* in row 2"):
        load_dataset(root)


def test_a_dataset_is_kept_by_content(tmp_path):
    root = write_dataset(tmp_path, {"a": {}}, {"r1": {}}, {("r1", "w", 2026): 10})
    first = load_dataset(root)
    assert load_dataset(root) is first  # same files: parsed once
    write_dataset(tmp_path, {"a": {}}, {"r1": {}}, {("r1", "w", 2026): 12})
    second = load_dataset(root)
    assert second is not first and second.demand["racks"].tolist() == [12]
