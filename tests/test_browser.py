"""The app in a real browser: Debian chromium driven by Playwright, zero external requests.

Flow: solve the reference, change the carbon price, solve again and see the KPIs change (timing
the lever-to-KPI round trip), download the Excel report and read it back, open the compare view and
see both scenarios, save screenshots to tests/artifacts/ (gitignored).
"""
from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


def _require_browser():
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium; `make system-deps`)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright Python package")
    if missing:
        reason = "browser test needs " + " and ".join(missing)
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(reason + " — CI must run it")
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    _require_browser()
    port = _free_port()
    log = open(ARTIFACTS.mkdir(parents=True, exist_ok=True) or ARTIFACTS / "streamlit.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"streamlit did not start; see {ARTIFACTS / 'streamlit.log'}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _metric(page, label: str) -> str:
    card = page.locator("[data-testid='stMetric']").filter(has_text=label).first
    return card.locator("[data-testid='stMetricValue']").inner_text().strip()


def _wait_idle(page, timeout=60_000):
    """Until the script run finishes (the status widget's 'Running…' indicator is gone)."""
    page.wait_for_function(
        "() => !document.querySelector(\"[data-testid='stStatusWidget'] [data-testid='stStatusWidgetRunningIcon'], "
        "[data-testid='stStatusWidget'] img\")", timeout=timeout)


def _full_page(page, path: Path) -> None:
    """Streamlit scrolls inside its main container: grow the viewport to its height first."""
    h = page.evaluate("() => Math.max(...[...document.querySelectorAll('section, [data-testid=stMain], "
                      "[data-testid=stAppViewContainer], [data-testid=stSidebarContent]')].map(e => e.scrollHeight))")
    page.set_viewport_size({"width": 1500, "height": min(int(h) + 60, 12000)})
    page.wait_for_timeout(1500)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": 1500, "height": 1000})


def test_browser_flow(server, tmp_path):
    from playwright.sync_api import sync_playwright

    external: list[str] = []
    console_errors: list[str] = []
    timings: dict[str, float] = {}

    def guard(route):
        if urlparse(route.request.url).hostname not in LOCAL_HOSTS:
            external.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            ctx = browser.new_context(viewport={"width": 1500, "height": 1000}, accept_downloads=True,
                                      locale="zh-CN")
            page = ctx.new_page()
            page.route("**/*", guard)
            page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)

            t = time.perf_counter()
            page.goto(server, wait_until="domcontentloaded")
            solve = page.get_by_role("button", name="求解 Solve", exact=True)
            solve.wait_for(timeout=60_000)
            timings["first_load_s"] = time.perf_counter() - t

            # 1. solve the reference (builds the model)
            t = time.perf_counter()
            solve.click()
            cost = page.locator("[data-testid='stMetric']").filter(has_text="总成本 Total cost")
            cost.first.wait_for(timeout=120_000)
            page.get_by_text("已求解 Solved").first.wait_for(timeout=120_000)
            timings["first_solve_s"] = time.perf_counter() - t
            _wait_idle(page)
            cost0, em0 = _metric(page, "总成本 Total cost"), _metric(page, "排放 Emissions")
            assert page.get_by_text("算力枢纽配置规划").first.is_visible()

            # 2. change the carbon price (a number input: type, then Enter)
            box = page.get_by_label("碳价 Carbon price (yuan/tCO2)")
            box.fill("300")
            box.press("Enter")
            page.get_by_text("Levers changed since the last solve").wait_for(timeout=30_000)
            _wait_idle(page)

            # 3. solve again: time from the click to the updated KPI on screen (model cached: warm)
            t = time.perf_counter()
            solve.click()
            page.wait_for_function(
                """old => { const c = [...document.querySelectorAll("[data-testid='stMetric']")]
                       .find(e => e.innerText.includes('总成本 Total cost'));
                       const v = c && c.querySelector("[data-testid='stMetricValue']");
                       return v && v.innerText.trim() !== old; }""", arg=cost0, polling="raf", timeout=60_000)
            timings["lever_to_kpi_s"] = time.perf_counter() - t
            _wait_idle(page)
            timings["lever_to_idle_s"] = time.perf_counter() - t
            cost1, em1 = _metric(page, "总成本 Total cost"), _metric(page, "排放 Emissions")
            assert cost1 != cost0 and em1 != em0
            assert float(cost1.replace(",", "")) > float(cost0.replace(",", ""))  # carbon costs more
            assert float(em1.replace(",", "")) < float(em0.replace(",", ""))  # and cuts emissions
            page.get_by_text("warm 热启动").first.wait_for(timeout=10_000)

            # results and map tabs render (Chinese labels in the page)
            page.get_by_role("tab", name="结果 Results").click()
            page.get_by_text("成本构成 Cost by term").first.wait_for()
            page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
            _full_page(page, ARTIFACTS / "app_results.png")
            page.get_by_role("tab", name="地图 Map").click()
            page.locator("[data-testid='stDeckGlJsonChart'] canvas").first.wait_for(timeout=30_000)
            page.wait_for_timeout(3000)
            _full_page(page, ARTIFACTS / "app_map.png")

            # 4. the Excel report, as the CLI writes it
            page.get_by_role("tab", name="导出 Export").click()
            button = page.get_by_role("button", name="Excel 报告 Excel report (.xlsx)")
            button.wait_for()
            with page.expect_download(timeout=60_000) as dl:
                button.click()
            path = tmp_path / "report.xlsx"
            dl.value.save_as(path)
            sheets = pd.read_excel(io.BytesIO(path.read_bytes()), sheet_name=None)
            assert {"Summary 摘要", "Allocation 分配", "Clusters 集群"} <= set(sheets)
            kpi = sheets["Summary 摘要"].set_index("kpi")["value"]
            assert f"{float(kpi['objective']) / 1e9:,.4f}" == cost1
            assert sheets["Allocation 分配"]["cluster_zh"].str.contains("集群").all()

            # 5. compare: both solved scenarios are there
            page.get_by_role("tab", name="比较 Compare").click()
            page.get_by_text("关键指标对比 KPIs side by side").wait_for()
            chosen = page.locator("[data-testid='stMultiSelect']").filter(has_text="比较的情景").first
            tags = chosen.locator("[data-tag]").evaluate_all("els => [...new Set(els.map(e => e.getAttribute('aria-label')))]")
            assert set(tags) == {"reference", "reference #2"}, tags
            page.get_by_text("reference #2 − reference").first.wait_for(timeout=30_000)  # difference chart title
            _full_page(page, ARTIFACTS / "app.png")

            # 6. uploads: a file that is not YAML gets an inline error; a good one is loaded
            page.get_by_text("上传文件 Upload YAML").click()
            upload = page.locator("[data-testid='stFileUploader'] input[type=file]")
            upload.set_input_files({"name": "picture.yaml", "mimeType": "application/octet-stream",
                                    "buffer": bytes(range(256)) * 8})
            alert = page.locator("[data-testid='stSidebar'] [data-testid='stAlert']").filter(has_text="未载入 Not loaded")
            alert.wait_for(timeout=30_000)
            assert "picture.yaml: file: not UTF-8 text" in alert.inner_text()
            upload.set_input_files({"name": "green.yaml", "mimeType": "application/x-yaml",
                                    "buffer": b"name: green_push\npolicy:\n  min_green_share: 0.5\n"})
            page.get_by_text("上传 uploaded: green.yaml").wait_for(timeout=30_000)
            assert page.get_by_text("未载入 Not loaded").count() == 0
        finally:
            browser.close()

    (ARTIFACTS / "browser_timings.json").write_text(json.dumps(timings, indent=2))
    print("\nbrowser timings (s):", json.dumps({k: round(v, 3) for k, v in timings.items()}))
    assert not external, f"external requests were made: {external}"
    assert not [e for e in console_errors if "Failed to fetch" in e or "ERR_" in e], console_errors
