"""The limit proxy: the agent-inbox page by hand, Starlette + asyncpg, no GraphQL.

It answers POST /inbox with exactly the JSON that `POST /graphql` gives for
bench/ticket_list.py's INBOX query (the bench checks the two are identical), doing the same
work a real endpoint must: verify the access token and its session, read one page of 50
tickets with customer, assignee, team and last message in one statement, and count. Its
throughput is the ceiling the GraphQL stack is measured against. Bench code only, never
part of the product.

    python bench/limit_proxy.py --port 8101 --database-url postgresql://… --secret …
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import asyncpg
import jwt
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

PAGE = """
SELECT t.id, t.number, t.subject, t.status, t.priority, t.tags, t.updated_at,
       c.name AS customer_name, a.name AS assignee_name, tm.name AS team_name,
       lm.body_text AS last_body, lm.created_at AS last_created_at
FROM tickets t
LEFT JOIN customers c ON c.id = t.customer_id
LEFT JOIN users a ON a.id = t.assignee_id
LEFT JOIN teams tm ON tm.id = t.team_id
LEFT JOIN LATERAL (
    SELECT m.body_text, m.created_at FROM ticket_messages m
    WHERE m.ticket_id = t.id ORDER BY m.created_at DESC, m.id DESC LIMIT 1
) lm ON true
WHERE t.status = ANY($1::text[])
ORDER BY t.updated_at DESC, t.id DESC
LIMIT 51
"""
COUNT = "SELECT count(*) FROM tickets WHERE status = ANY($1::text[])"
SESSION = """
SELECT u.is_active, s.revoked_at FROM users u JOIN auth_sessions s ON s.user_id = u.id
WHERE u.id = $1 AND s.id = $2
"""
STATUSES = ["new", "open", "pending"]


def _cursor(updated_at: datetime, ticket_id: uuid.UUID) -> str:
    raw = json.dumps([{"t": updated_at.isoformat()}, {"u": str(ticket_id)}], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _gid(ticket_id: uuid.UUID) -> str:
    return base64.b64encode(f"Ticket:{ticket_id}".encode()).decode()


def _node(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": _gid(row["id"]),
        "number": row["number"],
        "subject": row["subject"],
        "status": row["status"].upper(),
        "priority": row["priority"].upper(),
        "tags": list(row["tags"] or []),
        "updatedAt": row["updated_at"].isoformat(),
        "customer": None if row["customer_name"] is None else {"name": row["customer_name"]},
        "assignee": None if row["assignee_name"] is None else {"name": row["assignee_name"]},
        "team": None if row["team_name"] is None else {"name": row["team_name"]},
        "lastMessage": None
        if row["last_created_at"] is None
        else {"bodyText": row["last_body"], "createdAt": row["last_created_at"].isoformat()},
    }


def build(database_url: str, secret: str) -> Starlette:
    pool: asyncpg.Pool | None = None

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        nonlocal pool
        pool = await asyncpg.create_pool(database_url, min_size=2, max_size=10)
        try:
            yield
        finally:
            await pool.close()

    async def inbox(request: Request) -> Response:
        assert pool is not None
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        try:
            claims = jwt.decode(token, secret, algorithms=["HS256"], audience="autocrm")
        except jwt.PyJWTError:
            return JSONResponse({"error": "unauthenticated"}, status_code=401)
        async with pool.acquire() as conn:
            found = await conn.fetchrow(SESSION, uuid.UUID(claims["sub"]), uuid.UUID(claims["sid"]))
            if found is None or not found["is_active"] or found["revoked_at"] is not None:
                return JSONResponse({"error": "unauthenticated"}, status_code=401)
            rows = await conn.fetch(PAGE, STATUSES)
            total = await conn.fetchval(COUNT, STATUSES)
        page = rows[:50]
        body = {
            "data": {
                "tickets": {
                    "totalCount": total,
                    "pageInfo": {
                        "endCursor": _cursor(page[-1]["updated_at"], page[-1]["id"])
                        if page
                        else None,
                        "hasNextPage": len(rows) > 50,
                    },
                    "edges": [{"node": _node(row)} for row in page],
                }
            }
        }
        return Response(json.dumps(body, separators=(",", ":")), media_type="application/json")

    return Starlette(routes=[Route("/inbox", inbox, methods=["POST"])], lifespan=lifespan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--secret", required=True)
    args = parser.parse_args()
    url = args.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    uvicorn.run(build(url, args.secret), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
