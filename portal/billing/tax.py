"""消費税 on Renkei's invoices — the one place the arithmetic and the rounding rule live.

The rule (適格請求書等保存方式, stated once):
    Prices are tax-included (税込). The 消費税 is computed ONCE per invoice and per tax
    rate from the tax-included total, and rounded DOWN to the whole yen (端数切捨て):

        tax = floor(gross × rate / (100 + rate))
        net = gross − tax                         (税抜金額)

    ¥21,000 at 10 %: 21,000 × 10 / 110 = 1,909.09… → tax ¥1,909, net ¥19,091.

A cancelling invoice carries the same split with the opposite sign, so an invoice and
its cancellation always add up to exactly zero (never −¥1,910 from flooring a negative).
Integers only: no float ever touches money.
"""

from __future__ import annotations

from dataclasses import dataclass

STANDARD_RATE = 10  # 標準税率 10 % (the licence is not subject to the reduced rate)


@dataclass(frozen=True)
class TaxSplit:
    gross: int  # 税込金額
    net: int  # 税抜金額
    tax: int  # 消費税額
    rate: int  # 税率 (%)

    def negated(self) -> TaxSplit:
        return TaxSplit(gross=-self.gross, net=-self.net, tax=-self.tax, rate=self.rate)


def split_tax_included(gross: int, rate: int = STANDARD_RATE) -> TaxSplit:
    """Split a tax-included amount in yen into net + 消費税 (rounded down, see module docstring)."""
    if not isinstance(gross, int) or isinstance(gross, bool):
        raise TypeError("amounts are whole yen (int)")
    if rate < 0:
        raise ValueError("tax rate must not be negative")
    if gross < 0:
        return split_tax_included(-gross, rate).negated()
    tax = gross * rate // (100 + rate)
    return TaxSplit(gross=gross, net=gross - tax, tax=tax, rate=rate)
