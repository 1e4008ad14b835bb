"""Shared fixtures for the pricing core tests (plain pytest, no Odoo)."""

import os
import sys
from datetime import datetime

import pytest
from hypothesis import settings

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "ev_billing"))
sys.path.insert(0, os.path.dirname(__file__))

import pricing
from pricing_helpers import SONGKRAN, simple_rates

settings.register_profile("pricing", deadline=None, max_examples=200)
settings.register_profile("pricing-deep", deadline=None, max_examples=5000)
settings.load_profile(os.environ.get("PRICING_HYPOTHESIS_PROFILE", "pricing"))


@pytest.fixture
def calendar():
    return pricing.TouCalendar(holidays={datetime(*SONGKRAN).date()})


@pytest.fixture
def rates():
    return simple_rates()
