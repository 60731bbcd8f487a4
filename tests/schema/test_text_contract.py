"""The text contract: every text field a client reads says whether it is plain text (escape
it before rendering as HTML) or sanitised HTML (safe to render)."""

from __future__ import annotations

from graphql import GraphQLInterfaceType, GraphQLObjectType, get_named_type

from schema import build_schema
from settings import Settings

PLAIN = "Plain text: escape before rendering as HTML."
JSON_PLAIN = "Its strings are plain text: escape before rendering as HTML."
HTML = "Sanitised HTML (allowlist), safe to render"
# Relay's pagination plumbing (strawberry's own types): opaque ASCII tokens we generate.
OPAQUE_TOKENS = {"PageInfo.startCursor", "PageInfo.endCursor"}

USER_TEXT = [
    "Ticket.subject",
    "Ticket.tags",
    "Customer.name",
    "Customer.company",
    "Customer.notes",
    "Customer.tags",
    "User.name",
    "Team.name",
    "Team.description",
    "TicketFeedback.comment",
    "ApiKey.name",
    "Message.bodyText",
    "Message.authorName",
]


def text_fields() -> dict[str, str]:
    """`Type.field` → description, for every String or JSON field of an output type."""
    schema = build_schema(Settings(_env_file=None))._schema  # type: ignore[call-arg]
    found: dict[str, str] = {}
    for type_name, type_ in schema.type_map.items():
        if type_name.startswith("__"):
            continue
        if not isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            continue
        for field_name, field in type_.fields.items():
            if get_named_type(field.type).name in ("String", "JSON"):
                found[f"{type_name}.{field_name}"] = field.description or ""
    return found


def test_every_text_field_states_its_contract() -> None:
    undocumented = [
        name
        for name, description in text_fields().items()
        if not (PLAIN in description or JSON_PLAIN in description or HTML in description)
        and not name.endswith("Edge.cursor")
        and name not in OPAQUE_TOKENS
    ]

    assert undocumented == []


def test_user_written_text_is_declared_plain() -> None:
    fields = text_fields()

    assert {name: PLAIN in fields[name] for name in USER_TEXT} == dict.fromkeys(USER_TEXT, True)


def test_only_sanitised_bodies_are_declared_html() -> None:
    html = sorted(name for name, description in text_fields().items() if HTML in description)

    assert html == [
        "Article.bodyHtml",
        "ArticleVersion.bodyHtml",
        "CustomerNote.bodyHtml",
        "CustomerNoteRevision.bodyHtml",
        "Interaction.bodyHtml",
        "Message.bodyHtml",
        "MessageRevision.bodyHtml",
    ]


def test_custom_fields_declare_their_strings_plain() -> None:
    fields = text_fields()

    assert JSON_PLAIN in fields["Customer.customFields"]
    assert JSON_PLAIN in fields["Ticket.customFields"]
