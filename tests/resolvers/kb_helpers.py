"""GraphQL documents and small helpers shared by the knowledge-base tests."""

from __future__ import annotations

from typing import Any

from tests.conftest import ApiClient

ERRORS = "errors { field code message }"
ARTICLE_FIELDS = """
  id title bodyHtml bodyText state audience category tags locale
  publishedVersion { id number title state }
  latestVersion { id number title state reviewComment }
"""

CREATE_ARTICLE = f"""
mutation ($input: CreateArticleInput!) {{
  createArticle(input: $input) {{
    article {{ {ARTICLE_FIELDS} }} version {{ id number state }} {ERRORS}
  }}
}}
"""

SAVE_DRAFT = f"""
mutation ($input: SaveArticleDraftInput!) {{
  saveArticleDraft(input: $input) {{
    article {{ {ARTICLE_FIELDS} }} version {{ id number state }} {ERRORS}
  }}
}}
"""

SUBMIT = f"""
mutation ($id: ID!) {{
  submitArticleForReview(input: {{articleId: $id}}) {{ article {{ id state }} {ERRORS} }}
}}
"""

APPROVE = f"""
mutation ($id: ID!) {{
  approveArticle(input: {{articleId: $id}}) {{
    article {{ {ARTICLE_FIELDS} }} version {{ id state }} {ERRORS}
  }}
}}
"""

REQUEST_CHANGES = f"""
mutation ($id: ID!, $comment: String!) {{
  requestArticleChanges(input: {{articleId: $id, comment: $comment}}) {{
    article {{ {ARTICLE_FIELDS} }} {ERRORS}
  }}
}}
"""

ARCHIVE = f"""
mutation ($id: ID!) {{
  archiveArticle(input: {{articleId: $id}}) {{ article {{ id state }} {ERRORS} }}
}}
"""

RESTORE = f"""
mutation ($id: ID!) {{
  restoreArticleVersion(input: {{versionId: $id}}) {{
    article {{ {ARTICLE_FIELDS} }} version {{ id number state }} {ERRORS}
  }}
}}
"""

ARTICLES = """
query ($filter: ArticleFilterInput, $first: Int) {
  articles(filter: $filter, first: $first) {
    totalCount
    edges { node { id title state audience bodyText versions { number } } }
  }
}
"""

NODE = """
query ($id: ID!) {
  node(id: $id) {
    ... on Article { id title bodyText state versions { number } latestVersion { id } }
    ... on ArticleVersion { id number title bodyText }
  }
}
"""


async def create(
    client: ApiClient,
    title: str = "Reset your password",
    body: str = "<p>Open settings.</p>",
    **extra: Any,
) -> dict[str, Any]:
    data = await client.data(CREATE_ARTICLE, {"input": {"title": title, "bodyHtml": body, **extra}})
    payload: dict[str, Any] = data["createArticle"]
    assert payload["errors"] == []
    return payload


async def save(
    client: ApiClient, article_id: str, base_id: str, title: str, body: str, **extra: Any
) -> dict[str, Any]:
    data = await client.data(
        SAVE_DRAFT,
        {
            "input": {
                "articleId": article_id,
                "baseVersionId": base_id,
                "title": title,
                "bodyHtml": body,
                **extra,
            }
        },
    )
    payload: dict[str, Any] = data["saveArticleDraft"]
    return payload


async def publish(author: ApiClient, reviewer: ApiClient, article_id: str) -> dict[str, Any]:
    """Submit (as the author) and approve (as the reviewer)."""
    submitted = await author.data(SUBMIT, {"id": article_id})
    assert submitted["submitArticleForReview"]["errors"] == []
    approved = await reviewer.data(APPROVE, {"id": article_id})
    payload: dict[str, Any] = approved["approveArticle"]
    assert payload["errors"] == []
    return payload
