"""Issue 24 in a real browser (Debian chromium, Playwright): an uploaded scenario whose hourly files
point at server files (/etc/passwd, /proc/self/environ), or at a file full of a secret inside the
app's data folder, is refused in the sidebar's error box — no contents, no server path, nothing
loaded. Screenshots: tests/artifacts/app_hostile_hourly_upload.png and app_hostile_hourly_inside.png."""
from __future__ import annotations

import pytest
from test_browser import ARGS, ARTIFACTS, CHROMIUM, ROOT, _guarded, server  # noqa: F401 (the server fixture)
from test_hostile_input import SECRET, planted_in_data  # noqa: F401 (a fixture)

from model.inputs.dataset import BUNDLED

pytestmark = [pytest.mark.slow, pytest.mark.browser]

OUTSIDE = b"name: hostile_hourly\nresolution: hourly\nhourly:\n  capacity_factors: /etc/passwd\n" \
          b"  demand_shapes: /proc/self/environ\n"


def test_the_app_refuses_a_hostile_hourly_upload(server, planted_in_data):  # noqa: F811
    from playwright.sync_api import sync_playwright

    external: list[str] = []
    inside = (f"name: hostile_inside\nresolution: hourly\nhourly:\n"
              f"  capacity_factors: ../profiles/{planted_in_data.name}\n").encode()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            ctx = browser.new_context(viewport={"width": 1280, "height": 1100}, locale="zh-CN")
            _guarded(ctx, external)
            page = ctx.new_page()
            page.goto(server, wait_until="domcontentloaded")
            page.get_by_role("button", name="求解 Solve", exact=True).wait_for(timeout=60_000)
            page.get_by_text("上传文件 Upload YAML").click()
            upload = page.locator("[data-testid='stFileUploader'] input[type=file]")
            alert = page.locator("[data-testid='stAlert']").filter(has_text="Scenario not loaded")  # top of the main area
            shots = {}
            for name, body, mark, shot in (
                    ("hostile.yaml", OUTSIDE, "hostile.yaml", "app_hostile_hourly_upload.png"),
                    ("inside.yaml", inside, planted_in_data.name, "app_hostile_hourly_inside.png")):
                upload.set_input_files({"name": name, "mimeType": "application/x-yaml", "buffer": body})
                box = alert.filter(has_text=mark)
                box.wait_for(timeout=60_000)
                box.scroll_into_view_if_needed()
                page.wait_for_timeout(500)
                page.screenshot(path=str(ARTIFACTS / shot))
                shots[name] = box.inner_text()
                html = page.content()
                assert SECRET not in html and "hunter2" not in html and "root:x:0:0" not in html
                assert str(ROOT) not in shots[name] and str(BUNDLED) not in html
            (ARTIFACTS / "app_hostile_hourly_messages.txt").write_text("\n\n".join(shots.values()), encoding="utf-8")
            assert ("hostile.yaml: field 'hourly.capacity_factors': refers to a file outside the data/ folder "
                    "(files elsewhere are not read)") in shots["hostile.yaml"]
            assert "hostile.yaml: field 'hourly.demand_shapes': refers to a file outside" in shots["hostile.yaml"]
            assert f"data/profiles/{planted_in_data.name}: file: 30 rows, expected 8760" in shots["inside.yaml"]
            assert page.get_by_text("上传 uploaded:").count() == 0  # nothing was loaded
            assert not external, external
        finally:
            browser.close()
