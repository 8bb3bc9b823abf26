"""Nothing lost (issue #7, section 3) when a learner has saved more than one message carries.

The server refuses a websocket message from a page above 1 MiB
(server/voila.json) and closes the connection. A learner may keep megabytes in
the browser, so the page (ui/browser_store.js) sends what is larger than
PART_BYTES in parts, and its saved drafts and journal one by one, then
"load_done"; the kernel puts them back together (core.drafts: MessageParts,
DraftsArrival) and reads the drafts only once all have arrived.

Headless: the reassembly (in order, out of order, twice, missing, broken), the
store and keeper fed by those messages, and the real page script under Node
(the harness of test_journal.py) with 3 MB of saved drafts: no message it sends
is larger than PART_BYTES, and the real Python store gets every text back.
"""
from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from advocacy_lab.core.catalogue import text
from advocacy_lab.core.drafts import (
    MAX_DRAFT_BYTES,
    PART_BYTES,
    DraftsArrival,
    MessageParts,
    encode_record,
    field_id,
    record_to_json,
)
from advocacy_lab.core.text import MAX_FIELD_CHARS
from advocacy_lab.ui.drafts import NAMESPACE, BrowserDraftStore, keep_drafts
from advocacy_lab.ui.link_builder import TrackingLinkBuilder
from advocacy_lab.ui.message_builder import MessageBuilder
from advocacy_lab.ui.plan import CampaignPlanView
from test_journal import JOURNAL, Page, entry, journals, rec, run_page

BUILDER = "campaign-message/message-builder"
LINK = "campaign-message/tracking-link"
PLAN = "campaign-plan/plan"
ASIDE = "advocacy-lab:drafts-put-aside:"
#: The server's cap on one websocket message from a page (voila.json).
MESSAGE_CAP = 1024 * 1024
#: Room for what Jupyter wraps around a widget's message (header, comm id).
ENVELOPE = 4 * 1024
VOILA_JSON = Path(__file__).resolve().parents[1] / "widgets" / "advocacy_lab" / "server" / "voila.json"

SENTENCE = "Mỗi học sinh ở Hà Nội đều xứng đáng được hít thở bầu không khí trong lành mỗi ngày. "


def long_text(label: str, chars: int = MAX_FIELD_CHARS) -> str:
    head, tail = f"[{label}] ", f" [/{label}]"
    return head + (SENTENCE * (chars // len(SENTENCE) + 1))[: chars - len(head) - len(tail)] + tail


def parts_of(message: dict, size: int) -> list[dict]:
    """``message`` cut as a page cuts it: its JSON in pieces of ``size`` characters."""
    whole = json.dumps(message, ensure_ascii=False)
    pieces = [whole[i:i + size] for i in range(0, len(whole), size)]
    return [{"op": "part", "id": 1, "index": i, "count": len(pieces), "text": p} for i, p in enumerate(pieces)]


def test_the_part_size_fits_the_servers_cap_with_room_to_spare():
    cap = json.loads(VOILA_JSON.read_text())["Voila"]["tornado_settings"]["websocket_max_message_size"]
    assert cap == MESSAGE_CAP
    assert PART_BYTES + ENVELOPE <= cap // 2
    js = (Path(__file__).resolve().parents[1] / "widgets" / "advocacy_lab" / "ui" / "browser_store.js").read_text()
    assert f"const PART_BYTES = {PART_BYTES // 1024} * 1024;" in js  # the page uses the same size


# ------------------------------------------------------------------ parts put back together

MESSAGE = {"op": "conflict", "key": BUILDER, "conflicts": [{"path": ["post"], "other": "Hà Nội 👩‍👩‍👧 " * 50}]}


def test_parts_in_order_give_the_message_back_once_all_are_in():
    parts = MessageParts()
    pieces = parts_of(MESSAGE, 100)
    assert len(pieces) > 3
    assert [parts.add(p) for p in pieces[:-1]] == [None] * (len(pieces) - 1)
    assert parts.add(pieces[-1]) == MESSAGE
    assert parts.problems == []


def test_parts_out_of_order_or_twice_give_the_message_back_once():
    parts = MessageParts()
    pieces = parts_of(MESSAGE, 100)
    shuffled = pieces[1:] + pieces[:1]
    random.Random(7).shuffle(shuffled)
    got = [parts.add(p) for p in [shuffled[0], *shuffled]]  # the first one twice
    assert got.count(MESSAGE) == 1 and got[-1] == MESSAGE
    assert [parts.add(p) for p in pieces] == [None] * len(pieces)  # all again, after: nothing new
    assert parts.problems == []


def spoiled(pieces: list[dict], at: int, **change: Any) -> list[dict]:
    return [{**p, **change} if i == at else p for i, p in enumerate(pieces)]


SPOILS = {
    "sent twice, differently": lambda ps: [ps[0], ps[1], {**ps[1], "text": ps[1]["text"] + "x"}, *ps[2:]],
    "another count": lambda ps: spoiled(ps, 1, count=99),
    "index past the count": lambda ps: spoiled(ps, 1, index=len(ps)),
    "negative index": lambda ps: spoiled(ps, 1, index=-1),
    "no text": lambda ps: spoiled(ps, 1, text=None),
    "no longer JSON": lambda ps: spoiled(ps, len(ps) - 1, text=ps[-1]["text"][:-3]),
}


@pytest.mark.parametrize("spoil", SPOILS.values(), ids=SPOILS.keys())
def test_a_broken_part_drops_its_message_and_says_so(spoil):
    parts = MessageParts()
    pieces = spoil(parts_of(MESSAGE, 100))
    assert [parts.add(p) for p in pieces] == [None] * len(pieces)
    assert parts.problems
    # The next message still comes through.
    assert [parts.add({**p, "id": 2}) for p in parts_of(MESSAGE, 100)][-1] == MESSAGE


def test_a_message_left_unfinished_is_dropped_when_a_newer_one_starts():
    parts = MessageParts()
    first = parts_of(MESSAGE, 100)
    for piece in first[:-1]:
        parts.add(piece)
    second = [{**p, "id": 2} for p in parts_of({"op": "other_tab", "key": "x" * 150}, 60)]
    assert [parts.add(p) for p in second][-1] == {"op": "other_tab", "key": "x" * 150}
    assert parts.add(first[-1]) is None  # too late: the page has moved on
    assert any("unfinished" in p for p in parts.problems)


def test_parts_that_add_up_to_too_much_are_dropped():
    parts = MessageParts(max_chars=500)
    assert [parts.add(p) for p in parts_of(MESSAGE, 100)] == [None] * len(parts_of(MESSAGE, 100))
    assert any("more than 500" in p for p in parts.problems)
    assert MessageParts().max_chars == 2 * MAX_DRAFT_BYTES


@pytest.mark.parametrize("joined", ["[1, 2]", '"text"', json.dumps({"op": "part", "id": 9})])
def test_parts_that_join_into_something_else_than_a_message_are_dropped(joined):
    parts = MessageParts()
    assert parts.add({"op": "part", "id": 1, "index": 0, "count": 1, "text": joined}) is None
    assert parts.problems


def test_parts_never_raise_on_garbage():
    parts = MessageParts()
    rng = random.Random(3)
    values = [None, True, -1, 0, 1, 2, 5000, 1.5, "", "x", "{", [], {}, {"a": 1}, [1]]
    for _ in range(3000):
        part = {"op": "part", **{k: rng.choice(values) for k in ("id", "index", "count", "text") if rng.random() < 0.9}}
        parts.add(part if rng.random() < 0.95 else rng.choice(values))


# ------------------------------------------------------------------ drafts one by one

def draft_msg(key: str, data: dict, transfer: int = 1) -> dict:
    return {"op": "load_draft", "transfer": transfer, "key": key, "text": rec(data)}


def done_msg(keys: list[str], entries: int = 0, transfer: int = 1, **extra: Any) -> dict:
    return {"op": "load_done", "transfer": transfer, "keys": keys, "entries": entries,
            "available": True, "problem": "", "detail": "", **extra}


def test_drafts_arrive_one_by_one_and_count_only_once_done():
    arrival = DraftsArrival()
    first = entry(["post"], "typed", 5)
    builder, plan = draft_msg(BUILDER, {"post": "a"}), draft_msg(PLAN, {"title": "t"})
    assert arrival.add(builder) is None
    assert arrival.add({"op": "load_entry", "transfer": 1, "entry": first}) is None
    assert arrival.add(plan) is None
    assert arrival.add(plan) is None  # the same, twice: taken once
    done = arrival.add(done_msg([BUILDER, PLAN], entries=1))
    assert done.stored == {BUILDER: builder["text"], PLAN: plan["text"]}
    assert done.entries == [first] and done.missing_entries == 0 and not done.malformed
    assert done.available is True and done.problem == ""
    # Done is done: the same transfer again changes nothing.
    assert arrival.add(draft_msg(BUILDER, {"post": "b"})) is None
    assert arrival.add(done_msg([BUILDER])) is None


def test_a_draft_that_did_not_arrive_whole_is_read_as_unreadable():
    arrival = DraftsArrival()
    arrival.add(draft_msg(BUILDER, {"post": "a"}))
    arrival.add({"op": "load_draft", "transfer": 1, "key": LINK, "text": 42})
    arrival.add(draft_msg(PLAN, {"title": "one"}))
    arrival.add(draft_msg(PLAN, {"title": "another"}))  # twice, differently
    done = arrival.add(done_msg([BUILDER, LINK, PLAN, "never/sent"], entries=3))
    assert json.loads(done.stored[BUILDER])["data"] == {"post": "a"}
    assert done.stored[LINK] is None and done.stored[PLAN] is None and done.stored["never/sent"] is None
    assert done.missing_entries == 3
    assert arrival.problems


def test_a_newer_transfer_replaces_an_unfinished_one_and_older_messages_are_ignored():
    arrival = DraftsArrival()
    arrival.add(draft_msg(BUILDER, {"post": "first try"}))  # no "done": the connection dropped
    arrival.add(draft_msg(BUILDER, {"post": "second try"}, transfer=2))
    assert arrival.add(done_msg([BUILDER])) is None  # the first transfer's end, too late
    done = arrival.add(done_msg([BUILDER], transfer=2))
    assert json.loads(done.stored[BUILDER])["data"] == {"post": "second try"}


@pytest.mark.parametrize("bad", [
    {"keys": "all"}, {"keys": [1, BUILDER]}, {"entries": -1}, {"entries": "2"}, {"keys": None, "entries": None},
])
def test_a_done_that_does_not_say_what_was_sent_is_malformed_yet_keeps_what_arrived(bad):
    arrival = DraftsArrival()
    arrival.add(draft_msg(BUILDER, {"post": "a"}))
    done = arrival.add({**done_msg([BUILDER]), **bad})
    assert done.malformed
    assert json.loads(done.stored[BUILDER])["data"] == {"post": "a"}


def test_arrival_never_raises_and_ignores_what_is_not_a_load():
    arrival = DraftsArrival(max_chars=100)
    assert arrival.add(None) is None and arrival.add({"op": "save"}) is None
    assert arrival.add({"op": "load_draft", "transfer": "1", "key": "k", "text": "{}"}) is None
    assert arrival.add({"op": "load_draft", "transfer": True, "key": "k", "text": "{}"}) is None
    assert arrival.add({"op": "load_draft", "transfer": 1, "key": None, "text": "{}"}) is None
    assert arrival.add({"op": "load_entry", "transfer": 1, "entry": {1, 2}}) is None
    arrival.add({"op": "load_draft", "transfer": 1, "key": "big", "text": "x" * 500})  # over max_chars
    done = arrival.add({"op": "load_done", "transfer": 1, "keys": ["big"], "entries": 1,
                        "available": "yes", "problem": "p" * 100, "detail": "d" * 1000})
    assert done.stored == {"big": None}
    assert done.available is False and done.problem == "" and len(done.detail) == 300


# ------------------------------------------------------------------ the store and keeper, fed one by one

def send_load(page: Page, messages: list[dict]) -> None:
    for msg in messages:
        page.says(msg)


def test_the_store_reads_nothing_until_the_page_is_done_then_restores_everything():
    store = BrowserDraftStore()
    page = Page(store)
    builder = MessageBuilder()
    keeper = keep_drafts(builder, store=store)
    ready = []
    store.when_ready(lambda: ready.append(store.load(BUILDER)))
    post = long_text("post")
    journaled = long_text("journal")
    page.says(draft_msg(BUILDER, {"problem": "saved", "post": post}))
    page.says({"op": "load_entry", "transfer": 1, "entry": entry(["ask"], journaled, 5)})
    assert not store.ready and ready == [] and store.load(BUILDER) is None
    assert builder.fields["post"].value == ""
    assert keeper.status.startswith("Looking for work saved")
    page.says(done_msg([BUILDER], entries=1))
    assert store.ready and store.widget.available and store.widget.loaded
    assert store.widget.stored == {} and store.widget.journal == []  # the texts stay out of the synced state
    assert ready == [{"problem": "saved", "post": post, "ask": journaled}]
    assert builder.fields["post"].value == post and builder.fields["ask"].value == journaled
    [save] = [m for m in page.sent if m["op"] == "save"]  # the journal, saved by field
    assert save["changes"] == [{"path": ["ask"], "value": journaled}]
    assert keeper.notice == ""
    # A page sending again, not knowing it was done: nothing changes.
    page.sent.clear()
    page.says(draft_msg(BUILDER, {"post": "stale"}, transfer=2))
    page.says(done_msg([BUILDER], transfer=2))
    assert builder.fields["post"].value == post and page.sent == []


def test_changes_made_before_the_page_is_done_wait_and_are_merged():
    store = BrowserDraftStore()
    page = Page(store)
    builder = MessageBuilder()
    keep_drafts(builder, store=store)
    page.says(draft_msg(BUILDER, {"problem": "saved", "post": "saved post"}))
    store.update(BUILDER, {"ask": "typed early"}, [{"path": ["ask"], "value": "typed early"}])
    assert page.sent == []  # nothing reaches the page before it is done
    page.says(done_msg([BUILDER]))
    assert store.load(BUILDER) == {"problem": "saved", "post": "saved post", "ask": "typed early"}
    [save] = [m for m in page.sent if m["op"] == "save"]
    assert save["changes"] == [{"path": ["ask"], "value": "typed early"}]


def test_a_draft_that_did_not_arrive_whole_is_put_aside_and_announced():
    store = BrowserDraftStore()
    page = Page(store)
    builder, link = MessageBuilder(), TrackingLinkBuilder()
    keeper = keep_drafts(builder, link, store=store)
    page.says(draft_msg(LINK, {"url": "https://example.org"}))
    pieces = parts_of(draft_msg(BUILDER, {"post": long_text("post", 2000)}), 1000)
    for piece in pieces[:-1]:  # the last part never came
        page.says(piece)
    page.says(done_msg([BUILDER, LINK]))
    assert store.ready
    assert {"op": "put_aside", "key": BUILDER} in page.sent
    assert "could not be read, so it was put aside (1 draft)" in keeper.notice
    assert "Nothing was deleted" in keeper.notice
    assert link.fields["url"].value == "https://example.org"  # the rest is restored
    assert builder.fields["post"].value == ""


def test_journal_entries_that_did_not_arrive_are_announced_in_the_learners_language():
    store = BrowserDraftStore()
    page = Page(store)
    builder = MessageBuilder(lang="vi")
    keeper = keep_drafts(builder, store=store)
    page.says({"op": "load_entry", "transfer": 1, "entry": entry(["post"], "arrived", 1)})
    page.says(done_msg([], entries=2))
    assert builder.fields["post"].value == "arrived"
    assert text("drafts.transfer_incomplete", "vi") in keeper.notice
    assert text("drafts.transfer_incomplete", "vi") != text("drafts.transfer_incomplete", "en")


def test_a_page_that_never_says_it_is_done_has_not_loaded():
    store = BrowserDraftStore()
    page = Page(store)
    builder = MessageBuilder()
    keeper = keep_drafts(builder, store=store)
    page.says(draft_msg(BUILDER, {"post": "saved"}))
    assert not store.ready and builder.fields["post"].value == "" and keeper.notice == ""
    assert keeper.status.startswith("Looking for work saved")
    # Back in touch, the page sends them all again: that transfer counts.
    page.says(draft_msg(BUILDER, {"post": "saved"}, transfer=2))
    page.says(done_msg([BUILDER], transfer=2))
    assert builder.fields["post"].value == "saved" and keeper.notice == ""


def test_problems_the_page_reports_at_the_end_reach_the_learner():
    store = BrowserDraftStore()
    page = Page(store)
    keeper = keep_drafts(MessageBuilder(), store=store)
    page.says(done_msg([], available=False, problem="unavailable", detail="SecurityError"))
    assert store.ready and not store.widget.available
    assert "does not let this page save your work" in keeper.notice
    assert keeper.status == "Your work cannot be saved in this browser."


def test_a_large_late_journal_and_conflict_come_in_parts():
    store = BrowserDraftStore()
    page = Page(store)
    builder = MessageBuilder()
    keeper = keep_drafts(builder, store=store)
    page.load({})
    texts = [long_text(name) for name in ("problem", "solution", "ask", "post")]
    late = {"op": "journal", "entries": [entry([n], t, 1, base="") for n, t in zip(("problem", "solution", "ask", "post"), texts)]}
    for piece in parts_of(late, 200_000):
        page.says({**piece, "id": 1})
    assert [builder.fields[n].value for n in ("problem", "solution", "ask", "post")] == texts
    conflict = {"op": "conflict", "key": BUILDER, "conflicts": [{"path": ["post"], "other": long_text("other")}]}
    for piece in parts_of(conflict, 200_000):
        page.says({**piece, "id": 2})
    assert long_text("other") in keeper.notice


# ------------------------------------------------------------------ the real page script, under Node

def megabytes_of_drafts() -> tuple[dict[str, str], dict[str, dict]]:
    """About 3 MB in localStorage: module 04's and the plan's fields full, a journal over them."""
    builder = {n: long_text(f"builder {n}") for n in ("problem", "solution", "ask", "post")}
    link = {n: long_text(f"link {n}") for n in ("url", "source", "medium", "campaign")}
    plan = {"title": long_text("plan title")}
    entries = {
        field_id(BUILDER, n): entry([n], long_text(f"journal {n}"), 10 + i, base=builder[n])
        for i, n in enumerate(("problem", "solution", "post", "ask"))
    }
    entries.update({
        field_id(LINK, n): entry([n], long_text(f"journal {n}"), 20 + i, key=LINK, base=link[n])
        for i, n in enumerate(("url", "source", "campaign"))
    })
    storage = {
        NAMESPACE + BUILDER: rec(builder),
        NAMESPACE + LINK: rec(link),
        NAMESPACE + PLAN: rec(plan),
        JOURNAL + "a-closed-page": json.dumps({"v": 1, "page": "a-closed-page", "alive": 0, "closed": True,
                                               "entries": entries}, ensure_ascii=False),
    }
    expected = {
        BUILDER: {**builder, **{n: long_text(f"journal {n}") for n in ("problem", "solution", "post", "ask")}},
        LINK: {**link, **{n: long_text(f"journal {n}") for n in ("url", "source", "campaign")}},
        PLAN: plan,
    }
    return storage, expected


def specs() -> dict:
    return {**MessageBuilder().field_specs(), **TrackingLinkBuilder().field_specs(),
            **CampaignPlanView(store=BrowserDraftStore()).field_specs()}


def test_the_page_sends_megabytes_of_drafts_in_messages_the_server_accepts(tmp_path):
    storage, expected = megabytes_of_drafts()
    size = sum(len(k.encode()) + len(v.encode()) for k, v in storage.items())
    assert size > 3_000_000, size
    result = run_page(tmp_path, fields=specs(), storage=storage, close=False)
    largest = max(result["sizes"])
    assert largest <= PART_BYTES, f"the page sent a message of {largest} bytes"
    assert result["saved"] == []  # not one update with everything in it
    assert largest + ENVELOPE < MESSAGE_CAP
    ops = [m["op"] for m in result["sent"]]
    assert ops[-1] == "load_done" and "part" in ops  # records and entries too large for one message
    print(f"\n{size} bytes saved -> {len(result['sent'])} messages, the largest {largest} bytes")

    # The real Python store, fed those messages, gets every text back, exactly.
    store = BrowserDraftStore()
    page = Page(store)
    builder, link = MessageBuilder(), TrackingLinkBuilder()
    plan = CampaignPlanView(store=store)
    keeper = keep_drafts(builder, link, plan, store=store)
    for msg in result["sent"][:-1]:
        page.says(msg)
        assert not store.ready  # nothing read before the last message
    page.says(result["sent"][-1])
    assert store.ready
    assert {key: store.load(key) for key in expected} == expected
    for component, key in ((builder, BUILDER), (link, LINK)):
        assert {name: component.fields[name].value for name in expected[key]} == expected[key]
    assert plan.fields["title"].value == expected[PLAN]["title"]
    assert keeper.notice == ""

    # The journal, saved back by field, settles on the page: nothing put aside.
    back = run_page(tmp_path, fields=specs(), storage=storage, steps=[
        {"do": "kernel_sets", "name": "loaded", "value": True},
        *({"do": "kernel", "msg": m} for m in page.sent),
    ])
    assert json.loads(back["storage"][NAMESPACE + BUILDER])["data"] == expected[BUILDER]
    assert json.loads(back["storage"][NAMESPACE + LINK])["data"] == expected[LINK]
    assert journals(back["storage"]) == []
    assert not [k for k in back["storage"] if k.startswith(ASIDE)]


def test_pieces_never_split_a_character_and_count_escapes(tmp_path):
    # Emoji (two UTF-16 halves) at every offset, and control characters that
    # JSON writes as six bytes each: each message still fits, every text comes back.
    emoji = ("👩‍👩‍👧" + "\u0001\"\\") * 30_000 + "a"
    texts = {n: emoji[i:] for i, n in enumerate(("problem", "solution", "ask", "post"))}
    storage = {NAMESPACE + BUILDER: record_to_json(encode_record(texts))}
    result = run_page(tmp_path, fields=MessageBuilder().field_specs(), storage=storage, close=False)
    assert "part" in [m["op"] for m in result["sent"]]
    assert max(result["sizes"]) <= PART_BYTES
    store = BrowserDraftStore()
    page = Page(store)
    for msg in result["sent"]:
        page.says(msg)
    assert store.load(BUILDER) == texts


def test_a_page_not_loaded_when_the_connection_comes_back_sends_everything_again(tmp_path):
    storage, expected = megabytes_of_drafts()
    result = run_page(tmp_path, fields=specs(), storage=storage, close=False, steps=[{"do": "reconnected"}])
    sent = result["sent"]
    ends = [i for i, m in enumerate(sent) if m["op"] == "load_done"]
    assert [sent[i]["transfer"] for i in ends] == [1, 2] and ends[1] == len(sent) - 1
    first, second = sent[: ends[0] + 1], sent[ends[0] + 1:]
    assert len(first) == len(second) > 4
    store = BrowserDraftStore()
    page = Page(store)
    for msg in first[: len(first) // 2 + 1]:  # the first transfer, cut off half way (mid-record)
        page.says(msg)
    assert not store.ready
    for msg in second:
        page.says(msg)
    assert store.ready
    assert {key: store.load(key) for key in expected} == expected
    # Once the kernel has said it has them, a reconnect does not send them again.
    again = run_page(tmp_path, fields=specs(), storage=storage, close=False, steps=[
        {"do": "kernel_sets", "name": "loaded", "value": True}, {"do": "reconnected"}])
    assert [m["transfer"] for m in again["sent"] if m["op"] == "load_done"] == [1]


def test_a_large_conflict_and_late_journal_leave_the_page_in_parts(tmp_path):
    fields = MessageBuilder().field_specs()
    theirs = {n: long_text(f"other tab {n}") for n in ("problem", "post")}
    mine = {n: long_text(f"this tab {n}") for n in ("problem", "post")}
    result = run_page(tmp_path, fields=fields, storage={NAMESPACE + BUILDER: rec(theirs)}, close=False, steps=[
        {"do": "kernel_sets", "name": "loaded", "value": True},
        {"do": "kernel", "msg": {"op": "save", "key": BUILDER, "value": rec(mine), "changes": [
            {"path": [n], "value": mine[n], "base": ""} for n in mine]}},
        {"do": "type", "field": field_id(BUILDER, "ask"), "value": long_text("typed offline")},
        {"do": "type", "field": field_id(BUILDER, "solution"), "value": long_text("typed offline too")},
        {"do": "reconnected"},
    ])
    assert max(result["sizes"]) <= PART_BYTES
    parts, whole = MessageParts(), []
    for msg in result["sent"]:
        found = parts.add(msg) if msg["op"] == "part" else msg
        if found is not None:
            whole.append((found["op"], msg["op"] == "part"))
    # Each too large for one message: the saved draft, the two texts kept aside, the two typed offline.
    assert whole == [("load_draft", True), ("load_done", False), ("conflict", True), ("journal", True)]
    store = BrowserDraftStore()
    page = Page(store)
    builder = MessageBuilder()
    keeper = keep_drafts(builder, store=store)
    for msg in result["sent"]:  # the load (in parts), the conflict, the late journal
        page.says(msg)
    assert store.ready
    assert theirs["post"] in keeper.notice and theirs["problem"] in keeper.notice
    assert builder.fields["ask"].value == long_text("typed offline")
    assert builder.fields["solution"].value == long_text("typed offline too")


def test_text_fields_are_capped_even_where_the_browser_keeps_nothing(tmp_path):
    # A text past the cap could make one update larger than the server takes.
    fields = MessageBuilder().field_specs()
    result = run_page(tmp_path, fields=fields, blocked=True)
    assert result["maxlength"][field_id(BUILDER, "post")] == str(MAX_FIELD_CHARS)
    [state] = result["saved"]
    assert state["available"] is False and state["problem"] == "unavailable" and state["loaded"] is True
