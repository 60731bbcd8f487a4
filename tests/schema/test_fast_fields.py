"""The short field path answers exactly what graphql-core's general path answers: the
same data, and the same errors (message, path, null propagation) for values it refuses."""

from __future__ import annotations

import enum
from typing import Any

import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.fast_fields import fast_field_context, fast_fields
from schema.plain_fields import install_plain_resolvers


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"


@strawberry.type
class Child:
    name: str
    nickname: str | None


@strawberry.type
class Row:
    number: int
    colour: Colour
    child: Child
    maybe_child: Child | None
    helper: Child | None = None

    @strawberry.field
    def via_plain(self) -> Child | None:
        return None  # replaced by a plain resolver below


@strawberry.type
class ListRow:
    labels: list[str]
    maybe_labels: list[str | None] | None
    colours: list[Colour]
    children: list[Child]
    maybe_children: list[Child | None]


@strawberry.type
class Query:
    @strawberry.field
    def rows(self) -> list[Row | None]:
        return ROWS

    @strawberry.field
    def list_rows(self) -> list[ListRow | None]:
        return _list_rows()


class _Broken:
    """Not a Child, but with its attributes."""

    name = "x"
    nickname = None


def _row(number: Any = 1, colour: Any = Colour.RED, child: Any = None, maybe: Any = None) -> Row:
    return Row(
        number=number,
        colour=colour,
        child=Child(name="a", nickname=None) if child is None else child,
        maybe_child=maybe,
    )


# One refused value per row (a list of nullable rows: each error nulls its row only).
ROWS: list[Any] = [
    _row(),  # fine
    _row(number=None),  # null in a non-null leaf
    _row(colour="purple"),  # a value the enum refuses
    _row(child=_Broken()),  # another class (Strawberry checks no type here: both accept it)
    _row(number=3),  # its plain resolver raises
    _row(maybe=Child(name=None, nickname="n")),  # type: ignore[arg-type]  # nulls maybeChild
]
ROWS[1].child = None  # and null in a non-null object, on the same row


async def _later(child: Child) -> Child:
    return child


def _list_rows() -> list[Any]:
    """Fresh each time (awaitable items can be awaited once): one refused value per row."""

    def row(**changes: Any) -> ListRow:
        values: dict[str, Any] = {
            "labels": ["a", "b"],
            "maybe_labels": ["a", None],
            "colours": [Colour.RED],
            "children": [Child(name="c", nickname=None)],
            "maybe_children": [None, Child(name="d", nickname="e")],
        }
        return ListRow(**{**values, **changes})

    return [
        row(),  # fine
        row(labels=["a", None]),  # null in a non-null item: nulls the row
        row(maybe_labels=None, labels=("x", 5)),  # a tuple; an int the String type coerces
        row(colours=[Colour.RED, "purple"]),  # a value the enum refuses
        row(children=[Child(name=None, nickname=None)]),  # type: ignore[arg-type]
        row(maybe_children=[Child(name=None, nickname="n"), None]),  # type: ignore[arg-type]
        row(children=[_later(Child(name="later", nickname=None))]),  # an awaitable item
        row(children=None),  # null in a non-null list
    ]


LIST_QUERY = """
query {
  listRows {
    labels maybeLabels colours
    children { name nickname }
    maybeChildren { name nickname }
  }
}
"""


QUERY = """
query {
  rows {
    number colour
    child { name nickname }
    maybeChild { name nickname }
    viaPlain { name }
  }
}
"""


def _plain(source: Any, info: Any) -> Any:
    if source.number == 3:
        raise ValueError("plain resolver failed")
    return Child(name=info.parent_type.name, nickname=None)


def _schema(fast: bool) -> strawberry.Schema:
    schema = strawberry.Schema(query=Query)
    install_plain_resolvers(schema, {("Row", "viaPlain"): _plain})
    schema.execution_context_class = (
        fast_field_context(fast_fields(schema._schema))
        if fast
        else StrawberryGraphQLCoreExecutionContext
    )
    return schema


def _answer(fast: bool) -> tuple[Any, list[tuple[str, Any]]]:
    result = _schema(fast).execute_sync(QUERY)
    errors = sorted((e.message, e.path) for e in result.errors or [])
    return result.data, errors


def test_the_short_path_is_taken_for_plain_leaves_objects_and_plain_resolvers() -> None:
    schema = _schema(fast=True)
    found = fast_fields(schema._schema)
    row = next(fields for t, fields in found.items() if t.name == "Row")

    assert {"number", "colour", "child", "maybeChild", "helper", "viaPlain"} <= set(row)
    assert "Query" not in {t.name for t in found}  # its one field is a list


def test_short_path_answers_the_same_data_and_errors_as_graphql_core() -> None:
    fast_data, fast_errors = _answer(fast=True)
    general_data, general_errors = _answer(fast=False)

    assert fast_data == general_data
    assert fast_errors == general_errors
    assert len(fast_errors) == 4  # each refused value surfaced as an error
    assert fast_data is not None
    assert fast_data["rows"][0]["viaPlain"] == {"name": "Row"}


async def test_lists_take_the_short_path_with_the_same_data_and_errors() -> None:
    schema = _schema(fast=True)
    row = next(f for t, f in fast_fields(schema._schema).items() if t.name == "ListRow")
    assert set(row) == {"labels", "maybeLabels", "colours", "children", "maybeChildren"}

    answers = []
    for fast in (True, False):
        result = await _schema(fast).execute(LIST_QUERY)
        answers.append((result.data, sorted((e.message, e.path) for e in result.errors or [])))
    (fast_data, fast_errors), (general_data, general_errors) = answers

    assert fast_data == general_data
    assert fast_errors == general_errors
    assert fast_data is not None
    rows = fast_data["listRows"]
    assert rows[0] == {
        "labels": ["a", "b"],
        "maybeLabels": ["a", None],
        "colours": ["RED"],
        "children": [{"name": "c", "nickname": None}],
        "maybeChildren": [None, {"name": "d", "nickname": "e"}],
    }
    assert rows[2]["labels"] == ["x", "5"]
    assert rows[5]["maybeChildren"] == [None, None]
    assert rows[6]["children"] == [{"name": "later", "nickname": None}]
    assert [rows[i] for i in (1, 3, 4, 7)] == [None, None, None, None]
    assert len(fast_errors) == 5
