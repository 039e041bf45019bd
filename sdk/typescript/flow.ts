// Both dialects' delete flows through openapi-fetch, typed by openapi-typescript from the
// committed specs, against BASE_URL.
import createClient from "openapi-fetch";
import type { paths as Reseller } from "./generated/reseller.js";
import type { paths as Session } from "./generated/session.js";

const base = process.env["BASE_URL"];
if (!base) throw new Error("BASE_URL is not set");
let passed = 0;
let failed = 0;
function check(name: string, expected: unknown, actual: unknown): void {
  if (JSON.stringify(expected) === JSON.stringify(actual)) passed++;
  else {
    failed++;
    console.log(`FAIL ${name}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

// Reseller dialect: token -> search -> preview -> delete.
const anonymous = createClient<Reseller>({ baseUrl: base });
const granted = await anonymous.POST("/connect/token", {
  body: { grant_type: "client_credentials", client_id: "acme-reseller", client_secret: "s3cret-value", scope: "api1" },
  bodySerializer: (body) => new URLSearchParams(body as Record<string, string>).toString(),
  headers: { "Content-Type": "application/x-www-form-urlencoded" },
});
const token = granted.data?.access_token ?? "";
check("token type", "Bearer", granted.data?.token_type);
const api = createClient<Reseller>({ baseUrl: base, headers: { Authorization: `Bearer ${token}` } });
const page = await api.POST("/api/companies/search", {
  body: { pageNumber: 1, pageSize: 10, orderBy: "CompanyName", ascending: true },
});
check("search succeeds", true, page.data?.isSuccess);
check("search sees the subtree", 4, page.data?.data.totalNumberOfRecords);
const target = page.data?.data.results.find((c) => c.companyName === "test-company-2")?.companyResourceId ?? "";
const company = await api.GET("/api/companies/{resourceId}", { params: { path: { resourceId: target } } });
const parentId = company.data?.data.parentId ?? 0;
const parent = await api.GET("/api/companies/getcompany/{companyId}", { params: { path: { companyId: parentId } } });
check("the parent by number", "xC5kfGz7w2Nz", parent.data?.data.item1);
const mine = await api.POST("/api/companies/my/search", { body: { text: "TEST-company" } });
check("my search finds by name", ["test-company-1", "test-company-2"], mine.data?.data.results.map((c) => c.name));
const licence = await api.GET("/api/companies/{resourceId}/license-check", { params: { path: { resourceId: "Cust0mer0001" } } });
const l = licence.data?.data;
check("licence check", [2, 3, true], [l?.licenseLimit, l?.activeUserCount, l?.isLicenseExceeded]);
const expiry = await api.POST("/api/companies/licenseexpirydate", { body: { licenseStartDate: "2026-01-01T00:00:00Z" } });
check("licence expiry answers", true, expiry.data?.isSuccess);
const types = await api.GET("/api/codetypes");
const industry = types.data?.data.find((t) => t.name === "Industry")?.id ?? 0;
const industries = await api.GET("/api/lookups/{typeId}", { params: { path: { typeId: industry } } });
check("industries by their lookup type", true, (industries.data?.data.length ?? 0) > 0);
const logo = await api.GET("/api/companies/{resourceId}/logo", { params: { path: { resourceId: "Cust0mer0001" } } });
check("logo file name", "logo.png", logo.data?.data.fileName);
const exportBody = { pageNumber: 1, pageSize: 10, orderBy: "CompanyName", ascending: true, exportType: "CSV", reportAllPages: true } as const;
const csv = await api.POST("/api/companies/search/export", { body: exportBody, parseAs: "text" });
check("export has a header and every company", 5, (csv.data ?? "").trim().split("\n").length);
const xlsx = await api.POST("/api/companies/search/export", { body: { ...exportBody, exportType: "XLSX" }, parseAs: "arrayBuffer" });
check("an XLSX export is a zip archive", "PK", Buffer.from(xlsx.data ?? new ArrayBuffer(0)).subarray(0, 2).toString());
const clientsCsv = await api.POST("/api/companies/clients/search/export", {
  body: { pageNumber: 1, pageSize: 10, orderBy: "ClientId", ascending: true, exportType: "csv" },
  parseAs: "text",
});
check("client export starts with its header", "Client Name", (clientsCsv.data ?? "").split(",")[0]);
const preview = await api.GET("/api/companies/{resourceId}/deletion-preview", { params: { path: { resourceId: target } } });
check("preview counts offers", 1, preview.data?.data.offers);
const deleted = await api.DELETE("/api/companies/{resourceId}", { params: { path: { resourceId: target } } });
check("delete succeeds", "SUCCESS", deleted.data?.status);
const again = await api.DELETE("/api/companies/{resourceId}", { params: { path: { resourceId: target } } });
check("second delete is not found", [404, "NOT_FOUND"], [again.response.status, again.error?.status]);

// Session dialect: login -> delete own company; god token -> delete another.
const session = createClient<Session>({ baseUrl: base });
const login = await session.POST("/auth/login", { body: { email: "company1@email.com", password: "password123" } });
const cookie = (login.response.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
check("logged in", 200, login.response.status);
const own = await session.POST("/company/{companyId}/delete", {
  params: { path: { companyId: "43757374306d657230303031" } },
  headers: { Cookie: cookie },
});
check("session delete answers the company", "test-company-1", own.data?.name);
const me = await session.GET("/auth/me", { headers: { Cookie: cookie } });
check("session ends with the company", [401, "login-required"], [me.response.status, me.error?.errors[0]?.msg]);
const god = await session.POST("/company/{companyId}/delete", {
  params: { path: { companyId: "Cust0mer0003" } },
  body: { god_token: "demo-god-token" },
});
check("god delete", "Contoso Ltd", god.data?.name);
const refused = await session.POST("/company/{companyId}/delete", { params: { path: { companyId: "SubReseller1" } } });
check("no credentials is 401 with the gate", ["must-be-company", "must-be-god"], refused.error?.or?.map((o) => o.errors[0]?.msg));

console.log(`typescript-sdk: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
