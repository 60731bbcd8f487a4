"""`customerReport`: new and active customers and logged interactions per bucket (staff)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated

import strawberry

from resolvers import customer_activity, reports
from resolvers.context import RequestContext
from schema.dashboard import ReportInterval, ReportRange
from schema.permissions import IsStaff

__all__ = ["CustomerReportQuery"]


@strawberry.enum(description="How to split a customer report's interactions.")
class CustomerReportGroupBy(enum.Enum):
    NONE = customer_activity.CustomerReportGroupBy.NONE.value
    TYPE = customer_activity.CustomerReportGroupBy.TYPE.value
    CHANNEL = customer_activity.CustomerReportGroupBy.CHANNEL.value


@strawberry.type(description="Interactions of one type or channel in a bucket.")
class CustomerReportGroup:
    key: str | None = strawberry.field(
        description="The interaction type (call, meeting …) or channel (plain text; null: "
        "no channel given). Plain text: escape before rendering as HTML."
    )
    interactions: int = strawberry.field(description="Interactions logged in the bucket.")


@strawberry.type(description="One day, week or month of a customer report.")
class CustomerReportBucket:
    starts_at: datetime = strawberry.field(description="Start of the bucket, inclusive.")
    ends_at: datetime = strawberry.field(description="End of the bucket, exclusive.")
    new_customers: int = strawberry.field(description="Customers created in the bucket.")
    active_customers: int = strawberry.field(
        description="Customers with an interaction, a ticket opened or a message on their "
        "tickets in the bucket."
    )
    interactions: int = strawberry.field(description="Interactions logged in the bucket.")
    groups: list[CustomerReportGroup] = strawberry.field(
        description="Interactions per type or channel (every key of the report, zeros "
        "included); empty when not grouped."
    )


@strawberry.type(description="Customer engagement over a range, bucket by bucket.")
class CustomerReport:
    interval: ReportInterval = strawberry.field(description="Bucket size.")
    time_zone: str = strawberry.field(
        description="Calendar of the buckets (an IANA name)."
        " Plain text: escape before rendering as HTML."
    )
    buckets: list[CustomerReportBucket] = strawberry.field(description="In time order.")


@strawberry.type
class CustomerReportQuery:
    @strawberry.field(
        description="New customers, active customers and interactions per day, week or "
        "month, interactions optionally per type or channel (staff only). The same range "
        f"limits as ticketReport, and at most {reports.MAX_CELLS} rows.",
        permission_classes=[IsStaff],
    )
    async def customer_report(
        self,
        info: strawberry.Info[RequestContext],
        range: Annotated[ReportRange, strawberry.argument(description="The period to cover.")],
        interval: Annotated[
            ReportInterval, strawberry.argument(description="Bucket size (default DAY).")
        ] = ReportInterval.DAY,
        group_by: Annotated[
            CustomerReportGroupBy,
            strawberry.argument(description="Split interactions (default NONE)."),
        ] = CustomerReportGroupBy.NONE,
        time_zone: Annotated[
            str, strawberry.argument(description="IANA time zone of the calendar (default UTC).")
        ] = "UTC",
    ) -> CustomerReport:
        report = await customer_activity.customer_report(
            info.context,
            range.from_,
            range.to,
            reports.ReportInterval(interval.value),
            customer_activity.CustomerReportGroupBy(group_by.value),
            time_zone,
        )
        return CustomerReport(
            interval=interval,
            time_zone=report.time_zone,
            buckets=[
                CustomerReportBucket(
                    starts_at=b.starts_at,
                    ends_at=b.ends_at,
                    new_customers=b.new_customers,
                    active_customers=b.active_customers,
                    interactions=b.interactions,
                    groups=[CustomerReportGroup(key=k, interactions=n) for k, n in b.groups],
                )
                for b in report.buckets
            ],
        )
