"""Load benchmark: inspectors saving record drafts and uploading photos at the same time, one server.

Requirement: 20 simulated users (separate Streamlit sessions) saving drafts and uploading photos for two
minutes against one server on 127.0.0.1 — no error, no lost write, and the 95th-percentile save time.

The bench loads the demo data (``python -m core.demo --seed-if-empty --campaign``, as scripts/run.sh
does) into a temporary data directory, gives every user a draft record of a different drawn mine and,
an inspector account in that mine's team, and starts ``scripts/serve.py``
(``streamlit run app.py`` as deployed). Each user is a browserless session (bench/st_session.py): it
opens the app, logs in, opens its record on 现场核查记录 and then, for ``--seconds``, saves 意见建议 or
备注 with a unique marker (leaving the field, as a user does; every change is saved as a draft), with
``--think`` seconds between actions, and every ``--photo-every`` saves uploads a small JPEG on the
核查影像 tab. Afterwards the database is read: every marker sent must be in the audit trail as a saved
draft and the last one of each field in the record; every photo sent must be in the record's evidence.

Prints the users, saves and uploads sent and stored, errors (exceptions and st.error boxes on the page,
except the record's own "还不能提交" checklist; the record closing under the user; timeouts; tracebacks
in the server log), the median and 95th percentile of save times (from sending the rerun to the last
script_finished) and upload times (from choosing the file to the end of the 上传 run), the server's
peak RSS, and the cores used by the server, the bench and other processes (a busy machine makes the
figures worse). Exits 1 on any error or lost write. Keep development runs short: ``--users 4
--seconds 20``. ``--new-mines`` gives users mines whose record was never opened instead of drafts.

    .venv/bin/python bench/load_bench.py [--users 20] [--seconds 120] [--think 1] [--port N] [--new-mines]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.st_session import Run, Session, StreamlitError  # noqa: E402
from core import db as dbmod  # noqa: E402
from core import accounts, inspections, teams  # noqa: E402
from core.labels import DRAFT  # noqa: E402
from core.access import System
from tests.e2e.conftest import free_port, stop  # noqa: E402
from tests.photos import make_photo  # noqa: E402

SAVE_ACTION = "核查记录：保存草稿"  # the audit trail's name for a saved draft (core.inspections.save_draft)
EXPECTED_ERRORS = ("还不能提交",)  # st.error boxes a draft always shows: the submission checklist
FIELDS = {"opinions": "督促企业对照标准逐项整改", "remarks": "现场核查备注"}  # text areas saved, with a text to type
MARKER = re.compile(r"bench-u(\d+)-s(\d+)")
PHOTO = re.compile(r"bench-u(\d+)-p\d+\.jpg")
WRITE_TAB, PHOTO_TAB = "结论与处理", "核查影像"


@dataclass
class User:
    """One simulated inspector: the mine whose record it edits and the account it logs in with."""

    number: int
    mine_id: int
    mine_name: str
    lat: float
    lon: float
    username: str = ""
    password: str = ""


@dataclass
class Tally:
    """What the users did, for the report."""

    sent: dict[int, list[tuple[str, str]]] = field(default_factory=dict)  # user → (field, marker) in order
    photos: dict[int, list[str]] = field(default_factory=dict)  # user → file names uploaded
    save_times: list[float] = field(default_factory=list)
    upload_times: list[float] = field(default_factory=list)
    other_times: list[float] = field(default_factory=list)  # opening, tab switches
    login_times: list[float] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    def check(self, user: User, what: str, run: Run) -> Run:
        for error in run.errors:
            if not error.startswith(EXPECTED_ERRORS):
                self.errors.append((user.number, f"{what}: {error}"))
        return run


# --- the data and the server ----------------------------------------------------------------------

def prepare(data_dir: Path, count: int, new_mines: bool) -> list[User]:
    """The demo data in ``data_dir`` and ``count`` users, each on a different mine, with an inspector
    account in the mine's team."""
    subprocess.run([sys.executable, "-m", "core.demo", "--seed-if-empty", "--campaign"], cwd=ROOT, check=True,
                   env={**os.environ, "GREENMINE_DATA_DIR": str(data_dir)}, capture_output=True)
    database = dbmod.connect(data_dir / "greenmine.db")
    campaign = inspections.current_campaign(database)
    members: dict[int, list[dict]] = {}
    for member in teams.members(database, teams.latest_team_draw_id(database, campaign)):
        members.setdefault(member["team_no"], []).append(member)
    users, accounts_given = [], Counter()
    for number, (team, mine) in enumerate(pick_mines(database, campaign, count, new_mines)):
        lat, lon = database.execute("SELECT lat, lon FROM mines WHERE id = ?", [int(mine.id)]).fetchone()
        user = User(number, int(mine.id), mine.name, lat or 30.5, lon or 114.3)
        # A team has 3 to 5 members and more users: its members are taken in turn.
        create_inspector_account(database, user, members[team][accounts_given[team] % len(members[team])])
        accounts_given[team] += 1
        users.append(user)
    database.close()
    return users


def pick_mines(database, campaign, count: int, new_mines: bool) -> list[tuple[int, Any]]:
    """``count`` (team number, mine row) pairs, the teams in turn: drafts already started or, with
    ``new_mines``, mines whose record was never opened."""
    drawn = inspections.campaign_records(database, campaign)
    usable = drawn[drawn["record_id"].isna() if new_mines else drawn["record_status"] == DRAFT]
    queues = {int(team): list(rows.itertuples()) for team, rows in usable.groupby("team_no")}
    picked = []
    while len(picked) < count and any(queues.values()):
        for team, queue in queues.items():
            if queue and len(picked) < count:
                picked.append((team, queue.pop(0)))
    if len(picked) < count:
        raise SystemExit(f"only {len(picked)} suitable mines in the demo campaign for {count} users")
    return picked


def create_inspector_account(database, user: User, member: dict) -> None:
    """An account for ``user``, as an inspector linked to ``member`` of the mine's team (several users
    may share one inspector), needing no password change at the first login."""
    user.username, user.password = f"bench{user.number:02d}", f"Load-{user.number:02d}-pw"
    accounts.create_user(database, user.username, member["name"], accounts.INSPECTOR, user.password, System("load_bench"),
                         inspector_id=member["inspector_id"], must_change=False)


def start_server(data_dir: Path, port: int) -> subprocess.Popen:
    """``scripts/serve.py`` (``streamlit run app.py``, as deployed) on 127.0.0.1, once it answers."""
    with open(data_dir / "server.log", "w") as log:
        server = subprocess.Popen(
            [sys.executable, "scripts/serve.py", "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env={**os.environ, "GREENMINE_DATA_DIR": str(data_dir)}, stdout=log, stderr=subprocess.STDOUT)
    import requests

    for _ in range(120):
        try:
            if requests.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).ok:
                return server
        except requests.ConnectionError:
            pass
        if server.poll() is not None:
            break
        time.sleep(0.5)
    server.kill()
    raise SystemExit(f"the server did not start; see {data_dir / 'server.log'}")


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def machine_busy_seconds() -> float:
    """CPU time all processes have used (user, nice, system, irq, softirq, steal of /proc/stat)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


@dataclass
class CpuUse:
    """Cores used on average while the users worked: the server, this bench, everything else."""

    server: float
    bench: float
    others: float  # other processes on the machine: a busy machine makes the figures worse


# --- one user --------------------------------------------------------------------------------------

async def log_in(tab: Session, user: User) -> Run:
    """Log in through the login form."""
    tab.set("login_username", user.username)
    tab.set("login_password", user.password)
    run = await tab.click(label="登录")
    if tab.has("login_username"):
        raise StreamlitError(f"login as {user.username} refused: {run.errors or tab.alerts()}")
    return run


async def open_record(tab: Session, user: User, tally: Tally) -> None:
    """Go to 现场核查记录 and open the user's mine."""
    if not tab.has("rec_mine"):
        tally.check(user, "打开页面", await tab.goto("inspections"))
    label = next((o for o in tab.find("rec_mine").options if o.startswith(f"{user.mine_name}（")), None)
    if label is None:
        raise StreamlitError(f"{user.mine_name} is not offered on 现场核查记录 to {user.username or 'this user'}")
    run = tally.check(user, "打开记录", await tab.change("rec_mine", label))
    tally.other_times.append(run.seconds)


def field_key(tab: Session, name: str) -> str | None:
    """The key of a record field on the page (``r<record>g<generation>_<field>``)."""
    return next((k for k in tab.keys() if re.fullmatch(rf"r\d+g\d+_{name}", k)), None)


async def show_tab(tab: Session, user: User, label: str, tally: Tally) -> None:
    """Click the record's tab ``label`` (reopening the record first if the page closed it)."""
    if not tab.has("rec_tabs"):
        tally.errors.append((user.number, "记录被关闭（页面回到“选择矿山”），重新打开"))
        await open_record(tab, user, tally)
    if tab.value("rec_tabs") != label:
        tally.other_times.append(tally.check(user, f"切换到{label}", await tab.change("rec_tabs", label)).seconds)


async def save(tab: Session, user: User, name: str, tally: Tally) -> None:
    """Type a new text with a unique marker into a field and leave it (the page saves the draft)."""
    await show_tab(tab, user, WRITE_TAB, tally)
    key = field_key(tab, name)
    if key is None:
        raise StreamlitError(f"no field {name} in the open record")
    sent = tally.sent.setdefault(user.number, [])
    marker = f"bench-u{user.number:02d}-s{len(sent) + 1:04d}"
    text = f"{FIELDS[name]}（{marker}）"
    sent.append((name, marker))
    run = tally.check(user, f"保存{marker}", await tab.change(key, text))
    tally.save_times.append(run.seconds)
    if not tab.has(key):
        tally.errors.append((user.number, f"保存{marker}后记录被关闭（页面回到“选择矿山”）"))
    elif tab.find(key).value != text:
        tally.errors.append((user.number, f"保存{marker}后页面显示 {tab.find(key).value!r}"))


async def upload(tab: Session, user: User, tally: Tally) -> None:
    """Upload one new photo (taken near the mine, today) on 核查影像 with the form's 上传 button."""
    await show_tab(tab, user, PHOTO_TAB, tally)
    photos = tally.photos.setdefault(user.number, [])
    name = f"bench-u{user.number:02d}-p{len(photos) + 1:04d}.jpg"
    data = make_photo(800, 600, seed=user.number * 10_000 + len(photos), gps=(user.lat + 0.002, user.lon),
                      taken_at=datetime.now().replace(microsecond=0).isoformat())
    photos.append(name)
    started = time.perf_counter()
    await tab.upload("rec_upload_files", [(name, data, "image/jpeg")])
    submit = next((k for k in tab.keys() if k.startswith("FormSubmitter:") and k.endswith("_upload-上传")), None)
    if submit is None:
        raise StreamlitError("no 上传 button in the upload form")
    run = tally.check(user, f"上传{name}", await tab.click(submit))
    tally.upload_times.append(time.perf_counter() - started)
    if not any(kind == "success" and text.startswith("已上传") for kind, text in run.alerts):
        tally.errors.append((user.number, f"上传{name}：页面没有显示“已上传”"))


async def set_up(user: User, base_url: str, timeout: float, tally: Tally) -> Session | None:
    """A connected tab, logged in, with the user's record open; None (and an error) if that failed."""
    tab = Session(base_url, timeout=timeout)
    try:
        await tab.connect()
        tally.check(user, "打开网站", await tab.open())
        login = await log_in(tab, user)
        if login is not None:
            tally.login_times.append(tally.check(user, "登录", login).seconds)
        await open_record(tab, user, tally)
        return tab
    except (StreamlitError, OSError) as failure:
        tally.errors.append((user.number, f"准备：{failure}"))
        await tab.close()
        return None


async def work(tab: Session, user: User, deadline: float, think: float, photo_every: int, tally: Tally) -> None:
    """Save fields in turn, with a photo every ``photo_every`` saves, until ``deadline``."""
    rng = random.Random(user.number)
    names = list(FIELDS)
    saves = 0
    try:
        while time.monotonic() < deadline:
            await asyncio.sleep(think * rng.uniform(0.5, 1.5))
            if saves and saves % photo_every == 0 and len(tally.photos.get(user.number, [])) < saves // photo_every:
                await upload(tab, user, tally)
            else:
                await save(tab, user, names[saves % len(names)], tally)
                saves += 1
    except (StreamlitError, OSError) as failure:
        tally.errors.append((user.number, f"中断：{failure}"))
    finally:
        await tab.close()


# --- counting what was stored ----------------------------------------------------------------------

@dataclass
class Stored:
    """What the database holds at the end, per user."""

    markers: dict[int, set[str]]  # user → markers in the audit trail as saved drafts
    contents: dict[int, dict]  # user → content of the record of their mine
    photos: dict[int, set[str]]  # user → file names in the record's evidence


def read_stored(data_dir: Path, users: list[User]) -> Stored:
    """The bench's markers in the audit trail's saved drafts, the users' records, their photos."""
    database = dbmod.connect(data_dir / "greenmine.db", migrate_schema=False)
    markers: dict[int, set[str]] = {}
    for (detail,) in database.execute("SELECT detail FROM audit_log WHERE action = ?", [SAVE_ACTION]):
        for value in (json.loads(detail).get("new") or {}).values():
            for found in MARKER.finditer(str(value)):
                markers.setdefault(int(found[1]), set()).add(found[0])
    photos: dict[int, set[str]] = {}
    for (name,) in database.execute("SELECT filename FROM evidence WHERE filename LIKE 'bench-u%'"):
        found = PHOTO.fullmatch(name)
        if found:
            photos.setdefault(int(found[1]), set()).add(name)
    campaign = inspections.current_campaign(database)
    contents = {}
    for user in users:
        row = database.execute("SELECT content FROM records WHERE campaign_id = ? AND mine_id = ?",
                               [campaign.id, user.mine_id]).fetchone()
        contents[user.number] = json.loads(row[0]) if row else {}
    database.close()
    return Stored(markers, contents, photos)


def lost_writes(users: list[User], tally: Tally, stored: Stored) -> list[str]:
    """Each write sent but not stored, and each record whose fields do not hold the last text sent."""
    lost = []
    for user in users:
        sent = tally.sent.get(user.number, [])
        for _, marker in sent:
            if marker not in stored.markers.get(user.number, set()):
                lost.append(f"用户{user.number}：{marker} 不在审计日志中")
        for name in FIELDS:
            last = next((m for f, m in reversed(sent) if f == name), None)
            if last and f"（{last}）" not in stored.contents[user.number].get(name, ""):
                lost.append(f"用户{user.number}：记录的{name}不是最后保存的 {last}，而是 "
                            f"{stored.contents[user.number].get(name)!r}")
        for name in tally.photos.get(user.number, []):
            if name not in stored.photos.get(user.number, set()):
                lost.append(f"用户{user.number}：照片 {name} 不在核查影像中")
    return lost


# --- the run ---------------------------------------------------------------------------------------

def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1] if len(values) > 1 \
        else (values[0] if values else float("nan"))


def timing(values: list[float]) -> str:
    if not values:
        return "—"
    return (f"median {statistics.median(values) * 1000:.0f} ms, 95th percentile {percentile(values, 0.95) * 1000:.0f} ms "
            f"(max {max(values) * 1000:.0f} ms, n={len(values)})")


async def drive(users: list[User], base_url: str, args: argparse.Namespace, tally: Tally, server_pid: int) -> CpuUse:
    """Set every user up at once, then let them work for ``args.seconds``; returns the CPU they took."""
    started = time.perf_counter()
    tabs = await asyncio.gather(*(set_up(u, base_url, args.timeout, tally) for u in users))
    ready = sum(tab is not None for tab in tabs)
    print(f"setup: {ready} of {len(users)} sessions logged in with their record open in "
          f"{time.perf_counter() - started:.1f} s (login {timing(tally.login_times)})")
    before = cpu_seconds(server_pid), time.process_time(), machine_busy_seconds(), time.monotonic()
    deadline = time.monotonic() + args.seconds
    await asyncio.gather(*(work(tab, user, deadline, args.think, args.photo_every, tally)
                           for tab, user in zip(tabs, users) if tab is not None))
    server, bench, machine, wall = (after - start for after, start in zip(
        (cpu_seconds(server_pid), time.process_time(), machine_busy_seconds(), time.monotonic()), before))
    return CpuUse(server / wall, bench / wall, max(0.0, machine - server - bench) / wall)


def report(users: list[User], tally: Tally, stored: Stored, lost: list[str], peak: float, cpu: CpuUse) -> None:
    saves_stored = sum(len(stored.markers.get(u.number, set()) & {m for _, m in tally.sent.get(u.number, [])})
                       for u in users)
    print(f"sessions: {len(tally.sent)} saving of {len(users)}")
    print(f"saves:   sent {sum(map(len, tally.sent.values()))}, stored {saves_stored} (audit trail: {SAVE_ACTION})")
    print(f"uploads: sent {sum(map(len, tally.photos.values()))}, "
          f"stored {sum(len(stored.photos.get(u.number, set())) for u in users)} (evidence rows)")
    print(f"errors:  {len(tally.errors)}; lost writes: {len(lost)}")
    for (who, text), times in Counter(tally.errors).most_common(10):
        print(f"  {'server' if who < 0 else f'user {who}'}: {text[:300]}" + (f"  (×{times})" if times > 1 else ""))
    for text in lost[:10]:
        print(f"  lost: {text}")
    print(f"save time:   {timing(tally.save_times)}")
    print(f"upload time: {timing(tally.upload_times)}")
    print(f"other reruns (open record, switch tab): {timing(tally.other_times)}")
    print(f"server: peak RSS {peak:.0f} MB; cores used on average while saving (of {os.cpu_count()}): "
          f"server {cpu.server:.2f}, bench {cpu.bench:.2f}, other processes {cpu.others:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between a user's actions (s)")
    parser.add_argument("--photo-every", type=int, default=5, help="upload a photo after every N saves")
    parser.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    parser.add_argument("--timeout", type=float, default=60, help="longest wait for one action (s)")
    parser.add_argument("--new-mines", action="store_true", help="mines never opened (default: drafts already started)")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="load_bench-"))
    users = prepare(data_dir, args.users, args.new_mines)
    port = args.port or free_port()
    server = start_server(data_dir, port)
    print(f"load_bench: {args.users} users for {args.seconds:.0f} s (think {args.think} s, a photo every "
          f"{args.photo_every} saves), server pid {server.pid} on 127.0.0.1:{port}, data {data_dir}")
    tally = Tally()
    try:
        cpu = asyncio.run(drive(users, f"http://127.0.0.1:{port}", args, tally, server.pid))
        peak = peak_rss_mb(server.pid)
    finally:
        stop(server)
    tracebacks = (data_dir / "server.log").read_text(errors="replace").count("Traceback")
    if tracebacks:
        tally.errors.append((-1, f"服务器日志中有 {tracebacks} 个 Traceback（见 {data_dir / 'server.log'}）"))
    stored = read_stored(data_dir, users)
    lost = lost_writes(users, tally, stored)
    report(users, tally, stored, lost, peak, cpu)
    failed = bool(tally.errors or lost)
    if failed:
        print(f"FAILED (data kept in {data_dir})")
    else:
        shutil.rmtree(data_dir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
