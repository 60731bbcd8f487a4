"""Placeholders within a ticket, and the way back into a reply."""

from __future__ import annotations

from ai.pii import PiiMode, Redactor, StreamRestorer, get_detector, masked
from ai.pii.entities import PiiKind


def _redactor() -> Redactor:
    return Redactor(get_detector(PiiMode.PATTERNS))


def test_same_value_gets_the_same_placeholder_in_every_message_of_a_ticket() -> None:
    redactor, thread = Redactor.from_thread(
        get_detector(PiiMode.PATTERNS),
        [
            ("I'm anna@example.de, call me on +49 171 2345678.", True),
            ("Noted. We'll call +49 171 2345678 tomorrow.", False),
            ("Or write to ANNA@example.de and bob@example.com, thanks.", True),
        ],
    )

    assert thread == [
        "I'm <EMAIL_1>, call me on <PHONE_1>.",
        "Noted. We'll call <PHONE_1> tomorrow.",
        "Or write to <EMAIL_1> and <EMAIL_2>, thanks.",
    ]
    assert redactor.customer_values() == {
        "<EMAIL_1>": "anna@example.de",
        "<PHONE_1>": "+49 171 2345678",
        "<EMAIL_2>": "bob@example.com",
    }


def test_differently_spaced_card_number_keeps_its_placeholder() -> None:
    redactor = _redactor()

    first = redactor.redact("card 4111 1111 1111 1111", from_customer=True)
    again = redactor.redact("card 4111-1111-1111-1111")

    assert (first, again) == ("card <CARD_1>", "card <CARD_1>")


def test_reply_gets_back_only_what_the_customer_gave() -> None:
    redactor = _redactor()
    redactor.redact("Please call me at (212) 555-0143.", from_customer=True)
    redactor.redact("Internal: the previous owner's number was 020 7946 0958.")

    restored = redactor.restore("We will call <PHONE_1>, not <PHONE_2> or <EMAIL_7>.")

    assert restored.text == ("We will call (212) 555-0143, not [phone removed] or [email removed].")
    assert restored.withheld == ("<PHONE_2>", "<EMAIL_7>")


def test_support_line_from_a_published_article_may_appear_in_the_reply() -> None:
    redactor = _redactor()
    redactor.redact("Billing questions: call +44 20 7946 0018.", public=True)
    redactor.redact("Agent note: customer's landlord is on 0161 496 0753.")

    restored = redactor.restore("Please call <PHONE_1>; do not share <PHONE_2>.")

    assert restored.text == "Please call +44 20 7946 0018; do not share [phone removed]."


def test_value_an_agent_wrote_first_is_restored_once_the_customer_gives_it() -> None:
    redactor = _redactor()
    redactor.redact("Agent note: is anna@example.de the right address?")
    redactor.redact("Yes, anna@example.de is mine.", from_customer=True)

    assert redactor.restore("Sent to <EMAIL_1>.").text == "Sent to anna@example.de."


def test_placeholder_split_across_streamed_pieces_is_restored_whole() -> None:
    redactor = _redactor()
    redactor.redact("I am anna@example.de", from_customer=True)
    restorer = StreamRestorer(redactor)

    pieces = [restorer.feed(p) for p in ["We wrote to <EM", "AIL_1", "> and [", "x]. <"]]
    pieces.append(restorer.finish())

    assert "".join(pieces) == "We wrote to anna@example.de and [x]. <"
    assert pieces[0] == "We wrote to "  # nothing of the placeholder leaked half-restored


def test_off_mode_changes_nothing() -> None:
    redactor = Redactor(None)

    assert redactor.redact("mail anna@example.de", from_customer=True) == "mail anna@example.de"
    assert redactor.restore("<EMAIL_1>").text == masked(PiiKind.EMAIL)


def test_reply_with_a_number_the_customer_never_gave_is_flagged() -> None:
    redactor = _redactor()
    redactor.redact("Call me on 0171 2345678 or mail anna@example.de", from_customer=True)
    redactor.redact("Support line: +44 20 7946 0018", public=True)

    clean = redactor.foreign("We'll call 0171-2345678 or +44 20 7946 0018, ANNA@example.de.")
    leaky = redactor.foreign("Your neighbour is on 0161 496 0753, bob@example.com.")

    assert clean == []
    assert leaky == [(PiiKind.PHONE, "0161 496 0753"), (PiiKind.EMAIL, "bob@example.com")]
