"""Banner benchmark: bundle size beside peer CMPs, and time to visible / layout shift / INP in Chromium.

Run: `DEBUG=1 [BENCH_LOADS=20] .venv/bin/python bench/banner.py` (after `npm ci`). Prints figures; never
run by the tests. The page and the script are served by Playwright's router from memory, so only the
browser is timed. Baselines: vanilla-cookieconsent's bundle for size, and for the timings a bare
script that puts a modal <dialog> with one button on the page, measured in the same browser.
"""

import gzip
import os
import statistics
import sys
import tempfile
from pathlib import Path

import brotli

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import ROOT, LoadWatch, ratio, report

NODE = ROOT / "node_modules"
LOADS = int(os.environ.get("BENCH_LOADS", "20"))
BASELINE_BUNDLE = "vanilla-cookieconsent 3.1 (JS + CSS)"
# The least a banner can do: a modal dialog with one button, no config, no texts, no styles.
BARE_SCRIPT = b"""
const dialog = document.createElement("dialog");
const button = document.createElement("button");
button.textContent = "Accept all";
button.addEventListener("click", () => dialog.close());
dialog.append("This site uses cookies.", button);
document.body.append(dialog);
dialog.showModal();
"""

PEERS = {
    "assent (this bundle, JS + CSS)": [ROOT / "static/banner/dist/assent.js"],
    "vanilla-cookieconsent 3.1 (JS + CSS)": [
        NODE / "vanilla-cookieconsent/dist/cookieconsent.umd.js",
        NODE / "vanilla-cookieconsent/dist/cookieconsent.css",
    ],
    "tarteaucitron (core + CSS)": [
        NODE / "tarteaucitronjs/tarteaucitron.min.js",
        NODE / "tarteaucitronjs/css/tarteaucitron.min.css",
    ],
    "klaro (JS with CSS)": [NODE / "klaro/dist/klaro.js"],
}


def sizes(data: bytes) -> tuple[int, int, int]:
    """Return raw, gzip -9 and brotli -q 11 sizes, as a CDN would serve them."""
    return len(data), len(gzip.compress(data, 9, mtime=0)), len(brotli.compress(data, quality=11))


def demo_script() -> bytes:
    """Render /c/demo.js (bundle + the demo site's texts) from a throwaway database."""
    var = tempfile.mkdtemp(prefix="assent-bench-")
    os.environ.update({"DEBUG": "1", "ASSENT_VAR_DIR": var, "DJANGO_SETTINGS_MODULE": "consent.settings"})
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from consent.banner import selectors
    from consent.demo import demo_seed

    site = demo_seed().site
    return selectors.script_render(
        config=selectors.banner_config(site=site, version=selectors.version_latest(site=site))
    )


PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench</title></head><body>
<main><h1>Article</h1><p>Some text.</p></main>
<script>window.__layoutShift = 0; new PerformanceObserver(l => { for (const e of l.getEntries())
  if (!e.hadRecentInput) window.__layoutShift += e.value; }).observe({type: 'layout-shift', buffered: true});
window.__events = [];
new PerformanceObserver(l => { for (const e of l.getEntries()) window.__events.push([e.name, e.duration]); })
  .observe({type: 'event', durationThreshold: 16, buffered: true});
window.__start = performance.now();</script>
<script src="/c/demo.js"></script>
<script>window.__inDom = performance.now();
requestAnimationFrame(() => setTimeout(() => { window.__painted = performance.now(); }, 0));</script>
</body></html>"""


def browser_timings(script: bytes, *, bare: bool = False) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    visible, painted, shifts, inp = [], [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for _ in range(LOADS):
            context = browser.new_context()
            page = context.new_page()

            def serve(route):
                url = route.request.url
                if url.endswith("/c/demo.js"):
                    # Marks around the script time its run alone, not its delivery.
                    body = b"window.__scriptStart = performance.now();\n" + script
                    route.fulfill(status=200, content_type="text/javascript", body=body)
                elif url.endswith("/consents"):
                    route.fulfill(status=201, content_type="application/json", body='{"receipt":"r","state":{}}')
                elif url.endswith("/impressions"):
                    route.fulfill(status=204)
                else:
                    route.fulfill(status=200, content_type="text/html", body=PAGE)

            page.route("**/*", serve)
            page.goto("http://bench.test/")
            page.wait_for_function("window.__painted !== undefined")
            shown = "dialog[open]" if bare else "assent-banner"
            assert page.evaluate(f"!!document.querySelector('{shown}')")
            if not bare:
                banner = "document.querySelector('assent-banner').shadowRoot"
                assert page.evaluate(f"!!{banner}.querySelector('dialog[open]')")
            visible.append(page.evaluate("window.__inDom - window.__scriptStart"))
            painted.append(page.evaluate("window.__painted - window.__scriptStart"))
            page.get_by_role("button", name="Accept all").click()
            page.wait_for_timeout(150)
            shifts.append(page.evaluate("window.__layoutShift"))
            events = page.evaluate("window.__events")
            inp.append(max([d for name, d in events if name in {"click", "pointerup", "pointerdown"}], default=0.0))
            context.close()
        browser.close()
    return {
        "script runs -> banner in DOM (ms, median)": statistics.median(visible),
        "script runs -> next frame painted (ms, median)": statistics.median(painted),
        "cumulative layout shift (max)": max(shifts),
        "Accept click, event duration (ms, median; <16 counts as 0)": statistics.median(inp),
        "Accept click, event duration (ms, worst)": max(inp),
    }


def region_timings(calls: int = 20_000) -> list[str]:
    """Time region resolution per request: a CDN header, an operator's GeoIP2 file, and a bare dict read."""
    import timeit

    from mmdb_writer import MMDBWriter
    from netaddr import IPSet

    from consent.regions.resolution import region_resolve

    with tempfile.TemporaryDirectory() as folder:
        writer = MMDBWriter(ip_version=6, database_type="GeoIP2-City", ipv4_compatible=True)
        writer.insert_network(
            IPSet(["8.8.8.0/24"]), {"country": {"iso_code": "US"}, "subdivisions": [{"iso_code": "CA"}]}
        )
        geoip = str(Path(folder) / "City.mmdb")
        writer.to_db_file(geoip)
        meta = {"HTTP_CF_IPCOUNTRY": "US", "HTTP_CF_REGION_CODE": "CA", "REMOTE_ADDR": "8.8.8.8"}
        cases = {
            "header preset (cloudflare)": lambda: region_resolve(meta, address="8.8.8.8", headers="cloudflare"),
            "GeoIP2 file": lambda: region_resolve({}, address="8.8.8.8", geoip_path=geoip),
            "baseline: two dict reads": lambda: (meta.get("HTTP_CF_IPCOUNTRY"), meta.get("HTTP_CF_REGION_CODE")),
        }
        cost = {name: min(timeit.repeat(case, number=calls, repeat=3)) / calls * 1e6 for name, case in cases.items()}
    lines = [f"region resolution, {calls:,} calls, best of 3 (µs per request)"]
    lines += [f"  {name:<40}{value:>8.2f}" for name, value in cost.items()]
    lines.append("  target: < 200 µs added to a request")
    return lines


def main() -> None:
    lines = [f"{'bundle':<42}{'raw':>10}{'gzip':>10}{'brotli':>10}"]
    gzipped = {}
    for name, files in PEERS.items():
        raw, gz, br = sizes(b"".join(f.read_bytes() for f in files))
        gzipped[name] = gz
        lines.append(f"{name:<42}{raw:>10,}{gz:>10,}{br:>10,}")
    script = demo_script()
    raw, gz, br = sizes(script)
    lines.append(f"{'assent /c/demo.js (+ en/ja texts, config)':<42}{raw:>10,}{gz:>10,}{br:>10,}")
    lines.append(f"bundle gzip: {ratio(gzipped[next(iter(PEERS))], gzipped[BASELINE_BUNDLE])} ({BASELINE_BUNDLE})")
    with LoadWatch() as load:
        assent = browser_timings(script)
        bare = browser_timings(BARE_SCRIPT, bare=True)
    lines.append(f"{f'{LOADS} page loads each':<60}{'assent':>10}{'bare':>10}")
    for name, value in assent.items():
        lines.append(f"{name:<60}{value:>10.2f}{bare[name]:>10.2f}")
    visible = "script runs -> banner in DOM (ms, median)"
    lines.append(f"time to banner in DOM: {ratio(assent[visible], bare[visible])} (bare dialog script)")
    lines += region_timings()
    report("banner: size and time to visible", lines, load)


if __name__ == "__main__":
    main()
