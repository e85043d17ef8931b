"""Task ownership (牵头单位 / 总负责 / 责任单位) and 市县同责连带考核 settings on indicator
items and their cycle copies; per-unit weights (差异化权重) and their cycle copy; the
counties' completion rates of linked indicators (issue 15 points 2-4, seed 003).

Revision ID: h14linkage0001
Revises: h14cadence0001
"""

import sqlalchemy as sa
from alembic import op

revision = "h14linkage0001"
down_revision = "h14cadence0001"
branch_labels = None
# The indicator sheets (b5d1ce0f0511) are a branch of their own: this needs their tables.
depends_on = ("b5d1ce0f0511",)

ITEM_TABLES = ("indicator_item", "cycle_indicator_item")


def _item_columns(table, batch):
    batch.add_column(sa.Column("lead_unit_id", sa.Integer(), nullable=True))
    batch.add_column(sa.Column("lead_cadre_id", sa.Integer(), nullable=True))
    batch.add_column(sa.Column("responsible_unit_ids", sa.JSON(), server_default="[]",
                               nullable=False))
    batch.add_column(sa.Column("linkage_weight", sa.Numeric(precision=6, scale=2),
                               nullable=True))
    batch.add_column(sa.Column("linkage_average", sa.String(length=10), server_default="mean",
                               nullable=False))
    batch.add_column(sa.Column("linkage_mode", sa.String(length=10), server_default="replace",
                               nullable=False))
    batch.create_foreign_key(op.f(f"fk_{table}_lead_unit_id_org_unit"), "org_unit",
                             ["lead_unit_id"], ["id"])
    batch.create_foreign_key(op.f(f"fk_{table}_lead_cadre_id_user_account"), "user_account",
                             ["lead_cadre_id"], ["id"])
    batch.create_check_constraint(op.f(f"ck_{table}_known_linkage_average"),
                                  "linkage_average IN ('mean', 'weighted')")
    batch.create_check_constraint(op.f(f"ck_{table}_known_linkage_mode"),
                                  "linkage_mode IN ('replace', 'add')")
    batch.create_check_constraint(
        op.f(f"ck_{table}_linkage_needs_lead"),
        "linkage_weight IS NULL OR (linkage_weight > 0 AND linkage_weight <= 100 AND "
        "lead_unit_id IS NOT NULL)")


def _weight_checks(table):
    return sa.CheckConstraint("weight >= 0 AND weight <= 100",
                              name=op.f(f"ck_{table}_weight_range"))


def upgrade():
    for table in ITEM_TABLES:
        with op.batch_alter_table(table) as batch:
            _item_columns(table, batch)
    op.create_table(
        "unit_weight_adjustment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sheet_id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        _weight_checks("unit_weight_adjustment"),
        sa.ForeignKeyConstraint(["sheet_id"], ["indicator_sheet.id"], ondelete="CASCADE",
                                name=op.f("fk_unit_weight_adjustment_sheet_id_indicator_sheet")),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_unit.id"],
                                name=op.f("fk_unit_weight_adjustment_org_unit_id_org_unit")),
        sa.ForeignKeyConstraint(["item_id"], ["indicator_item.id"], ondelete="CASCADE",
                                name=op.f("fk_unit_weight_adjustment_item_id_indicator_item")),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["user_account.id"],
            name=op.f("fk_unit_weight_adjustment_updated_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_weight_adjustment")),
        sa.UniqueConstraint("org_unit_id", "item_id",
                            name=op.f("uq_unit_weight_adjustment_org_unit_id_item_id")),
    )
    with op.batch_alter_table("unit_weight_adjustment") as batch:
        batch.create_index(batch.f("ix_unit_weight_adjustment_sheet_id"), ["sheet_id"])
        batch.create_index(batch.f("ix_unit_weight_adjustment_org_unit_id"), ["org_unit_id"])
    op.create_table(
        "cycle_unit_weight",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Numeric(precision=6, scale=2), nullable=False),
        _weight_checks("cycle_unit_weight"),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycle.id"], ondelete="CASCADE",
                                name=op.f("fk_cycle_unit_weight_cycle_id_cycle")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["cycle_indicator_item.id"], ondelete="CASCADE",
            name=op.f("fk_cycle_unit_weight_item_id_cycle_indicator_item")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycle_unit_weight")),
        sa.UniqueConstraint("org_unit_id", "item_id",
                            name=op.f("uq_cycle_unit_weight_org_unit_id_item_id")),
    )
    with op.batch_alter_table("cycle_unit_weight") as batch:
        batch.create_index(batch.f("ix_cycle_unit_weight_cycle_id"), ["cycle_id"])
    op.create_table(
        "linkage_completion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("rate", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("rate >= 0 AND rate <= 999.99",
                           name=op.f("ck_linkage_completion_rate_range")),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycle.id"], ondelete="CASCADE",
                                name=op.f("fk_linkage_completion_cycle_id_cycle")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["cycle_indicator_item.id"], ondelete="CASCADE",
            name=op.f("fk_linkage_completion_item_id_cycle_indicator_item")),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_unit.id"],
                                name=op.f("fk_linkage_completion_org_unit_id_org_unit")),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["user_account.id"],
            name=op.f("fk_linkage_completion_recorded_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_completion")),
        sa.UniqueConstraint("item_id", "org_unit_id",
                            name=op.f("uq_linkage_completion_item_id_org_unit_id")),
    )
    with op.batch_alter_table("linkage_completion") as batch:
        batch.create_index(batch.f("ix_linkage_completion_cycle_id"), ["cycle_id"])


def downgrade():
    op.drop_table("linkage_completion")
    op.drop_table("cycle_unit_weight")
    op.drop_table("unit_weight_adjustment")
    for table in ITEM_TABLES:
        with op.batch_alter_table(table) as batch:
            for name in ("known_linkage_average", "known_linkage_mode", "linkage_needs_lead"):
                batch.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")
            batch.drop_constraint(op.f(f"fk_{table}_lead_unit_id_org_unit"), type_="foreignkey")
            batch.drop_constraint(op.f(f"fk_{table}_lead_cadre_id_user_account"),
                                  type_="foreignkey")
            for column in ("linkage_mode", "linkage_average", "linkage_weight",
                           "responsible_unit_ids", "lead_cadre_id", "lead_unit_id"):
                batch.drop_column(column)
