#!/usr/bin/env python3
"""companygate benchmark: every figure beside the same work done directly in SQL and beside the
gateway's cheapest endpoint, measured in one run, on SQLite and on PostgreSQL.

For each database it writes a data set (one reseller managing --companies companies through
sub-resellers up to four levels deep, one sub-reseller managing --my-size of them, --target-users
target users spread over them, one company owning --big-users target users, --offers offers and
--sessions sessions, and a twin of that company for the direct SQL deletion), loads it through
`companygate seed`, starts `companygate serve` and runs wrk against each endpoint. "Direct" is the
statements the gateway runs for that request (copied from crates/domain), run in one transaction
per operation on one connection (Python's sqlite3, psycopg for PostgreSQL); for the deletion, the
DELETE statements that remove the company's rows. The searches then run again on a data set of
--growth-size companies, for how their p50 grows with the number of companies. With --base, a
second binary answers the same searches on the same data, and the table sets the two side by side.

Usage: scripts/bench [--smoke] [--companies N] [--target-users N] [--growth-size N] [--databases sqlite,postgres]
                     [--duration S] [--connections C] [--json FILE] [--bin PATH] [--base PATH]
                     [--searches-only] [--shapes REGEX] [--figures REGEX] [--clients N]
PostgreSQL comes from TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
"""
import argparse
import glob
import http.client
import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone

ROOT = "BenchRes0000"
SUB = "BenchSub0000"
BIG = "BenchBig0000"
TWIN = "BenchTwin000"
SECRET = "bench-s3cret-value"
PASSWORD = "bench-password-1"
MARK = "Zephyr"  # about a hundred companies have it in their names: the Contains figure
PREFIXES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Wonka", "Tyrell"]


def cid(prefix, n):
    return f"{prefix}{n:0{12 - len(prefix)}d}"


def customer_name(i):
    """The name companies_of gives the i-th company when it is a customer without the mark."""
    return f"{PREFIXES[i % len(PREFIXES)]} Customer {i:07d}"


def companies_of(args):
    """The management tree: (id, parent, name, users limited?, number of users, create time)."""
    start = datetime(2021, 1, 1, tzinfo=timezone.utc)
    # One company in a hundredth of the data set's size has the mark (one in a thousand at the
    # goal size): the Contains figure finds about a hundred companies, a full page and the same
    # work for its totals, whatever the size.
    every = max(args.companies // 100, 1)

    def company(i, id_, parent, reseller=False, vip=False):
        name = f"{PREFIXES[i % len(PREFIXES)]} {'Reseller' if reseller else 'Customer'} {i:07d}"
        if not reseller and i % every == 7 % every:
            name += f" {MARK}"
        limited = not reseller and i % 10 == 3
        return {"resourceId": id_, "name": name, "parent": parent,
                "numberOfUsers": 5 if limited else 100, "isNumberOfUsersLimited": limited,
                "createTime": (start + timedelta(minutes=17 * i)).isoformat().replace("+00:00", "Z"),
                "licenseEndDate": None if reseller else
                (start + timedelta(days=(37 * i) % 2400, hours=12)).isoformat().replace("+00:00", "Z"),
                "tags": ["bench", "even" if i % 2 == 0 else "odd"] + (["vip"] if vip else [])}

    rows = [{"resourceId": ROOT, "name": "Bench Reseller", "numberOfUsers": 0, "tags": ["bench"]}]
    n = 0
    # The sub-reseller whose own tree /api/companies/my returns: 10 resellers below it, 10 below
    # each of those, customers at depth 4.
    rows.append(company(n, SUB, ROOT, reseller=True))
    n += 1
    mid = []
    for a in range(10):
        rows.append(company(n, cid("BenchMA", a), SUB, reseller=True))
        n += 1
        for b in range(10):
            rows.append(company(n, cid("BenchMB", a * 10 + b), cid("BenchMA", a), reseller=True))
            n += 1
            mid.append(cid("BenchMB", a * 10 + b))
    # `vip`: a tag on a third of the companies outside the sub-reseller and on 3 of its 10 000.
    for k in range(max(args.my_size - 111, 0)):
        rows.append(company(n, cid("BenchC", n), mid[k % len(mid)], vip=k % 3000 == 1234))
        n += 1
    rows.append(company(n, BIG, ROOT))
    n += 1
    rows.append(company(n, TWIN, ROOT))
    n += 1
    # The rest: a third directly below the reseller, a third one level down, a third two levels.
    level1 = [cid("BenchL1", k) for k in range(20)]
    level2 = [cid("BenchL2", k) for k in range(100)]
    for k, id_ in enumerate(level1):
        rows.append(company(n, id_, ROOT, reseller=True))
        n += 1
    for k, id_ in enumerate(level2):
        rows.append(company(n, id_, level1[k % 20], reseller=True))
        n += 1
    k = 0
    while n < args.companies:
        parent = [ROOT, level1[k % 20], level2[k % 100]][k % 3]
        rows.append(company(n, cid("BenchC", n), parent, vip=k % 9 < 3))
        n += 1
        k += 1
    return rows


def write_fixture(path, args, companies, pair_only=False):
    """The whole data set, or (pair_only) the big company and its twin again, with everything
    they own, for another round of the deletion figure."""
    customers = [c["resourceId"] for c in companies if "Customer" in c["name"] and c["resourceId"] not in (BIG, TWIN)]
    spread = 0 if pair_only else max(args.target_users - 2 * args.big_users, 0)
    with open(path, "w") as f:
        f.write('{"companies":')
        json.dump([c for c in companies if c["resourceId"] in (BIG, TWIN)] if pair_only else companies, f)
        f.write(',"apiClients":')
        clients = [{"company": ROOT, "clientId": "bench", "clientSecret": SECRET, "role": "Reseller"},
                   {"company": SUB, "clientId": "bench-sub", "clientSecret": SECRET, "role": "Reseller"},
                   {"company": BIG, "clientId": "bench-big", "clientSecret": SECRET, "role": "Company Admin"},
                   {"company": TWIN, "clientId": "bench-twin", "clientSecret": SECRET, "role": "Company Admin"}]
        # The sub-reseller's many API clients: what the client search figures list.
        clients += [{"company": SUB, "clientId": f"bench-client-{k:05d}", "clientSecret": SECRET,
                     "role": "Company Admin", "name": f"Bench client {k:05d}"} for k in range(args.clients)]
        json.dump(clients[2:4] if pair_only else clients, f)
        f.write(',"accounts":')
        json.dump([{"email": "big@bench.example", "password": PASSWORD, "company": BIG},
                   {"email": "twin@bench.example", "password": PASSWORD, "company": TWIN}], f)
        f.write(',"offers":')
        json.dump([{"company": c, "title": f"Offer {k:05d}", "description": "A benchmark offer.",
                    "publishDate": "2026-11-01T00:00:00Z", "publishEndDate": "2027-03-01T00:00:00Z",
                    "jobMinDuration": 1, "jobMaxDuration": 6, "contacts": ["jobs@bench.example"],
                    "jobType": "FULL-TIME", "fields": ["BACKEND"], "technologies": ["Rust"],
                    "requirements": ["Curiosity"], "ownerLogo": "https://logos.example.com/bench.png", "location": "Porto"}
                   for c in (BIG, TWIN) for k in range(args.offers)], f)
        f.write(',"targetUsers":[')
        first = True
        states = ["active"] * 8 + ["inactive", "deleted"]
        for owner in (BIG, TWIN):
            for k in range(args.big_users):
                f.write(("" if first else ",") + json.dumps(
                    {"company": owner, "email": f"user{k:07d}@{owner.lower()}.example", "firstName": "Big",
                     "lastName": f"User {k}", "state": states[k % 10]}))
                first = False
        for k in range(spread):
            owner = customers[k % len(customers)]
            f.write(("" if first else ",") + json.dumps(
                {"company": owner, "email": f"user{k:07d}@bench.example", "state": states[k % 10]}))
            first = False
        f.write("]}")
    return len(customers)


def rss_mb(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_during(pid, start_mb, every_s, work):
    """Runs work() while sampling the process's resident memory; returns (its result, the peak)."""
    peak = [start_mb]
    done = threading.Event()

    def sample():
        while not done.wait(every_s):
            peak[0] = max(peak[0], rss_mb(pid))

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        result = work()
    finally:
        done.set()
        sampler.join()
    return result, peak[0]


def request(url, data=None, headers=None, method=None):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=600) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


COUNT_5XX = """
local threads = {}
function setup(thread) thread:set("number", #threads); table.insert(threads, thread) end
function init(args)
  server_errors = 0
  -- With requests in turn, each thread starts at its own place in the list, so that no two
  -- threads ask for the same thing at about the same time.
  if items then turn = math.floor(number * #items / 2) end
end
function response(status, headers, body) if status >= 500 then server_errors = server_errors + 1 end end
function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + t:get("server_errors") end
  io.write(string.format("server errors: %d\\n", n))
end
"""


def first_byte_ms(url, bodies, headers, runs):
    """Each export in turn: the milliseconds until the first byte of its body, then the connection
    is closed (the gateway stops the export). A refusal for too many exports at once waits and
    counts as failed."""
    parts = urllib.parse.urlsplit(url)
    times, failed = [], 0
    for i in range(runs):
        body = bodies[i % len(bodies)]
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)
        started = time.perf_counter()
        conn.request("POST", parts.path, body=body, headers=headers)
        response = conn.getresponse()
        if response.status == 200 and response.read(1):
            times.append((time.perf_counter() - started) * 1000)
        else:
            failed += 1
            time.sleep(0.2)
        conn.close()
        time.sleep(0.02)  # the export's task sees its reader gone
    times.sort()
    return {"p50_ms": statistics.median(times) if times else None, "p99_ms": times[-1] if times else None,
            "requests": len(times), "failed": failed}


def lua(method, body, headers, paths=None, bodies=None):
    lines = [f'wrk.method = "{method}"']
    if body is not None:
        lines.append(f"wrk.body = {json.dumps(body)}")
    for k, v in headers.items():
        lines.append(f'wrk.headers["{k}"] = "{v}"')
    # Each thread's requests go through the paths (or bodies) in turn.
    if paths:
        lines.append("items = {" + ",".join(json.dumps(p) for p in paths) + "}")
        lines.append("function request() turn = turn % #items + 1; return wrk.format(nil, items[turn]) end")
    elif bodies:
        lines.append("items = {" + ",".join(json.dumps(b) for b in bodies) + "}")
        lines.append("function request() turn = turn % #items + 1; "
                     "return wrk.format(nil, nil, nil, items[turn]) end")
    return "\n".join(lines) + "\n" + COUNT_5XX


def wrk(url, method="GET", body=None, headers=None, duration=10, connections=8, paths=None, bodies=None):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua(method, body, headers or {}, paths, bodies))
    try:
        out = subprocess.run(["wrk", "-t", str(min(connections, 2)), "-c", str(connections), "-d", f"{duration}s",
                              "--timeout", "30s", "--latency", "-s", f.name, url],
                             check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(f.name)

    def ms(text):
        value, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]

    pct = {p: ms(v) for p, v in re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M)}
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    server_errors = int(re.search(r"server errors: (\d+)", out).group(1))
    return {"req_per_s": rps, "p50_ms": pct.get("50"), "p99_ms": pct.get("99"), "requests": total,
            "non_2xx": int(bad.group(1)) if bad else 0, "server_errors": server_errors,
            "socket_errors": sum(map(int, errors.groups())) if errors else 0}


class Direct:
    """The database itself, on one connection: each operation in one transaction."""

    def __init__(self, url):
        self.pg = url.startswith("postgres")
        if self.pg:
            import psycopg
            self.conn = psycopg.connect(url, autocommit=True)
        else:
            path = urllib.parse.urlsplit(url).path
            self.conn = sqlite3.connect(path, isolation_level=None, timeout=30)
            self.conn.execute("PRAGMA foreign_keys = ON")

    def run(self, statements):
        """statements: [(sql with $n, params)] in one transaction; returns the last one's rows."""
        cur = self.conn.cursor()
        # On SQLite a transaction that writes takes the write lock first: one that reads, then
        # writes after the gateway's writer committed, fails at once ("database is locked").
        writes = any(re.match(r"\s*(INSERT|UPDATE|DELETE)", sql, re.I) for sql, _ in statements)
        cur.execute("BEGIN IMMEDIATE" if writes and not self.pg else "BEGIN")
        rows = None
        try:
            for sql, params in statements:
                order = [int(n) - 1 for n in re.findall(r"\$(\d+)", sql)]
                text = re.sub(r"\$\d+", "%s" if self.pg else "?", sql.replace("%", "%%") if self.pg else sql)
                # Prepared, as the gateway's statements are (PostgreSQL).
                cur.execute(text, [params[i] for i in order], **({"prepare": True} if self.pg and params else {}))
                rows = cur.fetchall() if cur.description else None
            cur.execute("COMMIT")
        except Exception:
            cur.execute("ROLLBACK")
            raise
        return rows

    def wait_for_autovacuum(self, seconds=60):
        """PostgreSQL: returns once no autovacuum worker runs (or after `seconds`)."""
        deadline = time.monotonic() + seconds
        while self.pg and time.monotonic() < deadline:
            (workers,), = self.run([("SELECT count(*) FROM pg_stat_activity "
                                     "WHERE backend_type = 'autovacuum worker'", [])])
            if workers == 0:
                return
            time.sleep(0.1)

    def timed(self, statements, seconds):
        """statements: a list, or a function of the iteration number giving one."""
        samples = []
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline or len(samples) < 5:
            batch = statements(len(samples)) if callable(statements) else statements
            started = time.perf_counter()
            self.run(batch)
            samples.append((time.perf_counter() - started) * 1000)
        return {"p50_ms": statistics.median(samples), "ops_per_s": len(samples) / sum(samples) * 1000}


class StatementLog:
    """What the gateway ran for one request, read off PostgreSQL's log: every statement it
    executed, with its parameters, so the same statements can be run directly. PostgreSQL logs
    each statement only while `capture` runs (log_min_duration_statement = 0, reloaded into every
    session); statements outside the request's own time window are left out (the gateway's
    background tasks). Unavailable (None from `of`) where the log cannot be read here."""

    LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) \w+ \[(\d+)\] \S*@(\S+) (LOG|DETAIL):  (.*)$")

    @staticmethod
    def of(direct, database):
        if not direct.pg:
            return None
        try:
            return StatementLog._of(direct, database)
        except Exception as error:  # not a superuser, or no log to read: no direct figures
            print(f"  (no statement log: {error})", file=sys.stderr, flush=True)
            return None

    @staticmethod
    def _of(direct, database):
        (path,), = direct.run([("SELECT pg_current_logfile()", [])])
        if path and not os.path.isabs(path):
            (data,), = direct.run([("SHOW data_directory", [])])
            path = os.path.join(data, path)
        candidates = [path] if path else sorted(glob.glob("/var/log/postgresql/postgresql-*.log"),
                                                key=os.path.getmtime)[-1:]
        readable = [c for c in candidates if os.access(c, os.R_OK)]
        return StatementLog(direct, readable[0], database) if readable else None

    def __init__(self, direct, path, database):
        self.direct, self.path, self.database = direct, path, database
        # The statements that switch the log are this connection's, not the gateway's.
        (self.own_pid,), = direct.run([("SELECT pg_backend_pid()", [])])

    def _logging(self, on):
        setting = "SET log_min_duration_statement = 0" if on else "RESET log_min_duration_statement"
        self.direct.conn.execute(f"ALTER SYSTEM {setting}")
        self.direct.conn.execute("SELECT pg_reload_conf()")
        time.sleep(0.3)  # every session takes the new setting at its next command

    def capture(self, send):
        """Calls send() once with every statement logged; returns [(sql with $n, [params])]."""
        start = os.path.getsize(self.path)
        self._logging(True)
        try:
            began = datetime.now(timezone.utc) - timedelta(milliseconds=5)
            send()
            ended = datetime.now(timezone.utc) + timedelta(milliseconds=5)
        finally:
            self._logging(False)
        with open(self.path, errors="replace") as f:
            f.seek(start)
            text = f.read()
        # A logged statement's text may span lines; its continuation lines start with a tab.
        entries, statements = [], []
        for line in text.split("\n"):
            if line.startswith("\t") and entries:
                entries[-1][4] += "\n" + line[1:]
            elif m := self.LINE.match(line):
                entries.append([m[1], int(m[2]), m[3], m[4], m[5]])
        for i, (stamp, pid, database, kind, body) in enumerate(entries):
            at = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=timezone.utc)
            executed = re.match(r"duration: [\d.]+ ms  execute [^:]+: (.*)", body, re.S)
            if (database != self.database or pid == self.own_pid or kind != "LOG" or not executed
                    or not began <= at <= ended):
                continue
            params = []
            # Its parameters: the next line of the same session.
            following = next((e for e in entries[i + 1:] if e[1] == pid), None)
            if following and following[3] == "DETAIL" and following[4].startswith("parameters: "):
                for number, value in re.findall(r"\$(\d+) = (NULL|'(?:[^']|'')*')", following[4]):
                    params.append(None if value == "NULL" else value[1:-1].replace("''", "'"))
            statements.append((executed[1], params))
        return statements


# The statements the gateway runs for each request (crates/domain: tokens.rs, search.rs,
# reseller_reads.rs, deletion.rs), so "x direct" is what HTTP, the pools and the code add.
BEARER = """SELECT t.company_id, t.expires_at, t.revoked, a.id AS client_key, a.client_id,
       a.company_id AS client_company_id, a.status_id, a.role, c.is_disabled AS company_disabled
  FROM access_tokens t LEFT JOIN api_clients a ON a.id = t.client_id LEFT JOIN companies c ON c.id = t.company_id
 WHERE t.jti = $1"""
GRANTEE = """SELECT a.id, a.client_id, a.secret_hash, a.role, a.status_id, a.has_ip_address_restriction,
       a.allowed_ip_addresses, a.company_id, c.name AS company_name, c.is_disabled AS company_disabled,
       p.id AS parent_id, p.name AS parent_name
  FROM api_clients a LEFT JOIN companies c ON c.id = a.company_id LEFT JOIN companies p ON p.id = c.parent_id
 WHERE a.client_id = $1"""
COLUMNS = """c.id, c.name, c.parent_id, c.industry_id, i.name AS industry_name, c.license_type_id,
  lt.name AS license_type_name, c.is_number_of_users_limited, c.number_of_users, c.privacy_duration_id,
  c.license_end_date, c.create_time, p.name AS reseller_name, c.active_target_users AS target_user_count,
  c.inactive_target_users AS inactive_target_user_count, c.deleted_target_users AS deleted_target_user_count,
  c.limit_exceeded
  FROM companies c LEFT JOIN companies p ON p.id = c.parent_id LEFT JOIN industries i ON i.id = c.industry_id
  LEFT JOIN license_types lt ON lt.id = c.license_type_id"""
KEY_COLUMNS = """c.id, c.name, c.create_time, c.license_end_date, c.active_target_users AS target_user_count,
  c.limit_exceeded, p.name AS reseller_name FROM companies c LEFT JOIN companies p ON p.id = c.parent_id"""
RECORD = """SELECT c.id, c.name, c.parent_id, pc.number AS parent_number, c.description, c.address, c.website_url, c.logo,
       c.industry_id, i.name AS industry_name, c.country_id, co.name AS country_name,
       c.license_type_id, lt.name AS license_type_name, c.license_period_type_id,
       c.license_start_date, c.license_end_date, c.is_number_of_users_limited, c.number_of_users,
       c.status_id, c.time_zone_id, c.date_format, c.time_format, c.privacy_duration_id,
       c.active_target_users AS target_user_count, c.inactive_target_users AS inactive_target_user_count,
       c.limit_exceeded,
       EXISTS (SELECT 1 FROM company_tree mt WHERE mt.ancestor_id = $2 AND mt.descendant_id = c.id
               AND mt.descendant_id <> mt.ancestor_id) AS managed, {tags}
  FROM companies c LEFT JOIN companies pc ON pc.id = c.parent_id LEFT JOIN industries i ON i.id = c.industry_id
  LEFT JOIN countries co ON co.id = c.country_id LEFT JOIN license_types lt ON lt.id = c.license_type_id
  WHERE c.id = $1"""


def bearer_record_sql(pg):
    """The one statement of GET /api/companies/{id}: the token's row ($1: its jti) beside the
    company $2 and whether the token's company manages it (crates/domain: record.rs)."""
    bearer = re.sub(r"(\w+)\.(\w+)( AS (\w+))?(?=,|\s+FROM)",
                    lambda m: f"{m[1]}.{m[2]} AS bearer_{m[4] or m[2]}", BEARER)
    record = RECORD.format(tags=tags_sql(pg).replace("s.id", "c.id")).replace(
        """EXISTS (SELECT 1 FROM company_tree mt WHERE mt.ancestor_id = $2 AND mt.descendant_id = c.id
               AND mt.descendant_id <> mt.ancestor_id) AS managed, """, "").replace("c.id = $1", "c.id = $2")
    return f"""SELECT b.*, r.*, EXISTS (SELECT 1 FROM company_tree mt WHERE mt.ancestor_id = b.bearer_company_id
                 AND mt.descendant_id = r.id AND mt.descendant_id <> mt.ancestor_id) AS managed
               FROM ({bearer}) b LEFT JOIN ({record}) r ON TRUE"""


def tags_sql(pg):
    agg = "CAST(json_agg(t.tag) AS TEXT)" if pg else "json_group_array(t.tag)"
    return f"(SELECT {agg} FROM company_tags t WHERE t.company_id = s.id) AS tags_json"


def search_unfiltered_sql(pg, jti):
    page = f"""WITH page AS (SELECT descendant_id FROM company_tree WHERE ancestor_id = $1 AND descendant_id <> $1
                 ORDER BY create_time DESC, descendant_id ASC LIMIT 10 OFFSET 0)
               SELECT s.*, {tags_sql(pg)},
                 (SELECT r.managed_companies FROM companies r WHERE r.id = $1) AS total_rows,
                 (SELECT r.managed_limit_exceeded FROM companies r WHERE r.id = $1) AS exceeded_rows
               FROM (SELECT {COLUMNS} JOIN page ON page.descendant_id = c.id) s ORDER BY s.create_time DESC, s.id ASC"""
    return [(BEARER, [jti]), (page, [ROOT])]


def search_contains_sql(pg, jti, text):
    """The gateway's statement of a filtered page: the page's ids with the totals, from the columns
    the filter and order need, joined to what the results show for those ids."""
    # A name search compares each match's path with the root's (tree::at_or_below_expr).
    length = "CHAR_LENGTH" if pg else "LENGTH"
    where = (f"substr(c.path, 1, {length}((SELECT rp.path FROM companies rp WHERE rp.id = $1))) = "
             "(SELECT rp.path FROM companies rp WHERE rp.id = $1) AND c.id <> $1")
    if pg:
        predicate, params = "LOWER(s.name) LIKE $2 ESCAPE '\\'", [ROOT, f"%{text}%"]
    else:
        predicate = ("(instr(LOWER(s.name), $2) > 0 AND s.id IN (SELECT cs.company_id FROM company_names n "
                     "JOIN company_search cs ON cs.key = n.rowid WHERE company_names MATCH $3))")
        params = [ROOT, text, f'"{text}"']
    shown = COLUMNS.replace("c.limit_exceeded\n  FROM", "c.limit_exceeded, page.total_rows, page.exceeded_rows\n  FROM")
    assert shown != COLUMNS
    page = f"""SELECT s.*, {tags_sql(pg)} FROM (SELECT {shown}
               JOIN (SELECT s.id, COUNT(*) OVER () AS total_rows,
                       SUM(CASE WHEN s.limit_exceeded THEN 1 ELSE 0 END) OVER () AS exceeded_rows
                     FROM (SELECT {KEY_COLUMNS} WHERE {where}) s WHERE {predicate}
                     ORDER BY s.name ASC, s.id ASC LIMIT 10 OFFSET 0) page ON page.id = c.id) s
               ORDER BY s.name ASC, s.id ASC"""
    # PostgreSQL: one generic plan, prepared once (the gateway's Pools::generic).
    generic = [("SET LOCAL plan_cache_mode = force_generic_plan", [])] if pg else []
    return [(BEARER, [jti])] + generic + [(page, params)]


def my_sql(pg, jti):
    agg, obj = ("json_agg", "json_build_object") if pg else ("json_group_array", "json_object")
    tree = f"""SELECT CAST({agg}({obj}('id', c.id, 'name', c.name, 'parent_id', c.parent_id, 'logo', c.logo,
                 'privacy_duration_id', c.privacy_duration_id, 'license_end_date', c.license_end_date,
                 'create_time', c.create_time)) AS TEXT) AS managed_json
               FROM company_tree t JOIN companies c ON c.id = t.descendant_id
               WHERE t.ancestor_id = $1 AND t.descendant_id <> $1"""
    return [(BEARER, [jti]), ("SELECT * FROM companies WHERE id = $1", [SUB]), (tree, [SUB])]


def jti_of(token):
    import base64
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["jti"]


def delete_sql(company):
    accounts = "SELECT id FROM accounts WHERE company_id = $1"
    clients = "SELECT id FROM api_clients WHERE company_id = $1"
    return [(f"DELETE FROM sessions WHERE account_id IN ({accounts})", [company]),
            (f"DELETE FROM access_tokens WHERE company_id = $1 OR client_id IN ({clients})", [company, company]),
            ("DELETE FROM api_clients WHERE company_id = $1", [company]),
            ("DELETE FROM offers WHERE company_id = $1", [company]),
            ("DELETE FROM target_users WHERE company_id = $1", [company]),
            ("DELETE FROM company_tags WHERE company_id = $1", [company]),
            ("DELETE FROM accounts WHERE company_id = $1", [company]),
            ("DELETE FROM companies WHERE id = $1", [company])]


def measure(binary, url, args, searches_only=False):
    """Every figure on a data set of args' sizes; with searches_only, the cheapest endpoint and the
    searches only (the same searches on a smaller data set, for how their time grows)."""
    result = {"figures": {}, "notes": []}
    with tempfile.TemporaryDirectory() as tmp:
        companies = companies_of(args)
        fixture = os.path.join(tmp, "fixture.json")
        write_fixture(fixture, args, companies)
        result["data"] = {"companies": len(companies), "target_users": max(args.target_users, 2 * args.big_users),
                          "big_company": {"target_users": args.big_users, "offers": args.offers,
                                          "sessions": args.sessions},
                          "fixture_mb": round(os.path.getsize(fixture) / 2**20, 1)}
        started = time.perf_counter()
        seed = subprocess.Popen([binary, "seed", fixture, "--database-url", url],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        _, status, usage = os.wait4(seed.pid, 0)
        seed.returncode = os.waitstatus_to_exitcode(status)
        if seed.returncode != 0:
            raise SystemExit(f"seed failed:\n{seed.stderr.read()[-3000:]}")
        result["seed"] = {"seconds": round(time.perf_counter() - started, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}
        os.unlink(fixture)

    serve(binary, url, args, companies, searches_only, result)
    if getattr(args, "base", None):
        # The same searches answered by the base binary, on the same data.
        print(f"  again with {args.base}", file=sys.stderr, flush=True)
        base = {"figures": {}, "notes": [], "memory_mb": {}}
        serve(args.base, url, args, companies, True, base)
        result["base"] = base["figures"]
    return result


def serve(binary, url, args, companies, searches_only, result):
    """Starts `binary` serving `url` and measures every figure into `result` (with searches_only,
    the cheapest endpoint and the searches only)."""
    env = {**os.environ, "RUST_LOG": "warn", "TOKEN_RATE_LIMIT_PER_CLIENT": "100000000",
           "TOKEN_RATE_LIMIT_PER_IP": "100000000", "API_RATE_LIMIT_PER_CLIENT": "100000000",
           "LOGIN_RATE_LIMIT_PER_IP": "100000000", "LOGIN_RATE_LIMIT_PER_EMAIL": "100000000"}
    direct = Direct(url)
    if direct.pg:
        # Each binary starts on a settled database (the seed's dead rows vacuumed, fresh statistics):
        # the one measured first would otherwise share the cores with autovacuum.
        direct.conn.execute("VACUUM ANALYZE")
        direct.wait_for_autovacuum()
    server = subprocess.Popen([binary, "serve", "--bind", "127.0.0.1:0", "--database-url", url],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        base = re.search(r"(http://\S+)", server.stdout.readline()).group(1)
        threading.Thread(target=server.stdout.read, daemon=True).start()
        time.sleep(1)
        result["memory_mb"] = {"idle": round(rss_mb(server.pid), 1)}

        form = {"Content-Type": "application/x-www-form-urlencoded"}

        def token_body(client):
            return urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": client,
                                           "client_secret": SECRET, "scope": "api1"})

        def token(client):
            status, body, _ = request(f"{base}/connect/token", token_body(client).encode(), form)
            assert status == 200, (status, body)
            return json.loads(body)["access_token"]

        root_token, sub_token = token("bench"), token("bench-sub")
        bearer = {"Authorization": f"Bearer {root_token}", "Content-Type": "application/json"}
        sub = {"Authorization": f"Bearer {sub_token}"}
        pg = direct.pg
        jti, sub_jti = jti_of(root_token), jti_of(sub_token)

        def login_sessions():
            for email in ("big@bench.example", "twin@bench.example"):
                for _ in range(args.sessions):
                    status, body, _ = request(f"{base}/auth/login", json.dumps(
                        {"email": email, "password": PASSWORD}).encode(), {"Content-Type": "application/json"})
                    assert status == 200, (status, body)

        if not searches_only:
            login_sessions()

        def wanted(name):
            return not args.figures or re.search(args.figures, name)

        def figure(name, path, direct_sql=None, goal=None, method="GET", body=None, headers=None, connections=None,
                   paths=None, bodies=None):
            if not wanted(name):
                return
            print(f"  {name}", file=sys.stderr, flush=True)
            figure = wrk(f"{base}{path}", method, body, headers, args.duration, connections or args.connections,
                         paths, bodies)
            figure["failed"] = figure["non_2xx"] + figure["socket_errors"]
            if direct_sql is not None:
                figure["direct"] = direct.timed(direct_sql, min(args.duration, 5))
            figure["goal"] = goal
            figure["rss_after_mb"] = round(rss_mb(server.pid), 1)
            result["figures"][name] = figure
            return figure

        figure("cheapest: GET /healthz", "/healthz")
        def issue(i):
            return [(GRANTEE, ["bench"]),
                    ("INSERT INTO access_tokens (jti, client_id, company_id, expires_at, revoked, create_time) "
                     "VALUES ($1, (SELECT id FROM api_clients WHERE client_id = $2), $3, $4, false, $4)",
                     [f"direct-{os.getpid()}-{i}", "bench", ROOT, "2099-01-01T00:00:00Z"])]

        if not searches_only:
            figure("POST /connect/token", "/connect/token", method="POST", body=token_body("bench"), headers=form,
                   direct_sql=issue, goal=">= 5000 req/s")
        unfiltered = {"pageNumber": 1, "pageSize": 10, "orderBy": "CreateTime", "ascending": False, "filter": None}
        figure("search, unfiltered by CreateTime", "/api/companies/search", method="POST",
               body=json.dumps(unfiltered), headers=bearer, goal="p50 <= 5 ms, >= 1500 req/s",
               direct_sql=search_unfiltered_sql(pg, jti))
        contains = {"pageNumber": 1, "pageSize": 10, "orderBy": "CompanyName", "ascending": True,
                    "filter": {"Condition": "AND", "FilterGroups": [{"Condition": "AND", "FilterItems": [
                        {"FieldName": "CompanyName", "Operator": "Contains", "Value": MARK.lower()}]}]}}
        figure(f"search, Contains '{MARK.lower()}' by CompanyName", "/api/companies/search", method="POST",
               body=json.dumps(contains), headers=bearer, goal="p50 <= 5 ms, >= 1500 req/s",
               direct_sql=search_contains_sql(pg, jti, MARK.lower()))
        # Name searches that differ from one request to the next (every request is answered by the
        # database; so is a repeated one).
        # "00123" is in the numbers of 111 names at 100 000 companies (as 'zephyr' is in 100);
        # a thousand such texts, pages 1 to 12 of each. The direct figure: one of them, page 1.
        varied = [dict(contains, pageNumber=page, filter={"Condition": "AND", "FilterGroups": [{
                      "Condition": "AND", "FilterItems": [
                          {"FieldName": "CompanyName", "Operator": "Contains", "Value": f"00{k:03d}"}]}]})
                  for page in range(1, 13) for k in range(1000)]
        figure(f"search, Contains, {len(varied)} different searches in turn", "/api/companies/search",
               method="POST", body=json.dumps(varied[0]), bodies=[json.dumps(b) for b in varied], headers=bearer,
               goal="p50 <= 10 ms, >= 500 req/s", direct_sql=search_contains_sql(pg, jti, "00707"))
        # Each other shape of a search: filters on tags, counts and the exceeded flag, and the orders
        # the management tree does not keep, from the root (100 000 companies) and scoped to the
        # sub-reseller (10 000); pages 1 to 12 (or values) in turn. No direct figure yet.
        def shaped(order, ascending, items=None, exceeded=False, scope=None, values=None, text=None, groups=None):
            """Bodies of one shape: `items` is one filter item (its Value taken from `values` in turn),
            `groups` a whole filter's groups, `text` a SearchInputTextValue."""
            def group(item):
                filter = {"Condition": "AND", "FilterGroups": groups or (
                    [{"Condition": "AND", "FilterItems": [item]}] if item else [])}
                if text:
                    filter["SearchInputTextValue"] = text
                return filter if item or groups or text else None
            bodies = []
            for page in range(1, 13):
                for value in values or [None]:
                    body = {"pageNumber": page, "pageSize": 10, "orderBy": order, "ascending": ascending,
                            "filter": group(dict(items, Value=value) if items and value is not None else items)}
                    if exceeded:
                        body["isTargetUserCountExceededLimit"] = True
                    bodies.append(json.dumps(body))
            headers = dict(bearer, **({"X-KEEPNET-Company-Id": scope} if scope else {}))
            return {"method": "POST", "body": bodies[0], "bodies": bodies, "headers": headers}

        def clients_search(name, order, ascending, text=None):
            bodies = [json.dumps({"pageNumber": page, "pageSize": 10, "orderBy": order, "ascending": ascending,
                                  "filter": {"SearchInputTextValue": text} if text else None})
                      for page in range(1, 13)]
            figure(name, "/api/companies/clients/search", method="POST", body=bodies[0], bodies=bodies,
                   headers=dict(bearer, **{"X-KEEPNET-Company-Id": SUB}), goal="p50 <= 10 ms, >= 500 req/s")

        statement_log = StatementLog.of(direct, urllib.parse.urlsplit(url).path.lstrip("/"))
        tags = {"FieldName": "Tags", "Operator": "Include", "Value": "even"}
        counts = {"FieldName": "TargetUserCount", "Operator": ">=", "Value": "0"}
        for name, shape in [
            ("Tags Include 'even' by CreateTime", shaped("CreateTime", False, tags)),
            ("Tags Include 'even' by CreateTime, scoped", shaped("CreateTime", False, tags, scope=SUB)),
            ("TargetUserCount >= n by TargetUserCount", shaped("TargetUserCount", False, counts,
                                                                values=[str(n) for n in range(0, 100, 10)])),
            ("TargetUserCount >= n by CreateTime", shaped("CreateTime", False, counts,
                                                          values=[str(n) for n in range(0, 100, 10)])),
            ("TargetUserCount = n by CompanyName", shaped("CompanyName", True, dict(counts, Operator="="),
                                                          values=[str(n) for n in range(0, 30, 3)])),
            ("TargetUserCount > n ascending, few matches", shaped("TargetUserCount", True, dict(counts, Operator=">"),
                                                                  values=[str(n) for n in range(20, 120, 10)])),
            ("TargetUserCount != n by ResellerName, scoped", shaped("ResellerName", True, dict(counts, Operator="!="),
                                                                    scope=SUB, values=[str(n) for n in range(10)])),
            ("TargetUserCount Include n, m by LicenseEndDate", shaped(
                "LicenseEndDate", False, dict(counts, Operator="Include"),
                values=[f"{n}, {n + 7}" for n in range(10)])),
            ("TargetUserCount < n by CreateTime, exceeded only", dict(shaped(
                "CreateTime", True, dict(counts, Operator="<"), exceeded=True,
                values=[str(n) for n in range(1, 30, 3)]))),
            ("CreateTime >= day by CompanyName", shaped("CompanyName", True, dict(counts, FieldName="CreateTime"),
                                                         values=[f"202{n % 4}-0{1 + n % 9}-1{n}" for n in range(10)])),
            ("CreateTime < instant by CreateTime", shaped("CreateTime", False, dict(
                counts, FieldName="CreateTime", Operator="<"),
                values=[f"2022-0{1 + n % 9}-{1 + n:02d}T1{n}:30:00Z" for n in range(10)])),
            ("LicenseEndDate <= day by CreateTime, scoped", shaped(
                "CreateTime", True, dict(counts, FieldName="LicenseEndDate", Operator="<="), scope=SUB,
                values=[f"202{1 + n % 5}-0{1 + n % 9}-2{n % 8}" for n in range(10)])),
            ("LicenseEndDate != day by TargetUserCount", shaped(
                "TargetUserCount", False, dict(counts, FieldName="LicenseEndDate", Operator="!="),
                values=[f"2023-0{1 + n % 9}-1{n}" for n in range(10)])),
            ("LicenceExpired = true by LicenseEndDate", shaped(
                "LicenseEndDate", False, {"FieldName": "LicenceExpired", "Operator": "=", "Value": "true"})),
            ("ResellerName = the root's name by CreateTime", shaped(
                "CreateTime", False, {"FieldName": "ResellerName", "Operator": "=", "Value": "bench reseller"})),
            ("ResellerName Contains text by CompanyName", shaped(
                "CompanyName", True, {"FieldName": "ResellerName", "Operator": "Contains", "Value": "x"},
                values=[f"reseller 000{n}" for n in range(10)])),
            ("CompanyName = a name by CreateTime", shaped(
                "CreateTime", False, {"FieldName": "CompanyName", "Operator": "="},
                values=[customer_name(20_000 + n * 7919) for n in range(10)])),
            ("CompanyName != a name by CompanyName, descending", shaped(
                "CompanyName", False, {"FieldName": "CompanyName", "Operator": "!="},
                values=[customer_name(20_000 + n * 7919) for n in range(10)])),
            ("CompanyName Include two names by TargetUserCount", shaped(
                "TargetUserCount", True, {"FieldName": "CompanyName", "Operator": "Include"},
                values=[f"{customer_name(20_000 + n * 7919)}, {customer_name(30_001 + n * 6007)}" for n in range(10)])),
            ("CompanyName Contains two letters by CreateTime, scoped", shaped(
                "CreateTime", False, {"FieldName": "CompanyName", "Operator": "Contains"}, scope=SUB,
                values=["ep", "ph", "hy", "yr", "Ze"])),
            ("CompanyName Contains one letter by CompanyName", shaped(
                "CompanyName", True, {"FieldName": "CompanyName", "Operator": "Contains"},
                values=["z", "y", "P", "7", "a"])),
            ("Tags Include a tag common elsewhere, rare in scope, by CreateTime, scoped", shaped(
                "CreateTime", False, dict(tags, Value="vip"), scope=SUB)),
            ("Tags = a tag common elsewhere, rare in scope, by CompanyName, scoped", shaped(
                "CompanyName", True, dict(tags, Operator="=", Value="VIP"), scope=SUB)),
            ("Tags Contains 'ev' by CompanyName", shaped(
                "CompanyName", True, {"FieldName": "Tags", "Operator": "Contains", "Value": "ev"})),
            ("Tags != 'even' by CreateTime, ascending", shaped(
                "CreateTime", True, {"FieldName": "Tags", "Operator": "!=", "Value": "even"})),
            ("TargetUserCount >= n AND CreateTime >= day by CreateTime", shaped(
                "CreateTime", False, groups=[{"Condition": "AND", "FilterItems": [
                    {"FieldName": "TargetUserCount", "Operator": ">=", "Value": "50"},
                    {"FieldName": "CreateTime", "Operator": ">=", "Value": "2022-06-01"}]}])),
            ("Tags Include 'even' OR TargetUserCount = n by CompanyName", shaped(
                "CompanyName", True, groups=[{"Condition": "OR", "FilterItems": [
                    {"FieldName": "Tags", "Operator": "Include", "Value": "even"},
                    {"FieldName": "TargetUserCount", "Operator": "=", "Value": "7"}]}])),
            ("Tags Include 'even' OR TargetUserCount > n (few) by CompanyName", shaped(
                "CompanyName", True, groups=[{"Condition": "OR", "FilterItems": [
                    {"FieldName": "Tags", "Operator": "Include", "Value": "even"},
                    {"FieldName": "TargetUserCount", "Operator": ">", "Value": "7"}]}])),
            ("Tags != 'even' AND TargetUserCount Include n, m by CreateTime, scoped", shaped(
                "CreateTime", False, scope=SUB, groups=[{"Condition": "AND", "FilterItems": [
                    {"FieldName": "Tags", "Operator": "!=", "Value": "even"},
                    {"FieldName": "TargetUserCount", "Operator": "Include", "Value": "6, 7"}]}])),
            ("text 'zephyr' AND TargetUserCount >= n by CompanyName", shaped(
                "CompanyName", True, dict(counts, Value="5"), text=MARK.lower())),
            ("isTargetUserCountExceededLimit by CreateTime", shaped("CreateTime", False, exceeded=True)),
            ("unfiltered by CompanyName, descending", shaped("CompanyName", False)),
            ("unfiltered by CreateTime, ascending, scoped", shaped("CreateTime", True, scope=SUB)),
            ("unfiltered by TargetUserCount, ascending", shaped("TargetUserCount", True)),
            ("unfiltered by ResellerName, descending, scoped", shaped("ResellerName", False, scope=SUB)),
            ("unfiltered by LicenseEndDate, descending", shaped("LicenseEndDate", False)),
            ("unfiltered by TargetUserCount", shaped("TargetUserCount", False)),
            ("unfiltered by ResellerName", shaped("ResellerName", True)),
            ("unfiltered by LicenseEndDate, scoped", shaped("LicenseEndDate", True, scope=SUB)),
        ]:
            if args.shapes and not re.search(args.shapes, name) or not wanted(f"search shape: {name}"):
                continue
            # Directly: the statements the gateway ran for the shape's first request (PostgreSQL).
            captured = statement_log and statement_log.capture(lambda: request(
                f"{base}/api/companies/search", shape["body"].encode(), shape["headers"], "POST"))
            figure(f"search shape: {name}", "/api/companies/search", goal="p50 <= 10 ms, >= 500 req/s",
                   direct_sql=captured or None, **shape)
        # The first byte of an export of every match (CSV), for a few shapes: it streams in the
        # search's order, so its first row should come as soon as a page's would.
        for name, shape in [
            ("unfiltered by CompanyName", shaped("CompanyName", True)),
            ("Tags Include 'even' by CreateTime", shaped("CreateTime", False, tags)),
            ("TargetUserCount >= n by CreateTime", shaped("CreateTime", False, counts,
                                                          values=[str(n) for n in range(0, 100, 10)])),
            ("CreateTime >= day by CompanyName", shaped("CompanyName", True, dict(counts, FieldName="CreateTime"),
                                                         values=[f"202{n % 4}-0{1 + n % 9}-1{n}" for n in range(10)])),
            ("Contains text by CompanyName, scoped", shaped(
                "CompanyName", True, {"FieldName": "CompanyName", "Operator": "Contains"}, scope=SUB,
                values=[f"00{k:03d}" for k in range(10)])),
        ]:
            name = f"export first byte: {name}"
            if args.shapes and not re.search(args.shapes, name) or not wanted(name):
                continue
            print(f"  {name}", file=sys.stderr, flush=True)
            bodies = [json.dumps(dict(json.loads(b), exportType="CSV", reportAllPages=True)) for b in shape["bodies"]]
            measured = first_byte_ms(f"{base}/api/companies/search/export", bodies, shape["headers"],
                                     max(5, args.duration * 4))
            measured["goal"] = "p50 <= 10 ms"
            result["figures"][name] = measured
        # Client search, each order in both directions and with a text, over the sub-reseller's
        # --clients API clients (listed by the root reseller), pages 1 to 12 in turn.
        for order in ("CreateTime", "Name", "ClientId"):
            for ascending in (True, False):
                clients_search(f"client search by {order}{'' if ascending else ', descending'}", order, ascending)
        clients_search("client search, text '0012' by Name", "Name", True, text="0012")
        if searches_only:
            return result
        deep = cid("BenchC", 111)  # the first customer below the sub-reseller: four levels down
        figure("GET /api/companies/{id}", f"/api/companies/{deep}", headers=bearer, goal="p50 <= 2x direct",
               direct_sql=[(bearer_record_sql(pg), [jti, deep])])
        # The same read spread over many companies, each read in turn.
        spread = [c["resourceId"] for c in companies if c["resourceId"] != ROOT]
        spread = spread[::max(1, len(spread) // 20_000)][:20_000]
        figure(f"GET /api/companies/{{id}}, {len(spread)} companies in turn", f"/api/companies/{deep}",
               headers=bearer, paths=[f"/api/companies/{c}" for c in spread], goal="p50 <= 2x direct",
               direct_sql=[(bearer_record_sql(pg), [jti, spread[len(spread) // 2]])])
        figure("GET /api/industries", "/api/industries", headers=bearer, goal=">= 0.3x cheapest",
               direct_sql=[(BEARER, [jti]), ("SELECT id, name FROM industries ORDER BY name", [])])
        figure(f"GET /api/companies/my ({args.my_size} managed)", "/api/companies/my", headers=sub,
               goal="p50 <= 50 ms", direct_sql=my_sql(pg, sub_jti))

        # Exports of every company the reseller manages, streamed: rows, seconds, bytes and the
        # server's resident memory while it streams (sampled every 50 ms), against before.
        result["exports"] = {}
        for kind in ("CSV", "XLSX"):
            if not wanted(f"export of every company as {kind}"):
                continue
            print(f"  export of every company as {kind}", file=sys.stderr, flush=True)
            body = {"pageNumber": 1, "pageSize": 10, "orderBy": "CompanyName", "ascending": True,
                    "exportType": kind, "reportAllPages": True}
            before_export = rss_mb(server.pid)
            started = time.perf_counter()
            (status, data, _), peak = peak_rss_during(
                server.pid, before_export, 0.05,
                lambda: request(f"{base}/api/companies/search/export", json.dumps(body).encode(), bearer))
            seconds = time.perf_counter() - started
            assert status == 200, (status, data[:300])
            if kind == "CSV":
                rows = data.count(b"\n") - 1
            else:
                import io
                import zipfile
                rows = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").count(b"<row ") - 1
            result["exports"][kind] = {"rows": rows, "seconds": round(seconds, 2), "mb": round(len(data) / 2**20, 1),
                                       "rss_before_mb": round(before_export, 1), "peak_rss_mb": round(peak, 1),
                                       "goal": f"rows = {len(companies) - 1}, memory flat"}

        # Floods of bad credentials, 500 connections at once: resident memory must stay bounded.
        bad_token = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": "bench",
                                            "client_secret": "wrong-secret", "scope": "api1"})
        flood = max(args.duration, 5)
        before = rss_mb(server.pid)
        for name, path, body, headers in [
                ("500 concurrent bad token requests", "/connect/token", bad_token, form),
                ("500 concurrent bad logins", "/auth/login",
                 json.dumps({"email": "big@bench.example", "password": "wrong-password"}),
                 {"Content-Type": "application/json"})]:
            if not wanted(name):
                continue
            print(f"  {name}", file=sys.stderr, flush=True)
            # Requests of the previous flood whose clients left still wait for a hashing thread
            # (at most 10 s, then refused): let them drain so each flood is measured on its own.
            time.sleep(11)
            flooded, peak = peak_rss_during(server.pid, before, 0.1,
                                            lambda: wrk(f"{base}{path}", "POST", body, headers, flood, 500))
            # Refusals are the point here; what must not happen is a 5xx or a dropped connection.
            flooded["failed"] = flooded["server_errors"] + flooded["socket_errors"]
            flooded["peak_rss_mb"] = round(peak, 1)
            flooded["goal"] = "resident memory <= 150 MB"
            result["figures"][name] = flooded

        # Cascading deletion of the big company through the gateway, and of its twin directly,
        # once the floods' abandoned hashing work has drained (it would share the cores). One
        # deletion is noisy: the pair is loaded again and both deleted again, --delete-rounds in
        # all, and the medians compared.
        deletion = "DELETE /api/companies/{id} (big company)"
        rounds = args.delete_rounds if wanted(deletion) else 0
        if rounds:
            print("  cascading delete", file=sys.stderr, flush=True)
            time.sleep(11)
        gateway_ms, direct_ms, failed = [], [], 0
        for round_ in range(rounds):
            if round_ > 0:
                with tempfile.TemporaryDirectory() as tmp:
                    pair = os.path.join(tmp, "pair.json")
                    write_fixture(pair, args, companies, pair_only=True)
                    subprocess.run([binary, "seed", pair, "--database-url", url], check=True,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                login_sessions()
                if pg:
                    direct.run([("ANALYZE", [])])

            def through_gateway():
                nonlocal failed
                started = time.perf_counter()
                status, body, _ = request(f"{base}/api/companies/{BIG}", headers=bearer, method="DELETE")
                gateway_ms.append((time.perf_counter() - started) * 1000)
                failed += status != 200
                assert status == 200, (status, body)

            def directly():
                started = time.perf_counter()
                direct.run(delete_sql(TWIN))
                direct_ms.append((time.perf_counter() - started) * 1000)

            # Whichever goes first meets colder caches: the order alternates between rounds. The
            # first deletion of 100 000 rows sets PostgreSQL's autovacuum to work on the table,
            # and on two cores it shared them with the second (the same DELETE took 39 ms or
            # 108 ms): each deletion starts once no autovacuum worker is running.
            for delete in (through_gateway, directly) if round_ % 2 == 0 else (directly, through_gateway):
                direct.wait_for_autovacuum()
                delete()
        if rounds:
            result["figures"][deletion] = {
                "p50_ms": statistics.median(gateway_ms), "requests": len(gateway_ms), "failed": failed,
                "runs_ms": [round(ms, 1) for ms in gateway_ms],
                "direct": {"p50_ms": statistics.median(direct_ms), "runs_ms": [round(ms, 1) for ms in direct_ms]},
                "goal": "<= 1.25x direct"}
        result["memory_mb"]["after"] = round(rss_mb(server.pid), 1)
        result["memory_mb"]["peak"] = round(rss_mb(server.pid, "VmHWM"), 1)
    finally:
        server.terminate()
        server.wait()


def growth(small, full):
    """Each search's p50 on the small data set and on the full one."""
    rows = {}
    for name, f in full["figures"].items():
        if name.startswith("search") and name in small["figures"]:
            before, after = small["figures"][name]["p50_ms"], f["p50_ms"]
            # The texts of the searches in turn each match one to three names at 1 000 companies
            # and about a hundred at 100 000: their work grows with what they find.
            goal = "(no goal: more matches per text)" if "in turn" in name else "p50 grows at most 2x"
            rows[name] = {"companies": [small["data"]["companies"], full["data"]["companies"]],
                          "p50_ms": [before, after], "x": after / before if before else None, "goal": goal}
    return rows


def print_growth(result):
    for name, g in result.get("growth", {}).items():
        (few, many), (before, after) = g["companies"], g["p50_ms"]
        print(f"{name}: p50 {before:.2f} ms at {few} companies, {after:.2f} ms at {many}: "
              f"{g['x'] or 0:.2f}x; goal {g['goal']}")


def print_exports(result):
    for kind, e in result.get("exports", {}).items():
        print(f"export of every company as {kind}: {e['rows']} rows in {e['seconds']} s ({e['mb']} MB); "
              f"server memory {e['rss_before_mb']} MB before, peak {e['peak_rss_mb']} MB while streaming; "
              f"goal {e['goal']}")


def print_table(db, result):
    figures = result["figures"]
    # Absent where --figures leaves it out.
    cheapest = figures.get("cheapest: GET /healthz", {}).get("req_per_s")
    print(f"\n{db}: {result['data']['companies']} companies, {result['data']['target_users']} target users; "
          f"seed {result['seed']['seconds']} s (peak {result['seed']['peak_rss_mb']} MB); "
          f"memory idle {result['memory_mb']['idle']} MB, after {result['memory_mb'].get('after')} MB, "
          f"peak {result['memory_mb'].get('peak')} MB")
    print(f"{'figure':66} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'fail':>5} {'direct p50':>10} "
          f"{'x direct':>8} {'x cheapest':>10}  goal")
    for name, f in figures.items():
        direct = f.get("direct", {}).get("p50_ms")
        rps = f.get("req_per_s")
        x_direct = f["p50_ms"] / direct if direct and f.get("p50_ms") is not None else None
        x_cheap = rps / cheapest if rps and cheapest else None
        f["x_direct"], f["x_cheapest"] = x_direct, x_cheap
        goal = f.get("goal") or ""
        if "peak_rss_mb" in f:
            goal = f"peak {f['peak_rss_mb']} MB; {goal}"
        print(f"{name:66} {rps or 0:9.0f} {f.get('p50_ms') or 0:8.2f} {f.get('p99_ms') or 0:8.2f} {f['failed']:5d} "
              f"{direct or 0:10.2f} {x_direct or 0:8.2f} {x_cheap or 0:10.3f}  {goal}")
    if result.get("base"):
        print(f"\n{db}, the same data, this binary beside --base:")
        # "x base": req/s over the base's, or (a figure of single requests) the base's p50 over this one's.
        print(f"{'figure':66} {'req/s':>9} {'base':>9} {'p50 ms':>8} {'base':>8} {'x base':>7} {'fail':>5} "
              f"{'direct p50':>10} {'base':>8}")
        for name, b in result["base"].items():
            f = figures.get(name)
            if not f or f.get("p50_ms") is None:
                continue
            if f.get("req_per_s") and b.get("req_per_s"):
                x = f["req_per_s"] / b["req_per_s"]
            else:
                x = (b.get("p50_ms") or 0) / f["p50_ms"] if f["p50_ms"] else 0
            direct = (f.get("direct") or {}).get("p50_ms") or 0
            base_direct = (b.get("direct") or {}).get("p50_ms") or 0
            print(f"{name:66} {f.get('req_per_s') or 0:9.0f} {b.get('req_per_s') or 0:9.0f} {f['p50_ms']:8.2f} "
                  f"{b.get('p50_ms') or 0:8.2f} {x:7.2f} {f['failed'] + b['failed']:5d} {direct:10.2f} {base_direct:8.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default="target/release/companygate")
    parser.add_argument("--smoke", action="store_true", help="a tiny data set and 1 s per figure (CI)")
    parser.add_argument("--companies", type=int, default=100_000)
    parser.add_argument("--target-users", type=int, default=1_000_000)
    parser.add_argument("--big-users", type=int, default=100_000)
    parser.add_argument("--offers", type=int, default=5_000)
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--my-size", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=1_000, help="API clients of the sub-reseller")
    parser.add_argument("--duration", type=int, default=10, help="seconds per figure")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--delete-rounds", type=int, default=5,
                        help="deletions of the big company (and of its twin directly); medians compared")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--growth-size", type=int, default=1_000,
                        help="companies of a second, smaller data set the searches run on again (0: none)")
    parser.add_argument("--json", default="bench.json")
    parser.add_argument("--searches-only", action="store_true",
                        help="the cheapest endpoint and the search figures only")
    parser.add_argument("--base", default="",
                        help="a second binary (same schema) whose searches run on the same data after --bin's, "
                             "side by side in the table")
    parser.add_argument("--figures", default="",
                        help="only the figures whose names this regular expression finds")
    parser.add_argument("--shapes", default="",
                        help="only the search shapes whose names this regular expression finds")
    args = parser.parse_args()
    if args.smoke:
        args.companies, args.target_users, args.big_users = 400, 4_000, 1_000
        args.offers, args.sessions, args.my_size, args.duration, args.clients = 50, 3, 150, 1, 20
        args.delete_rounds = 2
        args.growth_size = 300
    admin = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")

    def on(db, sizes, searches_only=False):
        if db == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                return measure(args.bin, f"sqlite://{tmp}/bench.db?mode=rwc", sizes, searches_only)
        if db == "postgres":
            name = f"companygate_bench_{os.getpid()}"
            subprocess.run(["psql", "-q", admin, "-c", f"CREATE DATABASE {name}"], check=True)
            try:
                url = urllib.parse.urlsplit(admin)._replace(path=f"/{name}").geturl()
                return measure(args.bin, url, sizes, searches_only)
            finally:
                subprocess.run(["psql", "-q", admin, "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=False)
        raise SystemExit(f"unknown database {db}")

    # The searches again on a data set of --growth-size companies, the rest in proportion: how
    # their p50 grows with the number of companies.
    small = None
    if 0 < args.growth_size < args.companies:
        small = argparse.Namespace(**vars(args))
        small.companies = args.growth_size
        small.target_users = args.growth_size * 10
        small.big_users = small.offers = max(args.growth_size // 10, 1)
        small.my_size = min(args.my_size, args.growth_size // 4)
        small.sessions = 1
        small.base = ""

    report = {"args": vars(args), "databases": {}}
    for db in args.databases.split(","):
        print(f"{db}:", file=sys.stderr, flush=True)
        report["databases"][db] = on(db, args, searches_only=args.searches_only)
        if small is not None:
            print(f"{db}, searches at {small.companies} companies:", file=sys.stderr, flush=True)
            report["databases"][db]["growth"] = growth(on(db, small, searches_only=True), report["databases"][db])
        print_table(db, report["databases"][db])
        print_exports(report["databases"][db])
        print_growth(report["databases"][db])
    with open(args.json, "w") as f:
        json.dump(report, f, indent=2)
    print(f"\nwritten to {args.json}")


if __name__ == "__main__":
    main()
