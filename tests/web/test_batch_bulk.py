"""The queue's batch decision writes in bulk (issue 6) and stays exactly as careful:
chained audit entries, notifications, and item-by-item redo when something changed."""

from sqlalchemy import select, update

from tests.web.test_queue import _aid, _batch, _item, _submit, _text
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import batched, write_batch
from workflow_app.audit.verify import verify_all
from workflow_app.errors import Conflict
from workflow_app.extensions import db
from workflow_app.notifications.models import Notification


def test_bulk_batch_keeps_the_chain_and_notifies(auth, world, create_cycle, fresh):
    create_cycle()
    _submit(world, "a1", "a2", "a3")
    items = [_aid(world, n) for n in ("a1", "a2", "a3")]
    versions = {a.id: a.version for a in items}
    html = _text(_batch(auth.user("sup_a"), [_item(a) for a in items], "approve",
                        comment="同意", score="90"))
    assert "成功 3 项" in html
    for a in items:
        row = fresh(Assessment, a.id)
        assert (row.state, row.version) == ("committee_review", versions[a.id] + 1)
    assert verify_all() is None  # heads and chains agree after the bulk UPDATE
    notes = db.session.scalars(select(Notification.dedup_key).where(
        Notification.kind == "review_waiting")).all()
    assert {k.split(":")[0] for k in notes} == {f"a{a.id}" for a in items}


def test_write_batch_refuses_when_an_item_changed_meanwhile(world, create_cycle):
    from workflow_app.assessments.services import fire_event

    create_cycle()
    _submit(world, "a1")
    a1 = _aid(world, "a1")
    with batched():
        fire_event(a1, "approve", world.users["sup_a"], score="80")
        # Someone else moves the item on before the batch writes.
        db.session.execute(update(Assessment).where(Assessment.id == a1.id)
                           .values(version=Assessment.version + 5)
                           .execution_options(synchronize_session=False))
        try:
            write_batch()
        except Conflict:
            refused = True
        else:
            refused = False
    assert refused
    db.session.rollback()


def test_queue_many_in_bulk_adds_each_key_once(app, world):
    from workflow_app.notifications.services import queue_many

    a1 = world.users["a1"]
    items = [(a1, "cycle_opened", {"cycle": "周期", "deadline": "明天"}, f"bulk{i}", "/my", None)
             for i in range(80)]  # more than one multi-row chunk threshold
    first = queue_many(items, load=False)
    db.session.commit()  # the repeat meets the unique key in the database (ON CONFLICT)
    again = queue_many(items, load=False)
    db.session.commit()
    stored = db.session.scalars(select(Notification.dedup_key).where(
        Notification.dedup_key.like("bulk%"))).all()
    assert len(first) == len(stored) >= 80 and again == []
    assert len(set(stored)) == len(stored)
