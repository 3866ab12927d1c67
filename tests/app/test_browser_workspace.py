"""The workspace in a real browser (Debian chromium, Playwright) against a real Streamlit server:
solve → save → restart the server → reopen the saved run without solving → compare it with a run
a CLI batch registered (`hubplan batch --workspace`). Zero external requests. Screenshots go to
tests/artifacts/workspace_*.png."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from test_browser import ARGS, ARTIFACTS, CHROMIUM, _full_page, _guarded, _require_browser, _wait_idle, streamlit_server

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
HUBPLAN = Path(sys.executable).parent / "hubplan"


def _choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the Streamlit selectbox labelled ``label``."""
    page.locator("[data-testid='stSelectbox']").filter(has_text=label).first.click()
    page.get_by_role("option", name=option).first.click()
    _wait_idle(page)


def test_saved_run_survives_a_restart_and_compares_with_a_cli_batch_run(tmp_path):
    _require_browser()
    from playwright.sync_api import sync_playwright

    workspace = tmp_path / "team.db"
    external: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            # 1. solve the reference and save it with its result
            with streamlit_server("streamlit_workspace_1.log", {"HUBPLAN_WORKSPACE": str(workspace)}) as url:
                ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
                _guarded(ctx, external)
                page = ctx.new_page()
                page.goto(url, wait_until="domcontentloaded")
                page.get_by_role("button", name="求解 Solve", exact=True).click(timeout=60_000)
                page.get_by_text("已求解 Solved").first.wait_for(timeout=120_000)
                _wait_idle(page)
                cost = page.locator("[data-testid='stMetric']").filter(has_text="Cost without penalties").first \
                    .locator("[data-testid='stMetricValue']").inner_text().strip()
                page.get_by_role("tab", name="工作区 Workspace").click()
                name = page.get_by_label("名称 Name")
                name.fill("周一简报 Monday brief")
                name.press("Enter")
                _wait_idle(page)
                page.get_by_role("button", name="保存 Save", exact=True).click()
                try:
                    page.get_by_text("Saved scenario '周一简报 Monday brief' and its result (run 1)").wait_for(timeout=30_000)
                except Exception:  # what the page showed instead, for the CI log's reader
                    _full_page(page, ARTIFACTS / "workspace_save_failed.png")
                    raise
                ctx.close()
            # the server is gone; a command-line batch registers its run in the same workspace
            r = subprocess.run([str(HUBPLAN), "batch", "data/scenarios/west_push.yaml", "--out", str(tmp_path / "b"), "-q",
                                "--workers", "1", "--no-html", "--workspace", str(workspace)],
                               cwd=ROOT, capture_output=True, text=True)
            assert r.returncode == 0 and "run 2 (west_push)" in r.stdout, r.stdout + r.stderr

            # 2. a new server: the saved run reopens without solving, and compares with the CLI's
            with streamlit_server("streamlit_workspace_2.log", {"HUBPLAN_WORKSPACE": str(workspace)}) as url:
                ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
                _guarded(ctx, external)
                page = ctx.new_page()
                page.goto(url, wait_until="domcontentloaded")
                page.get_by_role("tab", name="工作区 Workspace").click(timeout=60_000)
                page.get_by_text("已保存的运行 Saved runs").wait_for(timeout=60_000)
                _choose(page, "打开运行（不重新求解） Open a run (no solve)", "#1 周一简报 Monday brief")
                page.get_by_role("button", name="打开 Open", exact=True).click()
                page.get_by_text("Opened run 1 (周一简报 Monday brief) without solving").wait_for(timeout=30_000)
                _wait_idle(page)
                assert page.get_by_text("已求解 Solved").count() == 0  # no solve in this server's life
                # compare: A = the batch's run (newest first), B = the saved app run
                page.get_by_text("输入差异 Inputs that differ").wait_for(timeout=30_000)
                diff = page.locator("[data-testid='stTable']").first.inner_text()
                assert "A #2 west_push" in diff and "B #1 周一简报 Monday brief" in diff
                page.get_by_text("各集群分配差异 Allocation difference by cluster").wait_for()
                _full_page(page, ARTIFACTS / "workspace_1440.png")
                page.set_viewport_size({"width": 390, "height": 844})
                page.get_by_text("已保存的运行 Saved runs").scroll_into_view_if_needed()
                page.wait_for_timeout(1000)
                page.screenshot(path=str(ARTIFACTS / "workspace_390.png"))
                page.set_viewport_size({"width": 1440, "height": 900})
                page.get_by_role("tab", name="结果 Results").click()
                card = page.locator("[data-testid='stMetric']").filter(has_text="Cost without penalties").first
                card.wait_for(timeout=30_000)
                assert card.locator("[data-testid='stMetricValue']").inner_text().strip() == cost
                ctx.close()
        finally:
            browser.close()
    assert not external, external
