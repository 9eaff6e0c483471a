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


@pytest.fixture
def fast_pdf(monkeypatch):
    """Skip WeasyPrint where a test is about the workflow, not about the document (the real
    rendering is tested in test_signed_pdf.py). Each fake PDF differs, like real ones do."""
    import uuid

    from agreements import services

    monkeypatch.setattr(
        services,
        "agreement_render_pdf",
        lambda agreement, **signature: (
            b"%PDF-1.7\n% test " + uuid.uuid4().hex.encode() + b"\n%%EOF"
        ),
    )
