"""Both dialects' delete flows through the generated Python clients, against BASE_URL."""
import datetime
import os
import sys

from reseller_client import AuthenticatedClient as ResellerAuthClient
from reseller_client import Client as ResellerClient
from reseller_client.api.authentication import request_token
from reseller_client.api.clients import export_clients
from reseller_client.api.companies import (
    check_company_license,
    delete_company,
    export_companies,
    get_company,
    get_company_by_number,
    get_company_logo,
    get_license_expiry_date,
    list_code_types,
    list_lookups,
    preview_company_deletion,
    search_companies,
    search_my_companies,
)
from reseller_client.models import (
    ClientExportBody,
    CompanyExportBody,
    LicenseExpiryDateBody,
    SearchBody,
    SearchMyCompaniesBody,
    SearchOrderBy,
    TokenRequest,
)
from session_client import Client as SessionClient
from session_client.api.auth import login, me
from session_client.api.company import delete_company as session_delete
from session_client.models import GodTokenBody, LoginBody

BASE = os.environ["BASE_URL"]
checks = {"passed": 0, "failed": 0}


def check(name, expected, actual):
    if expected == actual:
        checks["passed"] += 1
    else:
        checks["failed"] += 1
        print(f"FAIL {name}: expected {expected!r}, got {actual!r}")


# Reseller dialect: token -> search -> preview -> delete.
token = request_token.sync(
    client=ResellerClient(base_url=BASE),
    body=TokenRequest(grant_type="client_credentials", client_id="acme-reseller", client_secret="s3cret-value", scope="api1"),
)
check("token type", "Bearer", token.token_type)
api = ResellerAuthClient(base_url=BASE, token=token.access_token)
page = search_companies.sync(client=api, body=SearchBody(page_number=1, page_size=10, order_by=SearchOrderBy("CompanyName"), ascending=True))
check("search succeeds", True, page.is_success)
names = [c.company_name for c in page.data.results]
check("search sees the subtree", 4, page.data.total_number_of_records)
target = next(c.company_resource_id for c in page.data.results if c.company_name == "test-company-2")
company = get_company.sync(target, client=api)
parent = get_company_by_number.sync(company.data.parent_id, client=api)
check("the parent by number", "xC5kfGz7w2Nz", parent.data.item1)
mine = search_my_companies.sync(client=api, body=SearchMyCompaniesBody(text="TEST-company"))
check("my search finds by name", ["test-company-1", "test-company-2"], [c.name for c in mine.data.results])
licence = check_company_license.sync("Cust0mer0001", client=api)
check("licence check", (2, 3, True), (licence.data.license_limit, licence.data.active_user_count, licence.data.is_license_exceeded))
expiry = get_license_expiry_date.sync(client=api, body=LicenseExpiryDateBody(
    license_start_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)))
check("licence expiry answers", True, expiry.is_success)
types = list_code_types.sync(client=api)
industry = next(t.id for t in types.data if t.name == "Industry")
check("industries by their lookup type", True, len(list_lookups.sync(industry, client=api).data) > 0)
logo = get_company_logo.sync("Cust0mer0001", client=api)
check("logo file name", "logo.png", logo.data.file_name)
csv = export_companies.sync(client=api, body=CompanyExportBody(
    page_number=1, page_size=10, order_by=SearchOrderBy("CompanyName"), ascending=True, export_type="CSV", report_all_pages=True))
check("export has a header and every company", 5, len(csv.strip().splitlines()))
clients_csv = export_clients.sync(client=api, body=ClientExportBody(
    page_number=1, page_size=10, order_by="clientId", ascending=True, export_type="csv"))
check("client export starts with its header", "Client Name", clients_csv.split(",")[0])
preview = preview_company_deletion.sync(target, client=api)
check("preview counts offers", 1, preview.data.offers)
deleted = delete_company.sync(target, client=api)
check("delete succeeds", "SUCCESS", deleted.status.value)
check("delete names the company", target, deleted.data.resource_id)
again = delete_company.sync(target, client=api)
check("second delete is not found", "NOT_FOUND", again.status.value)

# Session dialect: login -> delete own company; god token -> delete another.
session = SessionClient(base_url=BASE)
login.sync(client=session, body=LoginBody(email="company1@email.com", password="password123"))
check("logged in", "company1@email.com", me.sync(client=session).data.email)
doc = session_delete.sync("43757374306d657230303031", client=session)
check("session delete answers the company", "test-company-1", doc.name)
check("session ends with the company", 401, me.sync_detailed(client=session).status_code)
god = session_delete.sync("Cust0mer0003", client=SessionClient(base_url=BASE), body=GodTokenBody(god_token="demo-god-token"))
check("god delete", "Contoso Ltd", god.name)
refused = session_delete.sync_detailed("SubReseller1", client=SessionClient(base_url=BASE))
check("no credentials is 401", 401, refused.status_code)
check("the 401 lists the gate", ["must-be-company", "must-be-god"], [o.errors[0].msg for o in refused.parsed.or_])

print(f"python-sdk: {checks['passed']} passed, {checks['failed']} failed")
sys.exit(1 if checks["failed"] else 0)
