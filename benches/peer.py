#!/usr/bin/env python3
"""ecsreset against its peers: the official Huawei Cloud Python SDK, driven the way its samples do.

Build first, then run from the repository root:

    cargo build --release
    python3 benches/peer.py                      # both parts, default sizes
    python3 benches/peer.py --bin /path/to/ecsreset --projects 2 --servers 500
    python3 benches/peer.py --skip-tui-memory    # part 1 only
    python3 benches/peer.py --tui-memory         # part 2 only
    python3 benches/peer.py --throttle           # part 3 only: finding the gateway's limit

The binary defaults to $CARGO_TARGET_DIR/release/ecsreset, else target/release/ecsreset.
Nothing is built here; nothing leaves 127.0.0.1.

Part 1 starts `ecsreset sim` (default 2 projects x 1000 servers, fixed latency 20 ms per
request; the sequential run then takes about 50 s) and, one at a time, audits every
server's one-click reset flag with:
  (a) `ecsreset --config C audit --format json`;
  (b) the SDK sequentially: a new EcsClient per project, ListServersDetails page by page,
      then ShowResetPasswordFlag one server after the other;
  (c) the same with a ThreadPoolExecutor as wide as ecsreset's configured concurrency.
(b) and (c) run as child processes of this script (`--peer sequential|concurrent`), so each
process is measured alone: wall time, user+sys CPU and peak RSS from os.wait4. API calls:
the simulator keeps counters but neither serves nor prints them, so (b) and (c) count their
own calls and (a)'s are derived from its paging rule (one page per `page_size` servers, a
short or `count`-reaching page ends a project, plus one flag call per server); (b) and (c)
use the same rule, so the three numbers must agree. The three flag sets are compared server
by server. The SDK children also report "work" figures measured inside the process, which
leave out interpreter start-up and the SDK import.

Part 2 starts `ecsreset sim --projects 10 --servers 1000 --latency-ms 0` (the simulator does
not throttle unless --rate-limit is given), runs the TUI in a pseudo-terminal (200x60,
TERM=xterm-256color), follows its screen with a small terminal emulator until the status
line shows every server and no "flags pending", then reads VmHWM/VmRSS from /proc/PID/status
and quits with `q`.

Part 3 (`--throttle`, not run by default: about 5 minutes) starts one `ecsreset sim` per
gateway limit (`--limits`, default 10,60,200,500 calls/s per key and API; 20 ms latency;
`--throttle-projects` x `--throttle-servers`, default 2 x 1000) twice: once stating the
policy in each 429, once not (`--rate-limit-quiet`). Against each it runs (a) `ecsreset audit`
from the DEFAULT config (no [tuning]: no rate ceiling, the limiter finds the limit; all
eight at once, one per simulator) and then (c) the SDK's threaded script (as in part 1,
`--concurrency` wide), whose failed calls are counted by HTTP status. ecsreset's rate is
flags / the process's whole wall time (start-up and listing included, so a little under
what `cargo bench --bench audit` reports from first to last flag).

The client config is the one `ecsreset sim --write-config` writes (mode 0600, in a private
temporary directory) plus a [tuning] table: `--concurrency` (default 16, ecsreset's default)
and `--rate` (default 100000/s). ecsreset's shipped ceiling is 20 requests/s, which would
make (a) wait on its own limiter; the SDK peers have no limiter at all, so the comparison
lifts it. With the 20 ms latency every run is latency-bound, so a concurrent run can beat
the sequential one by at most about concurrency x (sequential time per call / 20 ms): about
20x at 16; try --concurrency 64 or 128 for more.

Every child (simulator, audits, SDK runs, TUI) is killed on the way out, also on Ctrl-C or
SIGTERM. Without the SDK (tests/conformance/requirements.txt), (b) and (c) are skipped with
a one-line message.
"""

import argparse
import codecs
import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
import tomllib
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LATENCY_MS = 20
TUI_PROJECTS = 10
TUI_SERVERS = 1000
TUI_SIZE = (60, 200)  # rows, columns
TUI_RSS_TARGET_MB = 50
SPEEDUP_TARGET = 50
CPU_RATIO_TARGET = 10
SIM_START_TIMEOUT = 30.0
STATUS_RE = re.compile(r"(\d+) servers(?: · \d+ shown)? · \d+ marked(?: · (\d+) flags pending)?")
# Variables that would replace the config's keys in ecsreset (and the SDK's own).
SCRUBBED_ENV = (
    "HUAWEICLOUD_SDK_AK",
    "HUAWEICLOUD_SDK_SK",
    "HUAWEICLOUD_SDK_SECURITY_TOKEN",
    "HUAWEICLOUD_SDK_PROJECT_ID",
    "ECSRESET_CONFIG",
    "ECSRESET_LOG",
    "ECSRESET_SIM_SK",
)


# --------------------------------------------------------------------------- child processes


class Children:
    """Every process this script starts, so that all of them can be stopped on the way out."""

    def __init__(self):
        self.pids = {}

    def add(self, pid, name):
        self.pids[pid] = name

    def reaped(self, pid):
        self.pids.pop(pid, None)

    def stop_all(self, grace=3.0):
        for pid in list(self.pids):
            stop_pid(pid, grace)
            self.reaped(pid)


def stop_pid(pid, grace):
    """SIGTERM, then SIGKILL after `grace` seconds; reaps the process either way."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                return
            if done:
                return
            time.sleep(0.02)


def child_env():
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


def interrupt_on_signals():
    """SIGINT and SIGTERM raise KeyboardInterrupt, so the cleanup in main always runs (also
    when this script was started with SIGINT ignored, as shells do for background jobs)."""

    def handler(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


@dataclass
class Measured:
    name: str
    wall: float
    cpu: float
    maxrss_kb: int
    exit_code: int
    stdout: str
    stderr: str


def run_measured(children, name, argv, workdir):
    """Runs argv to completion; wall clock here, CPU and peak RSS from the kernel (wait4)."""
    out_path, err_path = workdir / f"{name}.out", workdir / f"{name}.err"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.monotonic()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=child_env())
        children.add(proc.pid, name)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - started
    children.reaped(proc.pid)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Measured(
        name=name,
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        maxrss_kb=usage.ru_maxrss,
        exit_code=proc.returncode,
        stdout=out_path.read_text(errors="replace"),
        stderr=err_path.read_text(errors="replace"),
    )


# --------------------------------------------------------------------------- the simulator


@dataclass
class Sim:
    pid: int
    url: str
    servers: int
    config: Path


def start_sim(children, binary, workdir, tag, projects, servers, seed, latency_ms, extra=()):
    """Starts `ecsreset sim` on a free loopback port and waits until it serves."""
    config = workdir / f"{tag}.toml"
    log = workdir / f"{tag}.sim.out"
    argv = [
        str(binary), "sim", "--listen", "127.0.0.1:0",
        "--projects", str(projects), "--servers", str(servers), "--seed", str(seed),
        "--latency-ms", str(latency_ms), "--write-config", str(config), *extra,
    ]
    with open(log, "wb") as out, open(workdir / f"{tag}.sim.err", "wb") as err:
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=child_env(),
            start_new_session=True,
        )
    children.add(proc.pid, f"sim {tag}")
    deadline = time.monotonic() + SIM_START_TIMEOUT
    while True:
        text = log.read_text(errors="replace")
        if "Serving until" in text:
            break
        if proc.poll() is not None or time.monotonic() > deadline:
            err = (workdir / f"{tag}.sim.err").read_text(errors="replace").strip()
            raise RuntimeError(f"the simulator did not start: {err or text.strip()}")
        time.sleep(0.05)
    url = re.search(r"listening on (\S+)", text).group(1)
    total = int(re.search(r"fleet: [^\n]*?(\d+) servers", text).group(1))
    return Sim(pid=proc.pid, url=url, servers=total, config=config)


def add_tuning(config, concurrency, rate, page_size):
    """Appends ecsreset's [tuning] to the simulator-written client config (stays 0600)."""
    with open(config, "a") as f:
        f.write(
            f"\n[tuning]\nconcurrency = {concurrency}\nrate_per_second = {float(rate)}\n"
            f"page_size = {page_size}\n"
        )


def read_client_config(path):
    """The endpoint, keys and projects of a client config, as the SDK peers need them."""
    with open(path, "rb") as f:
        doc = tomllib.load(f)
    return {
        "url": doc["endpoints"]["ecs"],
        "ak": doc["credentials"]["access_key"],
        "sk": doc["credentials"]["secret_key"],
        "projects": [p["id"] for p in doc.get("projects", [])],
        "concurrency": doc.get("tuning", {}).get("concurrency", 16),
        "page_size": doc.get("tuning", {}).get("page_size", 1000),
    }


# --------------------------------------------------------------------------- SDK peers (children)


def sdk_missing():
    """None when the SDK imports, else why not."""
    try:
        import huaweicloudsdkcore  # noqa: F401
        import huaweicloudsdkecs.v2  # noqa: F401
    except ImportError as e:
        return f"{e}; pip install -r tests/conformance/requirements.txt"
    return None


def sdk_client(cfg, project_id, pool_size=None):
    """An EcsClient for one project, pointed at the simulator; the SDK's default connection
    pool (10) unless `pool_size` is given."""
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.http.http_config import HttpConfig
    from huaweicloudsdkecs.v2 import EcsClient

    http = HttpConfig.get_default_config()
    http.timeout = (5, 30)
    http.ignore_ssl_verification = cfg["url"].startswith("http://")
    if pool_size:
        http.pool_connections = http.pool_maxsize = pool_size
    return (
        EcsClient.new_builder()
        .with_http_config(http)
        .with_credentials(BasicCredentials(cfg["ak"], cfg["sk"], project_id))
        .with_endpoints([cfg["url"]])
        .build()
    )


def sdk_list(client, limit, calls):
    """Every server id of the client's project, page by page (offset is a page number)."""
    from huaweicloudsdkecs.v2 import ListServersDetailsRequest

    ids, page = [], 1
    while True:
        resp = client.list_servers_details(ListServersDetailsRequest(offset=page, limit=limit))
        calls.append(1)
        got = resp.servers or []
        ids += [s.id for s in got]
        if len(got) < limit or (resp.count is not None and len(ids) >= resp.count) or not got:
            return ids
        page += 1


def sdk_flag(client, server_id, calls):
    """True/False, or None when the call failed or the value is not documented."""
    from huaweicloudsdkecs.v2 import ShowResetPasswordFlagRequest

    calls.append(1)
    try:
        resp = client.show_reset_password_flag(ShowResetPasswordFlagRequest(server_id=server_id))
    except Exception:  # an unknown flag, like ecsreset's error column
        return None
    return {"True": True, "False": False}.get(resp.resetpwd_flag)


def peer_sequential(cfg):
    calls, flags = [], {}
    for project in cfg["projects"]:
        client = sdk_client(cfg, project)
        for sid in sdk_list(client, cfg["page_size"], calls):
            flags[f"{project}/{sid}"] = sdk_flag(client, sid, calls)
    return flags, len(calls)


def peer_concurrent(cfg):
    width = cfg["concurrency"]
    calls, flags = [], {}
    clients = {p: sdk_client(cfg, p, width) for p in cfg["projects"]}
    with ThreadPoolExecutor(max_workers=width) as pool:
        listed = pool.map(lambda p: (p, sdk_list(clients[p], cfg["page_size"], calls)), clients)
        work = [(p, sid) for p, ids in listed for sid in ids]
        results = pool.map(lambda w: sdk_flag(clients[w[0]], w[1], calls), work)
        for (p, sid), flag in zip(work, results):
            flags[f"{p}/{sid}"] = flag
    return flags, len(calls)


def sdk_error_kind(e):
    """The HTTP status of a failed SDK call, or the exception's class name."""
    status = getattr(e, "status_code", None)
    return str(status) if status else type(e).__name__


def peer_threaded(cfg):
    """Part 3: the threaded script against a throttling gateway; every failure is counted."""
    from huaweicloudsdkecs.v2 import ListServersDetailsRequest, ShowResetPasswordFlagRequest

    width = cfg["concurrency"]
    calls, errors, flags = [], {}, {}

    def failed(e):
        kind = sdk_error_kind(e)
        errors[kind] = errors.get(kind, 0) + 1

    def listing(p):
        try:
            return p, sdk_list(clients[p], cfg["page_size"], calls)
        except Exception as e:  # the whole project is lost, as a failed list is in ecsreset
            failed(e)
            return p, []

    def flag(w):
        calls.append(1)
        try:
            resp = clients[w[0]].show_reset_password_flag(ShowResetPasswordFlagRequest(server_id=w[1]))
        except Exception as e:
            failed(e)
            return None
        return {"True": True, "False": False}.get(resp.resetpwd_flag)

    clients = {p: sdk_client(cfg, p, width) for p in cfg["projects"]}
    with ThreadPoolExecutor(max_workers=width) as pool:
        work = [(p, sid) for p, ids in pool.map(listing, clients) for sid in ids]
        for (p, sid), f in zip(work, pool.map(flag, work)):
            flags[f"{p}/{sid}"] = f
    return flags, len(calls), errors


def peer_main(kind, config_path):
    """Child mode: audit with the SDK, print flags, calls and in-process figures as JSON."""
    wall0 = time.monotonic()
    missing = sdk_missing()
    if missing:
        print(f"SDK unavailable: {missing}", file=sys.stderr)
        return 3
    cfg = read_client_config(config_path)
    os.environ.setdefault("HUAWEICLOUD_SDK_IAM_ENDPOINT", cfg["url"])
    wall1, cpu1 = time.monotonic(), time.process_time()
    errors = {}
    if kind == "threaded":
        flags, calls, errors = peer_threaded(cfg)
    else:
        flags, calls = (peer_sequential if kind == "sequential" else peer_concurrent)(cfg)
    json.dump(
        {
            "flags": flags,
            "calls": calls,
            "errors": errors,
            "import_wall": wall1 - wall0,
            "work_wall": time.monotonic() - wall1,
            "work_cpu": time.process_time() - cpu1,
        },
        sys.stdout,
    )
    return 0


# --------------------------------------------------------------------------- part 1


@dataclass
class Result:
    label: str
    run: Measured
    flags: dict
    calls: int
    work_wall: float = None
    work_cpu: float = None
    runs: list = field(default_factory=list)


def pages_for(n, limit):
    """ecsreset's paging rule: stop at a short page or once `count` servers are in."""
    return max(1, -(-n // limit))


def run_ecsreset_audit(children, binary, config, workdir, page_size, repeat):
    runs = []
    for i in range(repeat):
        argv = [str(binary), "--config", str(config), "audit", "--format", "json"]
        m = run_measured(children, f"ecsreset-{i}", argv, workdir)
        if m.exit_code not in (0, 2):
            raise RuntimeError(f"ecsreset audit exited {m.exit_code}: {m.stderr.strip()}")
        runs.append(m)
    median = sorted(runs, key=lambda m: m.wall)[len(runs) // 2]
    records = json.loads(median.stdout)
    flags = {f"{r['project_id']}/{r['server_id']}": r["reset_supported"] for r in records}
    per_project = dict.fromkeys(read_client_config(config)["projects"], 0)
    for r in records:
        per_project[r["project_id"]] += 1
    calls = sum(pages_for(n, page_size) + n for n in per_project.values())
    return Result("(a) ecsreset audit", median, flags, calls, runs=runs)


def run_peer(children, kind, label, config, workdir):
    argv = [sys.executable, str(Path(__file__).resolve()), "--peer", kind, "--config", str(config)]
    m = run_measured(children, f"sdk-{kind}", argv, workdir)
    if m.exit_code != 0:
        raise RuntimeError(f"SDK {kind} run exited {m.exit_code}: {m.stderr.strip()[-2000:]}")
    doc = json.loads(m.stdout)
    return Result(label, m, doc["flags"], doc["calls"], doc["work_wall"], doc["work_cpu"])


def disagreement(x, y):
    """Servers whose flag differs between two runs, including servers only one of them saw."""
    return sum(1 for k in x.keys() | y.keys() if k not in x or k not in y or x[k] != y[k])


def flag_counts(flags):
    yes = sum(1 for v in flags.values() if v is True)
    no = sum(1 for v in flags.values() if v is False)
    return f"{yes}/{no}/{len(flags) - yes - no}"


def verdict(ok):
    return "met" if ok else "MISSED"


def print_part1(results, sim, args):
    print()
    print(
        f"Fleet: {args.projects} projects x {args.servers} servers = {sim.servers}, "
        f"latency {args.latency_ms} ms, concurrency {args.concurrency}, page size {args.page_size}, "
        f"ecsreset rate ceiling {args.rate:g}/s"
    )
    head = f"{'run':<28}{'wall s':>9}{'CPU s':>9}{'calls':>7}{'CPU ms/call':>13}{'peak RSS MB':>13}  flags yes/no/unknown"
    print(head)
    print("-" * len(head))
    for r in results:
        m = r.run
        print(
            f"{r.label:<28}{m.wall:>9.2f}{m.cpu:>9.2f}{r.calls:>7}{1000 * m.cpu / r.calls:>13.3f}"
            f"{m.maxrss_kb / 1024:>13.1f}  {flag_counts(r.flags)}"
        )
    for r in results:
        if r.work_wall is not None:
            print(
                f"  {r.label}, work only (no interpreter start, no SDK import): wall {r.work_wall:.2f} s, "
                f"CPU {r.work_cpu:.2f} s = {1000 * r.work_cpu / r.calls:.3f} ms/call"
            )
    a = results[0]
    if len(a.runs) > 1:
        walls = ", ".join(f"{m.wall:.2f}" for m in a.runs)
        cpus = ", ".join(f"{m.cpu:.2f}" for m in a.runs)
        print(f"  {a.label}: {len(a.runs)} runs, median shown; wall s {walls}; CPU s {cpus}")
    print()
    for i, x in enumerate(results):
        for y in results[i + 1:]:
            print(f"flag disagreement {x.label.split()[0]} vs {y.label.split()[0]}: {disagreement(x.flags, y.flags)} servers")
    if len(results) > 1:
        same = len({r.calls for r in results}) == 1
        print(f"API calls agree: {'yes' if same else 'NO'} ({', '.join(str(r.calls) for r in results)})")
    a_cpu_call = a.run.cpu / a.calls
    for r in results[1:]:
        speedup = r.run.wall / a.run.wall
        if "sequential" in r.label:
            target, ok = f">= {SPEEDUP_TARGET}x", speedup >= SPEEDUP_TARGET
        else:
            target, ok = "> 1x", speedup > 1.0
        print(f"speedup of (a) over {r.label.split()[0]}: {speedup:.1f}x wall (target {target}: {verdict(ok)})")
    for r in results[1:]:
        ratio = (r.run.cpu / r.calls) / a_cpu_call
        work = "" if r.work_cpu is None else f"; work only {(r.work_cpu / r.calls) / a_cpu_call:.1f}x"
        print(
            f"CPU per call, {r.label.split()[0]} / (a): {ratio:.1f}x{work} "
            f"(target >= {CPU_RATIO_TARGET}x: {verdict(ratio >= CPU_RATIO_TARGET)})"
        )
    print("peak RSS: " + ", ".join(f"{r.label.split()[0]} {r.run.maxrss_kb / 1024:.1f} MB" for r in results))


def part1(children, binary, workdir, args):
    sim = start_sim(children, binary, workdir, "peers", args.projects, args.servers, args.seed, args.latency_ms)
    add_tuning(sim.config, args.concurrency, args.rate, args.page_size)
    print(f"simulator at {sim.url}: {sim.servers} servers")
    results = []
    try:
        print("(a) ecsreset audit ...", flush=True)
        results.append(run_ecsreset_audit(children, binary, sim.config, workdir, args.page_size, args.ecsreset_runs))
        missing = sdk_missing()
        if missing:
            print(f"SDK peers skipped: the Huawei Cloud Python SDK cannot be imported ({missing})")
        else:
            print("(b) SDK sequential ...", flush=True)
            results.append(run_peer(children, "sequential", "(b) SDK sequential", sim.config, workdir))
            print(f"(c) SDK {args.concurrency} threads ...", flush=True)
            label = f"(c) SDK ThreadPool x{args.concurrency}"
            results.append(run_peer(children, "concurrent", label, sim.config, workdir))
    finally:
        stop_pid(sim.pid, 3.0)
        children.reaped(sim.pid)
    print_part1(results, sim, args)


# --------------------------------------------------------------------------- part 2: the TUI


class Screen:
    """Just enough of a VT100 for ratatui's output: cursor moves, clears, printable text.
    Answers cursor-position and device-attribute queries so nothing waits on them."""

    TOKEN = re.compile(
        r"\x1b\[([0-9;:?<=>]*)[ -/]*([@-~])"  # CSI
        r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
        r"|\x1bP[^\x1b]*\x1b\\"  # DCS
        r"|\x1b[()*+][0-9A-Za-z]"  # charset
        r"|\x1b[0-9=>@-OQ-Z\\^_`a-z]"  # two-byte escapes (not P: DCS)
        r"|[\x00-\x1a\x1c-\x1f\x7f]"  # C0 controls
        r"|[^\x00-\x1f\x7f]+"  # text (ESC excluded)
    )

    def __init__(self, rows, cols):
        self.rows, self.cols = rows, cols
        self.grid = [[" "] * cols for _ in range(rows)]
        self.r = self.c = 0
        self.pending = ""
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def feed(self, data):
        """Consumes bytes; returns the bytes to answer back to the program."""
        text = self.pending + self.decoder.decode(data)
        self.pending, replies, pos = "", [], 0
        while pos < len(text):
            m = self.TOKEN.match(text, pos)
            if m is None:  # an escape sequence cut by the read: finish it next time
                if len(text) - pos < 256:
                    self.pending = text[pos:]
                    break
                pos += 1
                continue
            tok = m.group(0)
            if tok.startswith("\x1b["):
                replies.append(self.csi(m.group(1), m.group(2)))
            elif tok.startswith("\x1b"):
                pass  # OSC, DCS, charsets, keypad modes: nothing drawn
            elif tok[0] < " " or tok == "\x7f":
                self.control(tok)
            else:
                self.put(tok)
            pos = m.end()
        return "".join(replies).encode()

    def csi(self, params, final):
        private = params.startswith(("?", ">", "<", "="))
        nums = [int(p) if p.isdigit() else 0 for p in params.lstrip("?><=").split(";")] if params else []

        def n(i, default=1):
            return nums[i] if len(nums) > i and nums[i] else default

        if private:
            return "\x1b[?62;c" if final == "c" else ""
        if final in "Hf":
            self.r, self.c = min(n(0), self.rows) - 1, min(n(1), self.cols) - 1
        elif final == "A":
            self.r = max(0, self.r - n(0))
        elif final == "B":
            self.r = min(self.rows - 1, self.r + n(0))
        elif final == "C":
            self.c = min(self.cols - 1, self.c + n(0))
        elif final == "D":
            self.c = max(0, self.c - n(0))
        elif final == "G":
            self.c = min(n(0), self.cols) - 1
        elif final == "d":
            self.r = min(n(0), self.rows) - 1
        elif final == "J" and n(0, 0) in (2, 3):
            self.grid = [[" "] * self.cols for _ in range(self.rows)]
        elif final == "J" and n(0, 0) == 0:
            self.grid[self.r][self.c:] = [" "] * (self.cols - self.c)
            for row in self.grid[self.r + 1:]:
                row[:] = [" "] * self.cols
        elif final == "K":
            mode = n(0, 0)
            lo, hi = {0: (self.c, self.cols), 1: (0, self.c + 1)}.get(mode, (0, self.cols))
            self.grid[self.r][lo:hi] = [" "] * (hi - lo)
        elif final == "n" and n(0, 0) == 6:
            return f"\x1b[{self.r + 1};{self.c + 1}R"
        elif final == "c":
            return "\x1b[?62;c"
        return ""

    def control(self, ch):
        if ch == "\r":
            self.c = 0
        elif ch == "\n":
            self.r = min(self.rows - 1, self.r + 1)
        elif ch == "\b":
            self.c = max(0, self.c - 1)

    def put(self, text):
        for ch in text:
            width = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
            if self.c + width > self.cols:
                self.c, self.r = 0, min(self.rows - 1, self.r + 1)
            self.grid[self.r][self.c] = ch
            if width == 2:
                self.grid[self.r][self.c + 1] = ""
            self.c += width  # may rest at `cols`: the next character wraps

    def lines(self):
        return ["".join(row) for row in self.grid]


def proc_status(pid):
    """VmHWM and VmRSS of a live process, in kB."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                fields[key] = int(value.split()[0])
    return fields


def status_counts(screen):
    """(servers, pending flags) from the status line, or None before it is drawn."""
    for line in reversed(screen.lines()):
        m = STATUS_RE.search(line)
        if m:
            return int(m.group(1)), int(m.group(2) or 0)
    return None


def spawn_tui(binary, config, data_dir):
    """Forks the TUI on a new pseudo-terminal (its controlling terminal, 200x60)."""
    rows, cols = TUI_SIZE
    env = child_env()
    env["TERM"] = "xterm-256color"
    argv = [str(binary), "--config", str(config), "--data-dir", str(data_dir)]
    pid, fd = pty.fork()
    if pid == 0:  # the child: size the terminal, then become the TUI
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    return pid, fd


def pump(fd, screen, timeout):
    """Reads what the TUI drew within `timeout` seconds; False once the terminal closed."""
    ready, _, _ = select.select([fd], [], [], timeout)
    if not ready:
        return True
    try:
        data = os.read(fd, 65536)
    except OSError:  # EIO: the slave side is gone
        return False
    if not data:
        return False
    reply = screen.feed(data)
    if reply:
        os.write(fd, reply)
    return True


def watch_tui(pid, fd, expected, timeout):
    """Follows the screen until every server is listed and no flag is pending."""
    screen = Screen(*TUI_SIZE)
    started = time.monotonic()
    deadline = started + timeout
    last = first = None
    while time.monotonic() < deadline:
        if not pump(fd, screen, 0.1):
            raise RuntimeError("the TUI exited early:\n" + "\n".join(l.rstrip() for l in screen.lines() if l.strip()))
        counts = status_counts(screen)
        last = counts or last
        if counts and first is None:
            first = proc_status(pid)["VmRSS"]
        if counts and counts[0] == expected and counts[1] == 0:
            took = time.monotonic() - started
            settle = time.monotonic() + 0.3  # not a half-drawn frame: the next draws agree
            while time.monotonic() < settle and pump(fd, screen, 0.05):
                pass
            if status_counts(screen) == counts:
                return took, first, proc_status(pid), screen
    raise RuntimeError(f"no complete audit after {timeout:.0f} s; last status {last}")


def quit_tui(children, pid, fd, screen):
    """Presses q, keeps draining the terminal so the TUI can restore it, reaps it."""
    os.write(fd, b"q")
    deadline = time.monotonic() + 5.0
    code = None
    while time.monotonic() < deadline and code is None:
        pump(fd, screen, 0.05)
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
    if code is None:
        stop_pid(pid, 2.0)
    children.reaped(pid)
    os.close(fd)
    return code


def part2(children, binary, workdir, args):
    sim = start_sim(children, binary, workdir, "tui", TUI_PROJECTS, TUI_SERVERS, args.seed, 0)
    add_tuning(sim.config, args.concurrency, args.rate, args.page_size)
    print()
    print(f"TUI memory: simulator at {sim.url}, {sim.servers} servers, no latency, no throttling")
    data_dir = workdir / "tui-data"
    data_dir.mkdir(mode=0o700)
    pid = fd = None
    try:
        pid, fd = spawn_tui(binary, sim.config, data_dir)
        children.add(pid, "tui")
        took, first_rss, mem, screen = watch_tui(pid, fd, sim.servers, args.tui_timeout)
        status = next(l for l in reversed(screen.lines()) if STATUS_RE.search(l))
        status = re.sub(r" {3,}", " ... ", status.strip())
        code = quit_tui(children, pid, fd, screen)
        pid = None
    finally:
        if pid is not None:
            stop_pid(pid, 2.0)
            children.reaped(pid)
            os.close(fd)
        stop_pid(sim.pid, 3.0)
        children.reaped(sim.pid)
    hwm = mem["VmHWM"] / 1024
    print(f"status line: {status}")
    print(f"every flag in after {took:.2f} s (from launch); RSS at the first drawn status line {first_rss / 1024:.1f} MB")
    print(
        f"TUI peak RSS (VmHWM) {hwm:.1f} MB, RSS now (VmRSS) {mem['VmRSS'] / 1024:.1f} MB "
        f"(target < {TUI_RSS_TARGET_MB} MB: {verdict(hwm < TUI_RSS_TARGET_MB)}); exit status after q: {code}"
    )


# --------------------------------------------------------------------------- part 3


def truth_of(flags_a, flags_b):
    """Servers both runs determined and on which they disagree (the simulator's truth is
    not printed by it, so two independent clients are compared)."""
    return sum(1 for k in flags_a.keys() & flags_b.keys()
               if flags_a[k] is not None and flags_b[k] is not None and flags_a[k] != flags_b[k])


def part3(children, binary, workdir, args):
    limits = [float(x) for x in args.limits.split(",") if x.strip()]
    sims = []
    try:
        for stated in (True, False):
            for limit in limits:
                tag = f"limit-{limit:g}-{'stated' if stated else 'hidden'}"
                extra = ["--rate-limit", f"{limit:g}"] + ([] if stated else ["--rate-limit-quiet"])
                sim = start_sim(children, binary, workdir, tag, args.throttle_projects,
                                args.throttle_servers, args.seed, LATENCY_MS, extra)
                sims.append((limit, stated, tag, sim))
        total = sims[0][3].servers
        print()
        print(f"Finding the limit: {len(sims)} simulators, {total} servers each, {LATENCY_MS} ms; "
              "ecsreset from the default config (no [tuning]), all at once")
        running = []
        for limit, stated, tag, sim in sims:
            argv = [str(binary), "--config", str(sim.config), "audit", "--format", "json"]
            out, err = open(workdir / f"{tag}.a.out", "wb"), open(workdir / f"{tag}.a.err", "wb")
            started = time.monotonic()
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=child_env())
            children.add(proc.pid, f"ecsreset {tag}")
            running.append((proc, started, out, err))
        # Reaped in the order they finish, so each wall time is its own.
        ended, pids = {}, {proc.pid for proc, *_ in running}
        while pids - ended.keys():
            pid, status = os.waitpid(-1, 0)
            if pid in pids:
                ended[pid] = (time.monotonic(), status)
        walls = []
        for proc, started, out, err in running:
            end, status = ended[proc.pid]
            walls.append(end - started)
            children.reaped(proc.pid)
            out.close()
            err.close()
            code = os.waitstatus_to_exitcode(status)
            if code not in (0, 2):
                raise RuntimeError(f"ecsreset audit exited {code}")
        missing = sdk_missing()
        if missing:
            print(f"(c) skipped: {missing}")
        head = (f"{'limit/s':>8} {'policy':<7} {'(a) flags/s':>12} {'/ limit':>8} {'unknown':>8}"
                f" {'(c) wall s':>11} {'(c) flags ok':>13} {'(c) errors by status':<28} {'disagree':>8}")
        print(head)
        print("-" * len(head))
        for (limit, stated, tag, sim), wall in zip(sims, walls):
            records = json.loads((workdir / f"{tag}.a.out").read_text())
            a = {f"{r['project_id']}/{r['server_id']}": r["reset_supported"] for r in records}
            unknown = sum(1 for v in a.values() if v is None)
            rate = (len(a) - unknown) / wall
            c_text = f"{'-':>11} {'-':>13} {'-':<28} {'-':>8}"
            if not missing:
                time.sleep(1.5)  # the bucket of this key refills before the SDK starts
                argv = [sys.executable, str(Path(__file__).resolve()), "--peer", "threaded",
                        "--config", str(sim.config)]
                m = run_measured(children, f"sdk-{tag}", argv, workdir)
                if m.exit_code != 0:
                    raise RuntimeError(f"SDK run exited {m.exit_code}: {m.stderr.strip()[-2000:]}")
                doc = json.loads(m.stdout)
                ok = sum(1 for v in doc["flags"].values() if v is not None)
                errs = ", ".join(f"{k}: {v}" for k, v in sorted(doc["errors"].items())) or "none"
                c_text = (f"{m.wall:>11.2f} {f'{ok}/{total}':>13} {errs:<28} "
                          f"{truth_of(a, doc['flags']):>8}")
            print(f"{limit:>8g} {'stated' if stated else 'hidden':<7} {rate:>12.1f} {rate / limit:>8.3f}"
                  f" {unknown:>8} {c_text}")
        print("(a) target: >= 0.9 of the limit, 0 unknown; 'disagree' counts servers both determined "
              "differently (must be 0)")
    finally:
        for *_, sim in sims:
            stop_pid(sim.pid, 3.0)
            children.reaped(sim.pid)


# --------------------------------------------------------------------------- entry


def default_binary():
    target = os.environ.get("CARGO_TARGET_DIR")
    return Path(target) / "release" / "ecsreset" if target else REPO / "target" / "release" / "ecsreset"


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="ecsreset audit vs the official Python SDK (sequential and threaded), "
        "and the TUI's peak memory on a 10,000-server fleet.",
    )
    p.add_argument("--bin", type=Path, default=default_binary(), help="ecsreset binary (default: %(default)s)")
    p.add_argument("--projects", type=int, default=2, help="projects in the part-1 fleet (default 2)")
    p.add_argument("--servers", type=int, default=1000, help="servers per project in part 1 (default 1000)")
    p.add_argument("--seed", type=int, default=1, help="fleet seed (default 1)")
    p.add_argument("--latency-ms", type=int, default=LATENCY_MS, help="simulated latency in part 1 (default 20)")
    p.add_argument("--concurrency", type=int, default=16, help="ecsreset's and (c)'s concurrency (default 16)")
    p.add_argument("--rate", type=float, default=100000.0, help="ecsreset's rate ceiling, requests/s (default 100000)")
    p.add_argument("--page-size", type=int, default=1000, help="servers per list page, all runs (default 1000, the app's default)")
    p.add_argument("--ecsreset-runs", type=int, default=3, help="runs of (a), the median is shown (default 3)")
    part = p.add_mutually_exclusive_group()
    part.add_argument("--tui-memory", action="store_true", help="run only part 2, the TUI memory check")
    part.add_argument("--skip-tui-memory", action="store_true", help="run only part 1")
    part.add_argument("--throttle", action="store_true", help="run only part 3, finding the gateway's limit")
    p.add_argument("--limits", default="10,60,200,500", help="part 3's gateway limits, calls/s (default 10,60,200,500)")
    p.add_argument("--throttle-projects", type=int, default=2, help="projects per part-3 simulator (default 2)")
    p.add_argument("--throttle-servers", type=int, default=1000, help="servers per project in part 3 (default 1000)")
    p.add_argument("--tui-timeout", type=float, default=180.0, help="seconds to wait for the TUI audit (default 180)")
    p.add_argument("--peer", choices=["sequential", "concurrent", "threaded"], help=argparse.SUPPRESS)
    p.add_argument("--config", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    limits = [
        ("--projects", args.projects, 1, 100),
        ("--servers", args.servers, 1, 100000),
        ("--concurrency", args.concurrency, 1, 256),
        ("--page-size", args.page_size, 1, 1000),
        ("--ecsreset-runs", args.ecsreset_runs, 1, 100),
    ]
    for flag, value, lo, hi in limits:
        if not lo <= value <= hi:
            p.error(f"{flag} must be within {lo}..{hi}")
    if not args.rate > 0:
        p.error("--rate must be greater than 0")
    return args


def main(argv):
    args = parse_args(argv)
    if args.peer:
        return peer_main(args.peer, args.config)
    if not os.access(args.bin, os.X_OK):
        print(f"no ecsreset binary at {args.bin}: run `cargo build --release` or pass --bin", file=sys.stderr)
        return 2
    interrupt_on_signals()
    children = Children()
    try:
        with tempfile.TemporaryDirectory(prefix="ecsreset-peer-") as tmp:
            workdir = Path(tmp)
            os.chmod(workdir, 0o700)
            if args.throttle:
                part3(children, args.bin, workdir, args)
                return 0
            if not args.tui_memory:
                part1(children, args.bin, workdir, args)
            if not args.skip_tui_memory:
                part2(children, args.bin, workdir, args)
    except KeyboardInterrupt:
        print("\ninterrupted; stopping every child process", file=sys.stderr)
        return 130
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C must not cut the cleanup
            signal.signal(sig, signal.SIG_IGN)
        children.stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
