"""A page of the built site, opened from disk (file://, no server) in headless Chromium,
shows its navigation and the API reference of ``DataClient.iter_tabular``.

The probe is a script appended to a copy of the built page: after the page has laid
itself out, it measures what a reader sees and writes that into the DOM, which Chromium
dumps. Skips where Chromium is not installed (``apt-get install chromium``).
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

TARGET = "viam_data_sync.DataClient.iter_tabular"

PROBE = """
<script>
window.addEventListener("load", () => setTimeout(() => {
  const visible = (el) => {
    if (!el) return false;
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    return box.width > 0 && box.height > 0 && style.display !== "none" && style.visibility !== "hidden";
  };
  const inView = (el) => {
    const box = el.getBoundingClientRect();
    return box.top >= 0 && box.top < window.innerHeight && box.left >= 0 && box.left < window.innerWidth;
  };
  const nav = document.querySelector(".sidebar-tree");
  const entry = document.getElementById("%(target)s");
  // What following the link does, without the theme's smooth scrolling (an animation
  // that headless Chromium's virtual time does not play).
  if (entry) entry.scrollIntoView({behavior: "instant", block: "start"});
  const out = {
    top: entry ? entry.getBoundingClientRect().top : null,
    nav: visible(nav),
    nav_links: nav ? [...nav.querySelectorAll("a")].filter(visible).map((a) => a.textContent.trim()) : [],
    entry: visible(entry),
    entry_in_view: inView(entry),
    signature: entry ? entry.textContent.replace(/\\s+/g, " ").trim() : "",
    description: entry ? entry.parentElement.querySelector("dd").textContent.replace(/\\s+/g, " ").trim() : "",
  };
  const pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
}, 1000));
</script>
""" % {"target": TARGET}


def test_a_built_page_shows_navigation_and_the_iter_tabular_reference(site: Path, tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Chromium is not installed")
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    page = copy / "reference" / "client.html"
    page.write_text(page.read_text().replace("</body>", PROBE + "</body>"))
    profile = tmp_path / "profile"
    done = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--window-size=1400,1000", "--virtual-time-budget=10000",
         "--dump-dom", page.as_uri() + "#" + TARGET],                     # a reader following a link
        capture_output=True, text=True, timeout=120,
    )
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert found is not None, done.stderr[-2000:]
    seen = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<")
                      .replace("&gt;", ">"))
    assert seen["nav"], seen
    for section in ("Getting started", "Migrating from viam-sdk", "How-to guides", "Reference", "Explanation"):
        assert section in seen["nav_links"], seen["nav_links"]
    assert seen["entry"] and seen["entry_in_view"], seen
    assert seen["signature"].startswith("DataClient.iter_tabular(filter: Filter | None = None, *, page_size"), seen
    assert seen["signature"].endswith("→ TabularIterator¶"), seen["signature"]
    assert seen["description"].startswith("Iterate over every tabular row matching filter, exactly once."), seen["description"]
