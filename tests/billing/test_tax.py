"""消費税 arithmetic: tax-included prices, rounded down once per invoice and rate."""

import pytest

from portal.billing.tax import TaxSplit, split_tax_included


def test_licence_price_splits_into_19091_and_1909():
    # 21,000 × 10 / 110 = 1,909.09… → 1,909 (切捨て); 21,000 − 1,909 = 19,091
    assert split_tax_included(21000) == TaxSplit(gross=21000, net=19091, tax=1909, rate=10)


@pytest.mark.parametrize(
    "gross,tax",
    [
        (0, 0),
        (1, 0),  # 0.09… → 0
        (11, 1),  # exactly 1
        (109, 9),  # 9.909… → 9, not rounded up
        (110, 10),
        (1100, 100),
        (19999, 1818),  # 1818.09… → 1818
        (315, 28),  # three items of ¥105 on one invoice: once per invoice → 28 (per item would give 3 × 9 = 27)
        (63000, 5727),  # 5727.27… → 5727, while 3 × 1909 = 5727
    ],
)
def test_tax_is_rounded_down_to_the_yen(gross, tax):
    split = split_tax_included(gross)
    assert split.tax == tax
    assert split.net + split.tax == gross


def test_reduced_rate_is_supported_by_the_same_rule():
    # 8 %: 1,080 × 8 / 108 = 80
    assert split_tax_included(1080, rate=8) == TaxSplit(gross=1080, net=1000, tax=80, rate=8)


def test_a_cancellation_is_the_exact_negative():
    split = split_tax_included(-21000)
    assert split == TaxSplit(gross=-21000, net=-19091, tax=-1909, rate=10)
    assert split.tax + split_tax_included(21000).tax == 0


def test_money_must_be_whole_yen():
    with pytest.raises(TypeError):
        split_tax_included(21000.0)
