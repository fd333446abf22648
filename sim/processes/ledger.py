"""Process 7: accounting. Every flow goes into each power's ledger, in integer cents, so that
gross - host payments - concession revenue = own net cost holds exactly every month."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.state import SimState

__all__ = ["MonthLedger", "close_month"]


@dataclass
class MonthLedger:
    """This month's flows per world and power ([B, P]), in cents (int64)."""

    gross: np.ndarray
    host: np.ndarray
    concession: np.ndarray

    @property
    def net(self) -> np.ndarray:
        return self.gross - self.host - self.concession


def _cents(usd: np.ndarray) -> np.ndarray:
    return np.rint(usd * 100.0).astype(np.int64)


def close_month(st: SimState) -> MonthLedger:
    """Book this month's spending, host payments and concessions; add casualties."""
    flows = np.stack((st.spending, st.host_paid, st.concessions))  # [3, B, S, P]
    gross, host, concession = _cents(flows.sum(axis=2))  # each summed over states
    month = MonthLedger(gross=gross, host=host, concession=concession)
    st.gross_cents += month.gross
    st.host_cents += month.host
    st.concession_cents += month.concession
    st.casualties_total += st.casualties.sum(axis=2)
    return month
