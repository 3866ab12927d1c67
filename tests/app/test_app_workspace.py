"""The Workspace tab (model/app/workspace.py) through streamlit AppTest, real solves and a real
SQLite workspace: save a solved run, reopen it in a new session without solving, open and compare
a run the CLI registered; a bad workspace is an error box; each language shows only itself."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from model.cli import app as cli
from model.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
TAB = "工作区 Workspace"


def open_tab(lang: str = "both", label: str = TAB) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    at.run()
    at.session_state["tab"] = label
    at.run()
    assert not at.exception, at.exception
    return at


def frame(at, column: str):
    """The first dataframe with this column (AppTest does not expose a dataframe's key)."""
    return next(df.value for df in at.dataframe if column in df.value.columns)


def texts(at) -> str:
    return " ".join(str(e.value) for kind in ("success", "info", "warning", "error") for e in getattr(at, kind))


@pytest.fixture
def ws_file(tmp_path, monkeypatch) -> Path:
    f = tmp_path / "team.db"
    monkeypatch.setenv("HUBPLAN_WORKSPACE", str(f))
    return f


@pytest.mark.slow
def test_save_reopen_without_solving_and_compare_with_a_cli_run(ws_file, tmp_path):
    at = open_tab()
    at.button(key="solve").click().run()
    assert not at.exception and at.session_state["current"] == "reference"
    objective = float(at.session_state["results"]["reference"].attrs["objective"])
    at.text_input(key="ws.name").set_value("周一简报 Monday brief").run()
    at.button(key="ws.save").click().run()
    assert "Saved scenario '周一简报 Monday brief' and its result (run 1)" in texts(at)
    at.run()  # another rerun (a fragment's, a tab's) does not take the outcome away before it is read
    assert "Saved scenario '周一简报 Monday brief' and its result (run 1)" in texts(at)
    at.button(key="ws.save").click().run()  # twice: kept once
    assert "already in the workspace (run 1)" in texts(at)
    run = Workspace(ws_file).run(1)
    assert (run["source"], run["scenario"], run["has_results"]) == ("app", "周一简报 Monday brief", True)
    assert run["objective"] == pytest.approx(objective, rel=1e-12)

    r = CliRunner().invoke(cli, ["solve", str(ROOT / "data/scenarios/west_push.yaml"), "--out", str(tmp_path / "wp"), "-q",
                                 "--workspace", str(ws_file)])
    assert r.exit_code == 0, r.output

    # a new session (as after a server restart): the saved run reopens without a solve
    at = open_tab()
    table = frame(at, "来源 Source")
    assert list(table["运行 Run"]) == [2, 1] and list(table["来源 Source"]) == ["solve", "app"]
    at.selectbox(key="ws.open_id").set_value(1).run()
    at.button(key="ws.open").click().run()
    assert not at.exception
    assert "Opened run 1 (周一简报 Monday brief) without solving" in texts(at)
    res = at.session_state["results"][at.session_state["current"]]
    assert float(res.attrs["objective"]) == pytest.approx(objective, rel=1e-12)
    assert at.session_state["planner"].model is None  # nothing was solved in this session
    assert at.session_state["scenario"].name == "reference" and at.session_state["ws.parent"] == 1

    # compare the app's run (A) with the CLI's (B): KPI table, input diff, allocation by cluster
    at.selectbox(key="ws.cmp.a").set_value(1)
    at.selectbox(key="ws.cmp.b").set_value(2).run()
    kpis = frame(at, "#2 west_push")
    assert list(kpis.columns) == ["#1 周一简报 Monday brief", "#2 west_push"]
    cost = kpis.loc[[i for i in kpis.index if "Total cost" in i][0]]
    wp = Workspace(ws_file).run(2)["objective"]
    assert cost.iloc[1].startswith(f"{wp / 1e8:,.2f}") and f"({(wp - objective) / 1e8:+,.2f}" in cost.iloc[1]
    diff = at.table[0].value
    assert any("west" in str(i).lower() for i in diff.index)
    alloc = frame(at, "B − A")
    assert len(alloc) == 10 and alloc["B − A"].sum() == pytest.approx(alloc["B"].sum() - alloc["A"].sum())


def test_an_unsolved_edit_is_saved_without_a_result_and_becomes_the_parent(ws_file):
    at = open_tab()
    at.text_input(key="ws.name").set_value("draft").run()
    at.button(key="ws.save").click().run()
    assert "Saved scenario 'draft' (without a result" in texts(at)
    at.text_input(key="ws.name").set_value("draft").run()
    at.session_state["scenario"] = at.session_state["scenario"].model_copy(update={"carbon_price_yuan_per_t": 300.0})
    at.button(key="ws.save").click().run()
    assert "Saved scenario 'draft #2'" in texts(at)
    table = Workspace(ws_file).scenarios().set_index("name")
    assert table.loc["draft #2", "parent"] == "draft" and table.loc["draft", "runs"] == 0
    # a new session goes on from the saved draft: into the editor, the next save descends from it
    at = open_tab()
    at.selectbox(key="ws.load_id").set_value(int(table.loc["draft #2", "id"]))
    at.button(key="ws.load").click().run()
    assert not at.exception and "Loaded scenario 'draft #2' into the editor" in texts(at)
    assert at.session_state["scenario"].carbon_price_yuan_per_t == 300
    assert at.session_state["ws.parent"] == int(table.loc["draft #2", "id"]) and at.session_state["current"] is None


def test_without_set_up_the_workspace_is_a_file_in_the_users_data_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("HUBPLAN_WORKSPACE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    at = open_tab()
    at.button(key="ws.save").click().run()
    assert "Saved scenario 'reference'" in texts(at)
    assert list(Workspace(tmp_path / "share" / "hubplan" / "workspace.db").scenarios()["name"]) == ["reference"]


def test_a_cli_run_on_other_data_opens_its_results_but_not_its_scenario(ws_file, tmp_path):
    """Its dataset lies outside the app's data folder: the results open (no solve), the editor keeps
    the scenario it had, and a warning says why."""
    from tiny import scenario_file, write_dataset

    ds = write_dataset(tmp_path / "data", clusters={"c1": {}}, regions={"r1": {}}, demand={("r1", "w", 2026): 50})
    f = scenario_file(tmp_path, ds, {"name": "elsewhere"}, "elsewhere.yaml")
    r = CliRunner().invoke(cli, ["solve", str(f), "--out", str(tmp_path / "o"), "-q", "--workspace", str(ws_file)])
    assert r.exit_code == 0, r.output
    at = open_tab()
    at.button(key="ws.open").click().run()
    assert not at.exception
    assert "Opened the results of run 1; its scenario cannot be edited here" in texts(at)
    assert "refers to a file outside the data/ folder" in texts(at) and str(tmp_path) not in texts(at)
    assert at.session_state["current"] == "elsewhere" and at.session_state["scenario"].name == "reference"
    assert at.session_state["planner"].model is None


def test_a_foreign_file_is_an_error_box(tmp_path, monkeypatch):
    f = tmp_path / "notes.txt"
    f.write_text("not a database")
    monkeypatch.setenv("HUBPLAN_WORKSPACE", str(f))
    at = open_tab()
    assert not at.exception
    assert [e.value for e in at.error] == ["工作区无法使用 The workspace cannot be used: notes.txt: field 'workspace': "
                                           "not a hubplan workspace: the file is not an SQLite database"]  # no machine path


@pytest.mark.parametrize("lang,label,other", [("en", "Workspace", re.compile(r"[\u4e00-\u9fff]")),
                                              ("zh", "工作区", re.compile(r"\b(Save|Saved|Parent|Name|Open|Run)\b"))])
def test_each_language_shows_only_itself(ws_file, lang, label, other):
    at = open_tab(lang, label)
    at.button(key="ws.save").click().run()
    shown = [w.label for w in (*at.text_input, *at.selectbox, *at.button) if str(getattr(w, "key", "")).startswith("ws.")]
    shown += [str(m.value) for m in (*at.main.subheader, *at.main.caption, *at.main.success)]
    assert shown and not [s for s in shown if other.search(s.replace("reference", ""))], shown
