"""Fixtures of the agreements tests: a supplier with one product in use at school A."""

from types import SimpleNamespace

import pytest

from tests.agreements import factories as af


@pytest.fixture
def reg(world):
    """``reg.supplier``, ``reg.product`` (with bijsluiter 1.0), ``reg.use`` at ``world.school``."""
    supplier = af.supplier(world.beheerder, world.foundation)
    product = af.product(world.beheerder, supplier)
    use = af.product_in_use(world.directie, world.school, product)
    return SimpleNamespace(supplier=supplier, product=product, use=use)


@pytest.fixture
def draft(world, reg):
    return af.draft_agreement(world.directie, reg.supplier, [reg.product], [world.school])
