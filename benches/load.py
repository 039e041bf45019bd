#!/usr/bin/env python3
"""Load figures for companygate on SQLite and PostgreSQL, side by side in one run.

Seeds the same data set into a fresh SQLite file and a fresh PostgreSQL database, starts one
gateway on each, and measures token issue, a filtered search page, and deletions over real HTTP.
Usage: benches/load.py [--bin target/release/companygate] [--companies 5000] [--requests 200]
PostgreSQL comes from TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = "xC5kfGz7w2Nz"


def fixture(companies):
    rows = [{"resourceId": ROOT, "name": "Bench Reseller"}]
    rows += [{"resourceId": f"Bench{n:07d}", "name": f"Bench customer {n:06d}", "parent": ROOT,
              "numberOfUsers": n % 50, "tags": ["even" if n % 2 == 0 else "odd"]} for n in range(companies)]
    return {"companies": rows,
            "apiClients": [{"company": ROOT, "clientId": "bench", "clientSecret": "bench-s3cret", "role": "Reseller"}]}


def request(url, data=None, headers=None, method=None):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def timed(fn, times):
    samples = []
    for i in range(times):
        start = time.perf_counter()
        status = fn(i)
        samples.append((time.perf_counter() - start) * 1000)
        if status != 200:
            raise SystemExit(f"unexpected status {status}")
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def measure(binary, url, companies, requests):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(fixture(companies), f)
    subprocess.run([binary, "seed", f.name, "--database-url", url], check=True, capture_output=True)
    os.unlink(f.name)
    server = subprocess.Popen([binary, "serve", "--bind", "127.0.0.1:0", "--database-url", url,
                               "--token-rate-limit-per-client", "100000", "--token-rate-limit-per-ip", "100000",
                               "--api-rate-limit-per-client", "100000"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                              env={**os.environ, "RUST_LOG": "warn"})
    try:
        base = re.search(r"(http://\S+)", server.stdout.readline()).group(1)
        form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": "bench",
                                       "client_secret": "bench-s3cret"}).encode()
        form_headers = {"Content-Type": "application/x-www-form-urlencoded"}
        results = {"token (argon2 verify)": timed(lambda _: request(f"{base}/connect/token", form, form_headers)[0], 20)}
        token = json.loads(request(f"{base}/connect/token", form, form_headers)[1])["access_token"]
        auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        search = json.dumps({"pageNumber": 5, "pageSize": 20, "orderBy": "TargetUserCount", "ascending": False,
                             "filter": {"Condition": "AND", "FilterGroups": [{"Condition": "OR", "FilterItems": [
                                 {"FieldName": "CompanyName", "Operator": "Contains", "Value": "customer 00"},
                                 {"FieldName": "Tags", "Operator": "=", "Value": "odd"}]}]}}).encode()
        results["filtered search page"] = timed(lambda _: request(f"{base}/api/companies/search", search, auth)[0], requests)
        results["cascading delete"] = timed(
            lambda i: request(f"{base}/api/companies/Bench{i:07d}", headers=auth, method="DELETE")[0],
            min(requests, companies))
        return results
    finally:
        server.terminate()
        server.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default="target/release/companygate")
    parser.add_argument("--companies", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    admin = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    name = f"companygate_bench_{os.getpid()}"
    subprocess.run(["psql", "-q", admin, "-c", f"CREATE DATABASE {name}"], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            sqlite = measure(args.bin, f"sqlite://{tmp}/bench.db?mode=rwc", args.companies, args.requests)
            pg_url = urllib.parse.urlsplit(admin)._replace(path=f"/{name}").geturl()
            postgres = measure(args.bin, pg_url, args.companies, args.requests)
        finally:
            subprocess.run(["psql", "-q", admin, "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=False)
    print(f"{args.companies} companies, {args.requests} requests each, one client, sequential, {args.bin}")
    print(f"{'operation':24} {'SQLite p50/p95 ms':>20} {'PostgreSQL p50/p95 ms':>24} {'PG/SQLite p50':>14}")
    for key in sqlite:
        (s50, s95), (p50, p95) = sqlite[key], postgres[key]
        print(f"{key:24} {s50:9.1f} / {s95:7.1f} {p50:12.1f} / {p95:8.1f} {p50 / s50:14.2f}")


if __name__ == "__main__":
    main()
