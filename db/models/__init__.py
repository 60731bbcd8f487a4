"""Every model, imported here so `Base.metadata` is complete for Alembic."""

from db.models.accounts import ApiKey, AuthSession, RefreshToken, Role, User, UserToken
from db.models.ai import AiCall, AiQuotaLimit
from db.models.ai_suggestions import AiSuggestion, AiSuggestionVersion
from db.models.audit import AuditEntry
from db.models.auto_reply import AutoReplyPolicy
from db.models.customers import Customer, CustomerEmail, CustomerPhone
from db.models.engagement import (
    CustomerNote,
    CustomerNoteRevision,
    Interaction,
    InteractionParticipant,
    InteractionRevision,
)
from db.models.jobs import Job
from db.models.kb import Article, ArticleVersion, KbChunk
from db.models.kb_searches import KbSearchMiss
from db.models.kb_stats import ArticleDailyStats, ArticleView, ArticleVote
from db.models.organizations import CustomerSegment, Organization
from db.models.outbox import OutboxMail
from db.models.tickets import (
    Attachment,
    SlaPolicy,
    Team,
    TeamMember,
    Ticket,
    TicketFeedback,
    TicketFollower,
    TicketMessage,
    TicketMessageRevision,
)
from db.models.tools import Tool, ToolConnection, ToolRun, ToolVersion
from db.models.triage import RoutingRule, TicketTriage, TriageModel

__all__ = [
    "AiCall",
    "AiQuotaLimit",
    "AiSuggestion",
    "AiSuggestionVersion",
    "ApiKey",
    "Article",
    "ArticleDailyStats",
    "ArticleVersion",
    "ArticleView",
    "ArticleVote",
    "Attachment",
    "AuditEntry",
    "AuthSession",
    "AutoReplyPolicy",
    "Customer",
    "CustomerEmail",
    "CustomerNote",
    "CustomerNoteRevision",
    "CustomerPhone",
    "CustomerSegment",
    "Interaction",
    "InteractionParticipant",
    "InteractionRevision",
    "Job",
    "KbChunk",
    "KbSearchMiss",
    "Organization",
    "OutboxMail",
    "RefreshToken",
    "Role",
    "RoutingRule",
    "SlaPolicy",
    "Team",
    "TeamMember",
    "Ticket",
    "TicketFeedback",
    "TicketFollower",
    "TicketMessage",
    "TicketMessageRevision",
    "TicketTriage",
    "Tool",
    "ToolConnection",
    "ToolRun",
    "ToolVersion",
    "TriageModel",
    "User",
    "UserToken",
]
