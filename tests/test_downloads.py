"""GET /files/{id}: the signed downloadUrl, header credentials, and who gets a 404."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import update

from auth.download_tokens import issue_download_token
from auth.principal import Principal
from db.engine import Database
from db.models import AuthSession
from db.models.accounts import Role
from tests.conftest import TEST_SECRET, ApiClient, make_user
from tests.resolvers.attachment_helpers import pdf_bytes, png_bytes, upload
from tests.resolvers.message_helpers import gid, make_message, make_ticket

ADD_MESSAGE = """
mutation ($input: AddMessageInput!) {
  addMessage(input: $input) { errors { field code } }
}
"""

DOWNLOAD_URL = """
query ($id: ID!) { node(id: $id) { ... on Attachment { downloadUrl } } }
"""


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def row_id_of(url: str) -> uuid.UUID:
    return uuid.UUID(urlsplit(url).path.rsplit("/", 1)[-1])


async def _uploaded(
    client: ApiClient, ticket_id: uuid.UUID, content: bytes, name: str
) -> dict[str, Any]:
    payload = await upload(client, ticket_id, content, name)
    assert payload["errors"] == []
    attachment: dict[str, Any] = payload["attachment"]
    return attachment


async def test_download_url_streams_the_file_with_safe_headers(
    db: Database, customer: ApiClient
) -> None:
    # given
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)
    image = png_bytes(16, 16)
    attachment = await _uploaded(customer, ticket.id, image, "Screenshot über alles.png")

    # when: a browser follows the link (no Authorization header)
    response = await customer.http.get(path_of(attachment["downloadUrl"]))

    # then
    assert response.status_code == 200
    assert response.content == image
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-length"] == str(len(image))
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"] == (
        'attachment; filename="Screenshot _ber alles.png"; '
        "filename*=UTF-8''Screenshot%20%C3%BCber%20alles.png"
    )
    assert response.headers["cache-control"] == "private, no-store"


async def test_uploaded_html_is_renamed_and_downloads_as_plain_text(
    db: Database, customer: ApiClient
) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)
    page = b"<html><script>alert(document.cookie)</script></html>"

    attachment = await _uploaded(customer, ticket.id, page, "invoice.html")
    response = await customer.http.get(path_of(attachment["downloadUrl"]))

    assert attachment["filename"] == "invoice.html.txt"
    assert response.content == page
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["content-disposition"].startswith(
        'attachment; filename="invoice.html.txt"'
    )


@pytest.mark.parametrize("name", ["logo.svg", "feed.xml", "page.xhtml", "app.js", "page.htm"])
async def test_markup_and_script_uploads_get_a_txt_name(
    db: Database, customer: ApiClient, name: str
) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)

    attachment = await _uploaded(customer, ticket.id, b"<svg onload='alert(1)'/>", name)

    assert attachment["filename"] == f"{name}.txt"
    assert attachment["contentType"] == "text/plain"


async def test_download_with_an_authorization_header(db: Database, agent: ApiClient) -> None:
    customer_user = await make_user(db, role="customer")
    ticket = await make_ticket(db, customer_user)
    attachment = await _uploaded(agent, ticket.id, pdf_bytes(), "invoice.pdf")
    by_row_id = f"/files/{row_id_of(attachment['downloadUrl'])}"
    by_global_id = f"/files/{attachment['id']}"

    for path in (by_row_id, by_global_id):
        response = await agent.http.get(path, headers={"Authorization": f"Bearer {agent.token}"})

        assert response.status_code == 200
        assert response.content == pdf_bytes()


async def test_download_without_credentials_is_refused(
    db: Database, customer: ApiClient, anonymous: ApiClient
) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)
    attachment = await _uploaded(customer, ticket.id, png_bytes(), "a.png")

    response = await anonymous.http.get(f"/files/{row_id_of(attachment['downloadUrl'])}")

    assert response.status_code == 401


async def test_expired_download_link_is_refused(db: Database, customer: ApiClient) -> None:
    # given: a link made 11 minutes ago (links last 10)
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)
    attachment = await _uploaded(customer, ticket.id, png_bytes(), "a.png")
    row_id = row_id_of(attachment["downloadUrl"])
    session_id = _session_of(attachment["downloadUrl"])
    token = issue_download_token(
        attachment_id=row_id,
        principal=Principal(
            role=Role.CUSTOMER,
            label="c",
            user_id=customer.user.id,
            session_id=session_id,
            customer_id=customer.user.customer_id,
        ),
        key=TEST_SECRET,
        minutes=10,
        now=datetime.now(UTC) - timedelta(minutes=11),
    )

    response = await customer.http.get(f"/files/{row_id}?token={token}")

    assert response.status_code == 401
    assert "expired" in response.json()["error"]


def _session_of(url: str) -> uuid.UUID:
    import jwt

    token = parse_qs(urlsplit(url).query)["token"][0]
    claims = jwt.decode(token, options={"verify_signature": False})
    return uuid.UUID(claims["sid"])


async def test_forged_download_links_are_refused(db: Database, customer: ApiClient) -> None:
    # given: a real link, then the same claims signed with another key, and a tampered one
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)
    attachment = await _uploaded(customer, ticket.id, png_bytes(), "a.png")
    row_id = row_id_of(attachment["downloadUrl"])
    principal = Principal(role=Role.CUSTOMER, label="c", user_id=customer.user.id)
    other_key = issue_download_token(
        attachment_id=row_id, principal=principal, key="not-the-server-key" * 3, minutes=10
    )
    real = parse_qs(urlsplit(attachment["downloadUrl"]).query)["token"][0]
    tampered = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")

    for token in (other_key, tampered, "not-a-token"):
        response = await customer.http.get(f"/files/{row_id}?token={token}")

        assert response.status_code == 401


async def test_access_token_is_not_accepted_as_a_download_link(
    db: Database, customer: ApiClient
) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)
    attachment = await _uploaded(customer, ticket.id, png_bytes(), "a.png")

    row_id = row_id_of(attachment["downloadUrl"])
    response = await customer.http.get(f"/files/{row_id}?token={customer.token}")

    assert response.status_code == 401


async def test_link_of_one_file_does_not_open_another(db: Database, customer: ApiClient) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)
    first = await _uploaded(customer, ticket.id, png_bytes(), "a.png")
    second = await _uploaded(customer, ticket.id, pdf_bytes(), "b.pdf")
    first_token = parse_qs(urlsplit(first["downloadUrl"]).query)["token"][0]

    response = await customer.http.get(
        f"/files/{row_id_of(second['downloadUrl'])}?token={first_token}"
    )

    assert response.status_code == 401


async def test_link_stops_working_after_logout(db: Database, customer: ApiClient) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)
    attachment = await _uploaded(customer, ticket.id, png_bytes(), "a.png")
    async with db.transaction() as session:
        await session.execute(
            update(AuthSession)
            .where(AuthSession.id == _session_of(attachment["downloadUrl"]))
            .values(revoked_at=datetime.now(UTC))
        )

    response = await customer.http.get(path_of(attachment["downloadUrl"]))

    assert response.status_code == 401


async def test_customer_cannot_download_another_customers_file(
    db: Database, customer: ApiClient, agent: ApiClient
) -> None:
    # given: a file on another customer's ticket
    other = await make_user(db, role="customer", name="Olga Other")
    ticket = await make_ticket(db, other)
    attachment = await _uploaded(agent, ticket.id, png_bytes(), "theirs.png")
    row_id = row_id_of(attachment["downloadUrl"])

    # when: with their own credentials, and asking for its downloadUrl
    with_header = await customer.http.get(
        f"/files/{row_id}", headers={"Authorization": f"Bearer {customer.token}"}
    )
    node = await customer.data(DOWNLOAD_URL, {"id": attachment["id"]})

    # then
    assert with_header.status_code == 404
    assert node["node"] is None


async def test_customer_cannot_download_a_file_on_an_internal_note(
    db: Database, customer: ApiClient, agent: ApiClient
) -> None:
    # given: an agent's internal note on the customer's ticket, with a file
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)
    attachment = await _uploaded(agent, ticket.id, pdf_bytes(), "internal.pdf")
    data = await agent.data(
        ADD_MESSAGE,
        {
            "input": {
                "ticketId": gid("Ticket", ticket.id),
                "bodyHtml": "<p>for staff</p>",
                "visibility": "INTERNAL",
                "attachmentIds": [attachment["id"]],
            }
        },
    )
    assert data["addMessage"]["errors"] == []
    row_id = row_id_of(attachment["downloadUrl"])

    # when
    customer_try = await customer.http.get(
        f"/files/{row_id}", headers={"Authorization": f"Bearer {customer.token}"}
    )
    agent_try = await agent.http.get(
        f"/files/{row_id}", headers={"Authorization": f"Bearer {agent.token}"}
    )

    # then
    assert customer_try.status_code == 404
    assert agent_try.status_code == 200


async def test_customer_downloads_a_file_staff_put_on_a_public_reply(
    db: Database, customer: ApiClient, agent: ApiClient
) -> None:
    assert customer.user is not None
    assert agent.user is not None
    ticket = await make_ticket(db, customer.user)
    reply = await make_message(db, ticket, agent.user, "<p>here you go</p>")
    payload = await upload(
        agent, ticket.id, pdf_bytes(), "guide.pdf", message_id=gid("Message", reply.id)
    )

    link = (await customer.data(DOWNLOAD_URL, {"id": payload["attachment"]["id"]}))["node"]
    response = await customer.http.get(path_of(link["downloadUrl"]))

    assert response.status_code == 200
    assert response.content == pdf_bytes()


async def test_unknown_file_is_404(db: Database, agent: ApiClient) -> None:
    headers = {"Authorization": f"Bearer {agent.token}"}

    missing = await agent.http.get(f"/files/{uuid.uuid4()}", headers=headers)
    garbage = await agent.http.get("/files/not-an-id", headers=headers)

    assert missing.status_code == 404
    assert garbage.status_code == 404
