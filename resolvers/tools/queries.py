"""Reads of the registry, the runs and the usage report (staff only; no secrets ever)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth import policy
from db.models import Tool, ToolConnection, ToolRun, ToolVersion
from resolvers.context import RequestContext

__all__ = ["UsageRow", "list_runs", "list_tools", "run_view", "tool_usage", "tool_view"]


def _staff(ctx: RequestContext) -> None:
    ctx.require(policy.may_read_tools, "Only staff may see tools.")


async def list_tools(
    ctx: RequestContext, tool_id: uuid.UUID | None = None
) -> list[tuple[Tool, list[ToolVersion], ToolConnection | None]]:
    """Tools by name with their versions (newest first) and connection: three statements."""
    _staff(ctx)
    async with ctx.db.sessions() as session:
        query = select(Tool).order_by(Tool.name).limit(100)
        if tool_id is not None:
            query = query.where(Tool.id == tool_id)
        tools = list((await session.execute(query)).scalars())
        ids = [t.id for t in tools]
        versions = (
            await session.execute(
                select(ToolVersion)
                .where(ToolVersion.tool_id.in_(ids))
                .order_by(ToolVersion.created_at.desc())
            )
        ).scalars()
        connections = (
            await session.execute(select(ToolConnection).where(ToolConnection.tool_id.in_(ids)))
        ).scalars()
    by_tool: dict[uuid.UUID, list[ToolVersion]] = {i: [] for i in ids}
    for version in versions:
        by_tool[version.tool_id].append(version)
    linked = {c.tool_id: c for c in connections}
    return [(t, by_tool[t.id], linked.get(t.id)) for t in tools]


async def list_runs(
    ctx: RequestContext,
    *,
    tool_id: uuid.UUID | None,
    ticket_id: uuid.UUID | None,
    status: str | None,
    first: int,
) -> list[tuple[ToolRun, str, str]]:
    """Newest first, with the tool's name and version string (one statement)."""
    _staff(ctx)
    query = (
        select(ToolRun, Tool.name, ToolVersion.version)
        .join(Tool, Tool.id == ToolRun.tool_id)
        .join(ToolVersion, ToolVersion.id == ToolRun.tool_version_id)
        .order_by(ToolRun.created_at.desc(), ToolRun.id.desc())
        .limit(max(1, min(first, 100)))
    )
    if tool_id is not None:
        query = query.where(ToolRun.tool_id == tool_id)
    if ticket_id is not None:
        query = query.where(ToolRun.ticket_id == ticket_id)
    if status is not None:
        query = query.where(ToolRun.status == status)
    async with ctx.db.sessions() as session:
        rows = (await session.execute(query)).all()
    return [(r[0], r[1], r[2]) for r in rows]


@dataclass(frozen=True, slots=True)
class UsageRow:
    key: str
    runs: int
    failures: int
    timeouts: int
    p50_ms: float | None
    p95_ms: float | None
    bytes_in: int
    bytes_out: int


async def tool_usage(
    ctx: RequestContext, start: datetime, end: datetime, group_by: str
) -> list[UsageRow]:
    """Finished runs in [start, end), grouped by tool name or by day (UTC)."""
    _staff(ctx)
    key = (
        Tool.name
        if group_by == "tool"
        else func.to_char(func.date_trunc("day", ToolRun.created_at), "YYYY-MM-DD")
    ).label("key")
    query = (
        select(
            key,
            func.count(),
            func.count().filter(ToolRun.status == "failed"),
            func.count().filter(ToolRun.status == "timeout"),
            func.percentile_cont(0.5).within_group(ToolRun.duration_ms),
            func.percentile_cont(0.95).within_group(ToolRun.duration_ms),
            func.coalesce(func.sum(ToolRun.bytes_in), 0),
            func.coalesce(func.sum(ToolRun.bytes_out), 0),
        )
        .join(Tool, Tool.id == ToolRun.tool_id)
        .where(
            ToolRun.created_at >= start,
            ToolRun.created_at < end,
            ToolRun.status.in_(("succeeded", "failed", "timeout")),
        )
        .group_by(key)
        .order_by(key)
    )
    async with ctx.db.sessions() as session:
        rows = (await session.execute(query)).all()
    return [UsageRow(str(r[0]), r[1], r[2], r[3], r[4], r[5], int(r[6]), int(r[7])) for r in rows]


async def tool_view(
    session: AsyncSession, tool: Tool
) -> tuple[Tool, list[ToolVersion], ToolConnection | None]:
    """A tool just written in a mutation, with its versions and connection."""
    await session.flush()
    versions = (
        await session.execute(
            select(ToolVersion)
            .where(ToolVersion.tool_id == tool.id)
            .order_by(ToolVersion.created_at.desc())
        )
    ).scalars()
    connection = await session.scalar(
        select(ToolConnection).where(ToolConnection.tool_id == tool.id)
    )
    return tool, list(versions), connection


async def run_view(session: AsyncSession, run: ToolRun) -> tuple[ToolRun, str, str]:
    await session.flush()
    tool = await session.get(Tool, run.tool_id)
    version = await session.get(ToolVersion, run.tool_version_id)
    assert tool is not None
    assert version is not None
    return run, tool.name, version.version
