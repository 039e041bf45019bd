#!/usr/bin/env python3
"""Three `companygate serve` replicas on one PostgreSQL database, sharing rate limits through
Redis, behind HAProxy (health checks on /readyz). A bounded wrk load of mixed token, search, login
and delete traffic goes through the balancer while one replica is stopped with SIGTERM and started
again. Then, replica by replica: a token from one is honoured by the others, a deleted company's
token is refused by every replica as soon as it hears of the deletion (within a second), and one
client's token limit holds once across the three. Exits non-zero on any failed check; prints the figures and writes them as JSON.

Run through scripts/replicas, which installs HAProxy and wrk and makes sure PostgreSQL and Redis
answer."""
import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import psycopg

ROOT = "ReplRoot0000"
DOOMED = "ReplDoomed01"
SECRET = "repl-s3cret-value"
PASSWORD = "repl-password-1"
TOKEN_LIMIT = 30  # per client per minute, for every replica together


def cid(prefix, n):
    return f"{prefix}{n:0{12 - len(prefix)}d}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url, data=None, headers=None, method=None):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def token_form(client):
    return urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": client,
                                   "client_secret": SECRET, "scope": "api1"}).encode()


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def token(base, client):
    status, body = request(f"{base}/connect/token", token_form(client), FORM)
    assert status == 200, (base, client, status, body)
    return json.loads(body)["access_token"]


def fixture(victims, accounts):
    companies = [{"resourceId": ROOT, "name": "Replica Root Reseller", "hasFinishedRegistration": True},
                 {"resourceId": DOOMED, "name": "Replica Doomed Customer", "parent": ROOT}]
    companies += [{"resourceId": v, "name": f"Replica victim {i:05d}", "parent": ROOT} for i, v in enumerate(victims)]
    spare = [cid("ReplSpare", n) for n in range(20)]
    companies += [{"resourceId": s, "name": f"Replica spare {n:03d}", "parent": ROOT,
                   "hasFinishedRegistration": True} for n, s in enumerate(spare)]
    clients = [{"company": ROOT, "clientId": c, "clientSecret": SECRET, "role": "Reseller", "name": c}
               for c in ("repl-load", "repl-probe", "repl-limited")]
    clients.append({"company": DOOMED, "clientId": "repl-doomed-admin", "clientSecret": SECRET,
                    "role": "Company Admin", "name": "doomed admin"})
    people = [{"email": e, "password": PASSWORD, "company": spare[n % len(spare)]} for n, e in enumerate(accounts)]
    return {"companies": companies, "apiClients": clients, "accounts": people}


LOAD = r"""
-- Mixed traffic, 20 requests a cycle per thread: 3 token requests, 1 login, 8 searches and
-- 8 deletions (searches instead once the thread's share of victims is used up). Answers are
-- told apart by status and body; every status is counted.
local threads = {}
local victims = {VICTIMS}
local accounts = {ACCOUNTS}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  n = 0
  next_victim = id + 1
  statuses = {}
  deleted = 0
  issued = 0
  searched = 0
  logged_in = 0
end
local bearer = "Bearer BEARER"
local search = '{"pageNumber":1,"pageSize":10,"orderBy":"CreateTime","ascending":false}'
local token_body = "grant_type=client_credentials&client_id=repl-load&client_secret=SECRET&scope=api1"
function request()
  n = n + 1
  local slot = n % 20
  if slot < 3 then
    return wrk.format("POST", "/connect/token", {["Content-Type"] = "application/x-www-form-urlencoded"}, token_body)
  elseif slot == 3 then
    local email = accounts[(n % #accounts) + 1]
    local body = '{"email":"' .. email .. '","password":"PASSWORD"}'
    return wrk.format("POST", "/auth/login", {["Content-Type"] = "application/json"}, body)
  elseif slot < 12 and next_victim <= #victims then
    local victim = victims[next_victim]
    next_victim = next_victim + THREADS
    return wrk.format("DELETE", "/api/companies/" .. victim, {["Authorization"] = bearer})
  else
    return wrk.format("POST", "/api/companies/search",
      {["Authorization"] = bearer, ["Content-Type"] = "application/json"}, search)
  end
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 200 then
    if string.find(body, '"Company deleted"', 1, true) then deleted = deleted + 1
    elseif string.find(body, '"access_token"', 1, true) then issued = issued + 1
    elseif string.find(body, '"totalNumberOfRecords"', 1, true) then searched = searched + 1
    elseif body == "{}" then logged_in = logged_in + 1 end
  end
end
function done(summary, latency, requests)
  local all = {}
  local kinds = {deleted = 0, issued = 0, searched = 0, logged_in = 0}
  for _, t in ipairs(threads) do
    for status, count in pairs(t:get("statuses")) do all[status] = (all[status] or 0) + count end
    for kind, _ in pairs(kinds) do kinds[kind] = kinds[kind] + t:get(kind) end
  end
  local parts = {}
  for status, count in pairs(all) do table.insert(parts, '"' .. status .. '":' .. count) end
  io.write("STATUSES {" .. table.concat(parts, ",") .. "}\n")
  io.write(string.format('KINDS {"deleted":%d,"issued":%d,"searched":%d,"logged_in":%d}\n',
    kinds.deleted, kinds.issued, kinds.searched, kinds.logged_in))
end
"""


class Replica:
    def __init__(self, binary, url, port, env):
        self.binary, self.url, self.port, self.env = binary, url, port, env
        self.base = f"http://127.0.0.1:{port}"
        self.process = None
        self.log = tempfile.NamedTemporaryFile("w+", suffix=f"-replica-{port}.log", delete=False)

    def start(self):
        self.process = subprocess.Popen([self.binary, "serve", "--bind", f"127.0.0.1:{self.port}",
                                         "--database-url", self.url], stdout=subprocess.DEVNULL,
                                        stderr=self.log, env=self.env)

    def wait_ready(self, within=60):
        deadline = time.time() + within
        while time.time() < deadline:
            try:
                if request(f"{self.base}/readyz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise SystemExit(f"replica {self.port} did not become ready; its log: {self.log.name}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            return self.process.wait(timeout=30)
        return None


def haproxy_config(port, replicas):
    servers = "\n".join(f"    server r{i} 127.0.0.1:{r.port} check" for i, r in enumerate(replicas))
    return f"""global
    maxconn 2000
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    retries 3
    option redispatch
    retry-on conn-failure
    # One request per server connection: a replica that closes its listener never meets a reused
    # connection mid-request.
    option http-server-close
frontend gateway
    bind 127.0.0.1:{port}
    default_backend replicas
backend replicas
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 300ms fall 1 rise 1
{servers}
"""


def parse_wrk(out):
    def ms(text):
        value, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]

    pct = {p: ms(v) for p, v in re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M)}
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"requests": int(re.search(r"(\d+) requests in", out).group(1)),
            "req_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50_ms": pct.get("50"), "p99_ms": pct.get("99"),
            "socket_errors": sum(map(int, errors.groups())) if errors else 0,
            "statuses": {int(k): v for k, v in json.loads(re.search(r"^STATUSES (.*)$", out, re.M).group(1)).items()},
            "kinds": json.loads(re.search(r"^KINDS (.*)$", out, re.M).group(1))}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin", default="target/debug/companygate")
    parser.add_argument("--duration", type=int, default=20, help="seconds of load")
    parser.add_argument("--victims", type=int, default=300, help="companies the load deletes")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--drain", type=int, default=2, help="SHUTDOWN_DRAIN_SECONDS of the replicas")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    admin_url = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
    name = f"companygate_replicas_{os.getpid()}"
    url = re.sub(r"/[^/]*$", f"/{name}", admin_url)
    victims = [cid("ReplVict", n) for n in range(args.victims)]
    accounts = [f"person{n}@replicas.example" for n in range(10)]
    checks, failures = [], []

    def check(what, ok, detail=""):
        checks.append({"check": what, "ok": bool(ok), "detail": detail})
        print(f"  {'ok  ' if ok else 'FAIL'} {what}{': ' + str(detail) if detail else ''}", flush=True)
        if not ok:
            failures.append(what)

    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    replicas, haproxy = [], None
    work = tempfile.mkdtemp(prefix="companygate-replicas-")
    try:
        with open(f"{work}/fixture.json", "w") as f:
            json.dump(fixture(victims, accounts), f)
        subprocess.run([args.bin, "seed", f"{work}/fixture.json", "--database-url", url], check=True,
                       stdout=subprocess.DEVNULL)
        env = {**os.environ, "RUST_LOG": "info,sqlx=warn", "LOG_FORMAT": "json", "REDIS_URL": redis_url,
               "REDIS_KEY_PREFIX": f"{name}:", "SHUTDOWN_DRAIN_SECONDS": str(args.drain),
               "TOKEN_RATE_LIMIT_PER_CLIENT": str(TOKEN_LIMIT), "TOKEN_RATE_LIMIT_PER_IP": "1000000",
               "API_RATE_LIMIT_PER_CLIENT": "1000000", "LOGIN_RATE_LIMIT_PER_IP": "1000000",
               "LOGIN_RATE_LIMIT_PER_EMAIL": "1000000"}
        replicas = [Replica(args.bin, url, free_port(), env) for _ in range(3)]
        # All three start at once on the seeded database (migrations already applied by the seed).
        for r in replicas:
            r.start()
        for r in replicas:
            r.wait_ready()
        port = free_port()
        with open(f"{work}/haproxy.cfg", "w") as f:
            f.write(haproxy_config(port, replicas))
        haproxy = subprocess.Popen(["haproxy", "-f", f"{work}/haproxy.cfg"], stdout=subprocess.DEVNULL,
                                   stderr=open(f"{work}/haproxy.log", "w"))
        balancer = f"http://127.0.0.1:{port}"
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if request(f"{balancer}/readyz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        time.sleep(1)  # every server's first health check

        # The load's bearer token, issued through the balancer (not counted against repl-load,
        # whose own token requests in the load meet the shared limit).
        bearer = token(balancer, "repl-probe")
        script = (LOAD.replace("{VICTIMS}", "{" + ",".join(f'"{v}"' for v in victims) + "}")
                  .replace("{ACCOUNTS}", "{" + ",".join(f'"{a}"' for a in accounts) + "}")
                  .replace("BEARER", bearer).replace("SECRET", SECRET).replace("PASSWORD", PASSWORD)
                  .replace("THREADS", "2"))
        with open(f"{work}/load.lua", "w") as f:
            f.write(script)
        print(f"load: {args.duration} s, {args.connections} connections through HAProxy; replica 2 stopped "
              f"(SIGTERM) at {args.duration // 4} s and started again at {args.duration // 2} s", flush=True)
        load = subprocess.Popen(["wrk", "-t", "2", "-c", str(args.connections), "-d", f"{args.duration}s",
                                 "--timeout", "30s", "--latency", "-s", f"{work}/load.lua", balancer],
                                stdout=subprocess.PIPE, text=True)
        time.sleep(args.duration // 4)
        stopped_at = time.time()
        code = replicas[1].stop()
        stop_seconds = time.time() - stopped_at
        time.sleep(max(0.0, args.duration // 2 - (time.time() - stopped_at) - args.duration // 4))
        replicas[1].start()
        replicas[1].wait_ready()
        out, _ = load.communicate(timeout=args.duration + 120)
        figures = parse_wrk(out)
        statuses = figures["statuses"]
        failed = sum(c for s, c in statuses.items() if not (200 <= s < 300 or s == 429)) + figures["socket_errors"]
        print(f"  requests {figures['requests']} ({figures['req_per_s']:.0f}/s), p50 {figures['p50_ms']} ms, "
              f"p99 {figures['p99_ms']} ms, statuses {statuses}, answers {figures['kinds']}, "
              f"socket errors {figures['socket_errors']}", flush=True)
        check("the stopped replica exited cleanly on SIGTERM", code == 0, f"exit {code} after {stop_seconds:.1f} s")
        check("0 failed requests other than 429s", failed == 0, f"{failed} failed")
        check("the load issued tokens, searched, logged in and deleted",
              all(figures["kinds"][k] > 0 for k in ("issued", "searched", "logged_in", "deleted")))
        # One shared budget: a burst of TOKEN_LIMIT, then one more every 60 / TOKEN_LIMIT seconds
        # (three budgets, one per replica, would grant about three times as many).
        most = TOKEN_LIMIT + (args.duration + 5) * TOKEN_LIMIT // 60 + 1
        check("the load's own token requests met one limit across the three",
              figures["kinds"]["issued"] <= most, f"{figures['kinds']['issued']} granted, at most {most}")

        with psycopg.connect(url, autocommit=True) as db:
            left = db.execute("SELECT count(*) FROM companies WHERE id = ANY(%s)", (victims,)).fetchone()[0]
            receipts = db.execute("SELECT company_id, count(*) FROM deletion_receipts WHERE company_id = ANY(%s) "
                                  "GROUP BY company_id", (victims,)).fetchall()
        sent = figures["kinds"]["deleted"]
        check("every deletion exactly once", left == len(victims) - sent and len(receipts) == sent
              and all(n == 1 for _, n in receipts),
              f"{sent} deleted answers, {len(receipts)} receipts, {left} of {len(victims)} victims left")

        # A token from one replica is honoured by the others.
        probe = token(replicas[0].base, "repl-probe")
        seen = [request(f"{r.base}/api/companies/{ROOT}", headers={"Authorization": f"Bearer {probe}"})[0]
                for r in replicas]
        check("a token from replica 1 is honoured by every replica", seen == [200, 200, 200], seen)

        # A deleted company's token is refused by every replica at once.
        doomed = token(replicas[0].base, "repl-doomed-admin")
        before = [request(f"{r.base}/api/companies/{DOOMED}", headers={"Authorization": f"Bearer {doomed}"})[0]
                  for r in replicas]
        status, _ = request(f"{replicas[2].base}/api/companies/{DOOMED}", method="DELETE",
                            headers={"Authorization": f"Bearer {probe}"})
        # Each replica kept the token's row; it hears of the deletion from the database (the
        # commit's notification) and refuses the token from then on, within milliseconds.
        deleted_at = time.perf_counter()
        after, took = [], []
        for r in replicas:
            while True:
                code = request(f"{r.base}/api/companies/{DOOMED}", headers={"Authorization": f"Bearer {doomed}"})[0]
                if code != 200 or time.perf_counter() - deleted_at > 1:
                    break
                time.sleep(0.001)
            after.append(code)
            took.append(f"{(time.perf_counter() - deleted_at) * 1000:.1f} ms")
        check("a deleted company's token is refused by every replica within a second",
              before == [200, 200, 200] and status == 200 and after == [401, 401, 401],
              f"before {before}, delete {status}, after {after}, refused after {took}")

        # One client's token limit holds once across the three (Redis), whichever replica answers.
        granted = 0
        for i in range(TOKEN_LIMIT * 3):
            status, _ = request(f"{replicas[i % 3].base}/connect/token", token_form("repl-limited"), FORM)
            granted += status == 200
        check(f"a client's token limit ({TOKEN_LIMIT}/min) holds once across the three replicas",
              TOKEN_LIMIT <= granted <= TOKEN_LIMIT + 1, f"{granted} of {TOKEN_LIMIT * 3} granted")

        result = {"load": figures, "failed": failed, "stop_seconds": round(stop_seconds, 2), "checks": checks}
        if args.json:
            with open(args.json, "w") as f:
                json.dump(result, f, indent=2)
    finally:
        if haproxy:
            haproxy.terminate()
        for r in replicas:
            try:
                r.stop()
            except Exception:
                r.process.kill()
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    if failures:
        for r in replicas:
            print(f"--- log of replica {r.port} (last lines)", file=sys.stderr)
            r.log.seek(0)
            print("".join(r.log.readlines()[-20:]), file=sys.stderr)
        raise SystemExit(f"failed: {', '.join(failures)}")
    print("all replica checks passed")


if __name__ == "__main__":
    main()
