"""Benchmark: p95 latency of the サービス利用票 (第6表) page under concurrent load, against a trivial
view (same login and office-scope middleware) measured in the same run. Target: ratio ≤ 3×.

Run against a running server, e.g. the dev server with demo data:

    DEBUG=0 ... manage.py runserver 127.0.0.1:8102   (or bin/start)
    .venv/bin/python bench/schedule_page.py --base http://127.0.0.1:8102 \\
        --email sakura-cm@example.jp --password renkei-demo-2026 [--threads 8] [--requests 400] [--lines 40]

``--lines N`` first makes a copy of the month with N lines (for a client of the office) so the
page is measured at a realistic size; without it the first schedule of the month list is used.
Prints both p50/p95, the ratio, and the throughput.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import re
import statistics
import sys
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser


def opener_for(jar):
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def csrf_from(html: str) -> str:
    m = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not m:
        raise SystemExit("CSRF token not found (is this the Renkei login page?)")
    return m.group(1)


def login(base: str, email: str, password: str):
    jar = http.cookiejar.CookieJar()
    op = opener_for(jar)
    html = op.open(base + "/accounts/login/").read().decode()
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf_from(html), "login": email, "password": password})
    req = urllib.request.Request(
        base + "/accounts/login/", data=data.encode(), headers={"Referer": base + "/accounts/login/"}
    )
    resp = op.open(req)
    if "/accounts/login/" in resp.geturl():
        raise SystemExit("login failed: check --email / --password")
    return jar


def find_schedule(base: str, jar) -> str:
    html = opener_for(jar).open(base + "/schedules/").read().decode()
    m = re.search(r'href="(/schedules/\d+/)"', html)
    if not m:
        raise SystemExit("no サービス利用票 in this month's list; run load_demo or pass --schedule /schedules/<id>/")
    return m.group(1)


class _LineInputs(HTMLParser):
    """The values a browser submits for the inputs of one grid line (``line-0-*``): text and hidden
    inputs with their value, checkboxes only when checked (an unchecked 日割 box sends nothing)."""

    def __init__(self, prefix: str):
        super().__init__(convert_charrefs=True)
        self.prefix = prefix
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        if tag != "input":
            return
        a = dict(attrs)
        name = a.get("name") or ""
        if not name.startswith(self.prefix):
            return
        if (a.get("type") or "text").lower() in ("checkbox", "radio") and "checked" not in a:
            return
        self.values[name[len(self.prefix) :]] = a.get("value") or ("on" if a.get("type") == "checkbox" else "")


def saved_lines(html: str) -> tuple[int, int]:
    """(lines with a saved id, lines shown with errors) of a 第6表 page."""
    saved = len(re.findall(r'name="line-\d+-id" value="\d+"', html))
    errors = len(re.findall(r'class="[^"]*row-error', html))
    return saved, errors


def grow_schedule(base: str, jar, path: str, lines: int) -> None:
    """Save the schedule with ``lines`` lines copied from its first line (through the page's own form),
    then check on a fresh GET that exactly ``lines`` lines were saved without errors."""
    op = opener_for(jar)
    html = op.open(base + path).read().decode()
    # an earlier run may have left this member's unsaved draft (shown instead of the saved lines):
    # discard it so the copied line is the saved one
    discard = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf_from(html)}).encode()
    op.open(
        urllib.request.Request(base + path + "draft/discard/", data=discard, headers={"Referer": base + path})
    ).read()
    html = op.open(base + path).read().decode()
    first = re.search(r'<tr class="line[^"]*" data-row="0">(.*?)</tr>', html, re.S)
    if not first:
        raise SystemExit("the schedule has no line to copy")
    parser = _LineInputs("line-0-")
    parser.feed(first.group(1))
    values = parser.values
    version = re.search(r'name="version" value="(\d+)"', html).group(1)
    form = [("csrfmiddlewaretoken", csrf_from(html)), ("version", version)]
    for i in range(lines):
        form.append(("row", str(i)))
        for k, v in values.items():
            if k != "id":
                form.append((f"line-{i}-{k}", v))
    req = urllib.request.Request(
        base + path, data=urllib.parse.urlencode(form).encode(), headers={"Referer": base + path}
    )
    answer = op.open(req).read().decode()
    _saved, errors = saved_lines(answer)
    if errors:
        raise SystemExit(f"setup failed: saving {lines} lines answered with {errors} error rows (nothing timed)")
    saved, errors = saved_lines(op.open(base + path).read().decode())
    if saved != lines or errors:
        raise SystemExit(
            f"setup failed: the page shows {saved} saved lines and {errors} error rows, not {lines} saved lines"
        )


def measure(base: str, jar, path: str, n: int, threads: int) -> tuple[list[float], float]:
    local = threading.local()

    def one(_):
        if not hasattr(local, "op"):
            local.op = opener_for(jar)
        t = time.perf_counter()
        with local.op.open(base + path) as r:
            r.read()
            if r.status != 200:
                raise RuntimeError(f"{path}: HTTP {r.status}")
        return time.perf_counter() - t

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        times = list(pool.map(one, range(n)))
    return times, time.perf_counter() - start


def p(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", default="http://127.0.0.1:8102")
    ap.add_argument("--email", default="sakura-cm@example.jp")
    ap.add_argument("--password", default="renkei-demo-2026")
    ap.add_argument("--schedule", help="path of the page, e.g. /schedules/1/ (default: first in this month's list)")
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--lines", type=int, default=0, help="first save the schedule with this many lines")
    args = ap.parse_args()

    jar = login(args.base, args.email, args.password)
    path = args.schedule or find_schedule(args.base, jar)
    if args.lines:
        grow_schedule(args.base, jar, path, args.lines)
    trivial = "/schedules/alive/"
    html = opener_for(jar).open(args.base + path).read().decode()
    line_count, error_rows = saved_lines(html)
    if error_rows or (args.lines and line_count != args.lines) or not line_count:
        raise SystemExit(f"setup failed: {path} shows {line_count} saved lines and {error_rows} error rows")
    for target in (trivial, path):  # warm up
        measure(args.base, jar, target, args.threads * 2, args.threads)
    base_times, base_wall = measure(args.base, jar, trivial, args.requests, args.threads)
    page_times, page_wall = measure(args.base, jar, path, args.requests, args.threads)

    def row(name, times, wall):
        return (
            f"{name:<28} p50 {statistics.median(times) * 1000:7.1f} ms   p95 {p(times, 0.95) * 1000:7.1f} ms   "
            f"{len(times) / wall:6.1f} req/s"
        )

    print(f"{args.requests} requests each, {args.threads} threads, against {args.base}")
    print(row(f"trivial view {trivial}", base_times, base_wall))
    print(row(f"第6表 page {path} ({line_count} saved lines)", page_times, page_wall))
    ratio = p(page_times, 0.95) / p(base_times, 0.95)
    print(
        f"p95 ratio (第6表 {line_count} lines / trivial): {ratio:.2f}x, p95 {p(page_times, 0.95) * 1000:.1f} ms vs "
        f"{p(base_times, 0.95) * 1000:.1f} ms (target <= 3x) {'OK' if ratio <= 3 else 'OVER'}"
    )
    return 0 if ratio <= 3 else 1


if __name__ == "__main__":
    sys.exit(main())
