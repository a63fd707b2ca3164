"""Employers' jobs over HTTP: post, edit and close their company's postings; admins any; wage floor."""

import uuid

from litestar.testing import TestClient

from adapters.in_memory import InMemoryStore
from domain.company import Company
from domain.roles import Role
from tests.e2e.test_http_support import account_with_role, client, store

__all__ = ["client", "store"]  # fixtures
PROBLEM = "application/problem+json"
CAFE = {"title": "ホールスタッフ", "jobType": "ｶﾌｪ", "hourlyWage": 1300, "stationCode": "003672",
        "workDays": "月〜金", "workStart": "09:00", "workEnd": "17:00", "industry": "7671"}  # fmt: skip


def employer_of(client: TestClient, store: InMemoryStore, company: str | None) -> dict[str, str]:  # type: ignore[type-arg]
    headers = account_with_role(client, store, Role.EMPLOYER)
    if company is not None:
        me = client.get("/api/v1/me", headers=headers).json()
        firm = next((c for c in store.companies.values() if c.name == company), None) or Company(uuid.uuid4(), company)
        store.companies[firm.id] = firm
        store.users[uuid.UUID(me["id"])].company_id = firm.id
    return headers


def test_an_employer_posts_edits_and_closes_its_companys_job(client: TestClient, store: InMemoryStore) -> None:  # type: ignore[type-arg]
    sato = employer_of(client, store, "新宿カフェ株式会社")
    response = client.post("/api/v1/jobs", json=CAFE, headers=sato)
    assert response.status_code == 201, response.text
    job = response.json()
    assert (job["companyName"], job["jobType"], job["prefectureCode"], job["city"]) == (
        "新宿カフェ株式会社", "カフェ", "13", "新宿区")  # fmt: skip
    assert (job["nearestStation"], job["workDays"], job["workStart"], job["isActive"]) == ("新宿", 31, "09:00", True)
    found = client.get("/api/v1/jobs", params={"keyword": "ほーるすたっふ"}, headers=sato).json()["items"]
    assert [j["id"] for j in found] == [job["id"]]

    colleague = employer_of(client, store, "新宿カフェ株式会社")  # same company: may edit
    edit = {"hourlyWage": 1400, "title": "ホール"}
    response = client.patch(f"/api/v1/jobs/{job['id']}", json=edit, headers=colleague)
    assert response.status_code == 200, response.text
    assert (response.json()["hourlyWage"], response.json()["title"], response.json()["stationCode"]) == (
        1400, "ホール", "003672")  # fmt: skip

    response = client.delete(f"/api/v1/jobs/{job['id']}", headers=sato)
    assert response.status_code == 204, response.text
    assert client.get("/api/v1/jobs", params={"keyword": "ほーる"}, headers=sato).json()["items"] == []
    shown = client.get(f"/api/v1/jobs/{job['id']}", headers=sato).json()
    assert shown["isActive"] is False  # closed, not deleted
    assert client.delete(f"/api/v1/jobs/{job['id']}", headers=sato).status_code == 204  # idempotent


def test_other_companies_and_company_less_employers_get_403_admins_manage_any(
    client: TestClient, store: InMemoryStore  # type: ignore[type-arg]
) -> None:
    sato = employer_of(client, store, "新宿カフェ株式会社")
    job_id = client.post("/api/v1/jobs", json=CAFE, headers=sato).json()["id"]
    suzuki = employer_of(client, store, "渋谷書店")
    for method in ("PATCH", "DELETE"):
        response = client.request(method, f"/api/v1/jobs/{job_id}", json={"hourlyWage": 2000}, headers=suzuki)
        assert response.status_code == 403, (method, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)
    lone = employer_of(client, store, None)
    assert client.post("/api/v1/jobs", json=CAFE, headers=lone).status_code == 403
    other_company = next(c.id for c in store.companies.values() if c.name == "渋谷書店")
    response = client.post("/api/v1/jobs", json={**CAFE, "companyId": str(other_company)}, headers=sato)
    assert response.status_code == 403

    admin = account_with_role(client, store, Role.ADMIN)
    response = client.patch(f"/api/v1/jobs/{job_id}", json={"hourlyWage": 1500}, headers=admin)
    assert response.status_code == 200, response.text
    response = client.post("/api/v1/jobs", json=CAFE, headers=admin)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "companyId"
    response = client.post("/api/v1/jobs", json={**CAFE, "companyId": str(other_company)}, headers=admin)
    assert response.status_code == 201
    assert response.json()["companyName"] == "渋谷書店"
    assert client.patch(f"/api/v1/jobs/{uuid.uuid4()}", json={}, headers=admin).status_code == 404


def test_below_the_legal_minimum_is_refused_naming_field_wage_and_minimum(
    client: TestClient, store: InMemoryStore  # type: ignore[type-arg]
) -> None:
    sato = employer_of(client, store, "新宿カフェ株式会社")
    response = client.post("/api/v1/jobs", json={**CAFE, "hourlyWage": 1000}, headers=sato)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["type"].endswith("/below-minimum-wage")
    assert body["errors"][0]["field"] == "hourlyWage"
    assert "1000 JPY" in body["errors"][0]["message"]
    assert "1226 JPY" in body["errors"][0]["message"]  # Tokyo, FY2025 (in force from 2025-10-03)

    job_id = client.post("/api/v1/jobs", json=CAFE, headers=sato).json()["id"]
    response = client.patch(f"/api/v1/jobs/{job_id}", json={"hourlyWage": 1100}, headers=sato)
    assert response.status_code == 422
    assert response.json()["type"].endswith("/below-minimum-wage")
    # Moving a 1100-yen job to Okinawa (1023 yen) is legal; moving it back to Tokyo is not.
    okinawa = {"prefectureCode": "47", "hourlyWage": 1100}
    assert client.patch(f"/api/v1/jobs/{job_id}", json=okinawa, headers=sato).status_code == 200
    response = client.patch(f"/api/v1/jobs/{job_id}", json={"prefectureCode": "13"}, headers=sato)
    assert response.status_code == 422
    assert client.get(f"/api/v1/jobs/{job_id}", headers=sato).json()["prefectureCode"] == "47"


def test_bad_postings_name_the_field(client: TestClient, store: InMemoryStore) -> None:  # type: ignore[type-arg]
    sato = employer_of(client, store, "新宿カフェ株式会社")
    for body, status, field in [
        ({k: v for k, v in CAFE.items() if k != "title"}, 400, "title"),
        ({**CAFE, "salary": 1}, 400, "salary"),
        ({**CAFE, "hourlyWage": "高い"}, 400, "hourlyWage"),
        ({**CAFE, "stationCode": "999999"}, 422, "stationCode"),
        ({**CAFE, "industry": "ZZ"}, 422, "industry"),
        ({**CAFE, "workEnd": None}, 422, "workEnd"),
        ({**CAFE, "workDays": "someday"}, 422, "workDays"),
        ({**CAFE, "expiresOn": "2000-01-01"}, 422, "expiresOn"),
        ({**CAFE, "title": "   "}, 422, "title"),
        ({k: v for k, v in CAFE.items() if k != "stationCode"}, 422, "stationCode"),
    ]:
        response = client.post("/api/v1/jobs", json=body, headers=sato)
        assert response.status_code == status, (body, response.text)
        assert response.json()["errors"][0]["field"] == field, response.json()


def test_an_admins_post_edit_and_close_are_audited_an_employers_own_are_not(
    client: TestClient, store: InMemoryStore  # type: ignore[type-arg]
) -> None:
    sato = employer_of(client, store, "新宿カフェ株式会社")
    job_id = client.post("/api/v1/jobs", json=CAFE, headers=sato).json()["id"]
    assert client.patch(f"/api/v1/jobs/{job_id}", json={"hourlyWage": 1350}, headers=sato).status_code == 200
    assert store.audit == {}  # an employer's work on its own company's postings

    admin = account_with_role(client, store, Role.ADMIN)
    admin_id = client.get("/api/v1/me", headers=admin).json()["id"]
    company = store.jobs[uuid.UUID(job_id)].company_id
    assert client.patch(f"/api/v1/jobs/{job_id}", json={"hourlyWage": 1500, "title": "ホール"},
                        headers=admin).status_code == 200  # fmt: skip
    assert client.patch(f"/api/v1/jobs/{job_id}", json={"hourlyWage": 1500}, headers=admin).status_code == 200
    assert client.delete(f"/api/v1/jobs/{job_id}", headers=admin).status_code == 204
    assert client.delete(f"/api/v1/jobs/{job_id}", headers=admin).status_code == 204  # closed already
    posted = client.post("/api/v1/jobs", json={**CAFE, "companyId": str(company)}, headers=admin).json()
    entries = sorted(store.audit.values(), key=lambda e: e.at)
    assert [e.action for e in entries] == ["job.edit", "job.close", "job.post"]  # no-ops leave none
    assert {(e.actor, e.target_type) for e in entries} == {(f"user:{admin_id}", "job")}
    assert [e.target_id for e in entries] == [job_id, job_id, posted["id"]]
    assert entries[0].details == {"company_id": str(company), "changed": ["title", "hourly_wage"]}
    listed = client.get("/api/v1/admin/audit", headers=account_with_role(client, store, Role.SUPER_ADMIN))
    assert {"job.edit", "job.close", "job.post"} <= {e["action"] for e in listed.json()["items"]}
